"""What was read from a PDF: found fields and the reading of one document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from portal.pdfreading.candidates import Candidate


class FieldName(StrEnum):
    """Names of the fields `find_fields` looks for."""

    STANDARD = "standard"
    PCF = "pcf"  # a CO2e-per-mass figure labelled as the product's footprint
    CO2E_PER_MASS = "co2e_per_mass"  # a CO2e-per-mass figure with no footprint label
    VERIFIER = "verifier"
    STATEMENT_NUMBER = "statement_number"
    CERTIFICATE_NUMBER = "certificate_number"
    REFERENCE_PERIOD_START = "reference_period_start"
    REFERENCE_PERIOD_END = "reference_period_end"
    VALIDITY_START = "validity_start"
    VALIDITY_END = "validity_end"
    VERIFICATION_DATE = "verification_date"
    ISSUE_DATE = "issue_date"
    DATE = "date"  # a date with no recognised label
    RECYCLED_PRE_CONSUMER_PCT = "recycled_pre_consumer_pct"
    RECYCLED_POST_CONSUMER_PCT = "recycled_post_consumer_pct"
    RECYCLED_CONTENT_PCT = "recycled_content_pct"


@dataclass(frozen=True)
class FoundField:
    """One value found in a document, with where it was and the text it came from."""

    name: str
    value: str
    unit: str | None
    t_per_t: Decimal | None  # footprints only: the value normalised to tCO2e per tonne
    page: int  # 1-based
    snippet: str
    source: str = "text"  # "text", or "ocr" when read from the page's scan image

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (decimals as strings)."""
        return {
            "name": str(self.name),
            "value": self.value,
            "unit": self.unit,
            "t_per_t": None if self.t_per_t is None else str(self.t_per_t),
            "page": self.page,
            "snippet": self.snippet,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FoundField:
        """Inverse of `to_dict`."""
        t_per_t = data.get("t_per_t")
        return cls(
            name=str(data["name"]),
            value=str(data["value"]),
            unit=None if data.get("unit") is None else str(data["unit"]),
            t_per_t=None if t_per_t is None else Decimal(str(t_per_t)),
            page=int(data["page"]),
            snippet=str(data["snippet"]),
            source=str(data.get("source", "text")),
        )


@dataclass(frozen=True)
class PdfReading:
    """The outcome of reading one PDF: its size in pages, whether it has text, what was found."""

    page_count: int
    has_text_layer: bool
    fields: tuple[FoundField, ...]
    text_chars: int  # non-whitespace characters extracted, over all pages
    footprint: Candidate | None = None  # the figure chosen as the product's footprint
    candidates: tuple[Candidate, ...] = ()  # ranked, the chosen one first
    garbled_pages: tuple[int, ...] = ()  # pages whose text layer decodes to no text
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR from their scan image

    def named(self, name: str) -> list[FoundField]:
        """The found fields with this name, in document order."""
        return [found for found in self.fields if found.name == name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "page_count": self.page_count,
            "has_text_layer": self.has_text_layer,
            "text_chars": self.text_chars,
            "fields": [found.to_dict() for found in self.fields],
            "footprint": None if self.footprint is None else self.footprint.to_dict(),
            "candidates": [candidate.to_dict() for candidate in self.candidates],
            "garbled_pages": list(self.garbled_pages),
            "ocr_pages": list(self.ocr_pages),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PdfReading:
        """Inverse of `to_dict`; readings stored before footprints were chosen have none."""
        footprint = data.get("footprint")
        return cls(
            page_count=int(data["page_count"]),
            has_text_layer=bool(data["has_text_layer"]),
            fields=tuple(FoundField.from_dict(found) for found in data["fields"]),
            text_chars=int(data["text_chars"]),
            footprint=None if footprint is None else Candidate.from_dict(footprint),
            candidates=tuple(Candidate.from_dict(item) for item in data.get("candidates", ())),
            garbled_pages=tuple(int(page) for page in data.get("garbled_pages", ())),
            ocr_pages=tuple(int(page) for page in data.get("ocr_pages", ())),
        )
