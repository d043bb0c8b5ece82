"""find_fields: everything the portal looks for in the text of a PDF's pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from portal.pdfreading.dates import find_dates
from portal.pdfreading.footprints import find_footprints
from portal.pdfreading.found import FoundField
from portal.pdfreading.recycled import find_recycled
from portal.pdfreading.statements import find_numbers, find_standards, find_verifiers
from portal.pdfreading.text import PageText

MAX_FIELDS = 500
_FINDERS: tuple[Callable[[PageText], list[FoundField]], ...] = (
    find_standards,
    find_footprints,
    find_verifiers,
    find_numbers,
    find_dates,
    find_recycled,
)


def find_fields(pages: Sequence[str], *, max_fields: int = MAX_FIELDS) -> list[FoundField]:
    """Fields found in page texts (index 0 is page 1), each value once, first occurrence kept."""
    found: list[FoundField] = []
    seen: set[tuple[str, str, str | None]] = set()
    for number, extracted in enumerate(pages, start=1):
        page = PageText.of(number, extracted)
        for finder in _FINDERS:
            for field in finder(page):
                key = (field.name, field.value, field.unit)
                if key in seen:
                    continue
                seen.add(key)
                found.append(field)
                if len(found) >= max_fields:
                    return found
    return found
