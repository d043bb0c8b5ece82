"""Standards named, verifier, statement and certificate numbers."""

from __future__ import annotations

import re

from portal.pdfreading.found import FieldName, FoundField
from portal.pdfreading.text import PageText, snippet_at

# Patterns are lower case: they run on PageText.lower. Canonical standard names are those
# of portal.checking.facts.STANDARDS.
_STANDARDS = {
    "ISO 14067": r"iso\s*14067",
    "GB/T 24067": r"gb\s*/\s*t\s*24067",
    "ISO 14025": r"iso\s*14025",
    "EN 15804": r"en\s*15804",
    "PACT": r"\bpact\b|pathfinder\s+framework|partnership\s+for\s+carbon\s+transparency",
    "GHG Protocol Product": r"ghg\s+protocol\s+product"
    r"|product\s+life\s+cycle\s+accounting\s+and\s+reporting\s+standard",
}
STANDARD = re.compile("|".join(f"(?P<s{i}>{p})" for i, p in enumerate(_STANDARDS.values())))
_STANDARD_NAMES = {f"s{i}": name for i, name in enumerate(_STANDARDS)}

VERIFIER_LABEL = re.compile(
    r"verified\s+by|(?:third[- ]party\s+)?verifier|verification\s+body|assurance\s+provider"
    r"|(?:第三方)?(?:审定与)?(?:核查|验证)(?:机构|单位)(?:名称)?"
)
_AFTER_LABEL = re.compile(r"[ \t]*(:?)[ \t]*([^\n]{2,120})")
_IDENTIFIER = r"(?P<value>[a-z0-9][a-z0-9\-/_.]{2,40})"
STATEMENT_NUMBER = re.compile(
    r"(?:(?:verification\s+)?statement\s+(?:no\b\.?|number|#)"
    r"|verification\s+report\s+(?:no\b\.?|number)"
    r"|(?:核查|验证)?声明编号|(?:核查|验证)报告编号)\s*:?\s*" + _IDENTIFIER
)
CERTIFICATE_NUMBER = re.compile(
    r"(?:certificate\s+(?:no\b\.?|number|#)|证书编号)\s*:?\s*" + _IDENTIFIER
)


def find_standards(page: PageText) -> list[FoundField]:
    """Each standard named in the text, by its canonical name."""
    return [
        FoundField(
            FieldName.STANDARD,
            _STANDARD_NAMES[match.lastgroup or ""],
            None,
            None,
            page.number,
            snippet_at(page.text, match.start(), match.end()),
        )
        for match in page.finditer(STANDARD)
    ]


def find_verifiers(page: PageText) -> list[FoundField]:
    """Names after a verifier label followed by a colon, or starting a table row."""
    found = []
    for label in page.finditer(VERIFIER_LABEL):
        after = _AFTER_LABEL.match(page.text, label.end())
        if after is None:
            continue
        line_start = page.text.rfind("\n", 0, label.start()) + 1
        starts_row = not page.text[line_start : label.start()].strip()
        if not after[1] and not (starts_row and after.start(2) > label.end()):
            continue
        # Table cells are separated by runs of spaces; the name is the first cell.
        name = re.split(r"\s{3,}", after[2].strip())[0].strip(" ;,")
        if len(name) >= 2:
            snippet = snippet_at(page.text, label.start(), after.end())
            found.append(FoundField(FieldName.VERIFIER, name, None, None, page.number, snippet))
    return found


def find_numbers(page: PageText) -> list[FoundField]:
    """Verification statement numbers and certificate numbers, as printed."""
    found = []
    for name, pattern in (
        (FieldName.STATEMENT_NUMBER, STATEMENT_NUMBER),
        (FieldName.CERTIFICATE_NUMBER, CERTIFICATE_NUMBER),
    ):
        for match in page.finditer(pattern):
            value = page.text[match.start("value") : match.end("value")].rstrip("./-")
            snippet = snippet_at(page.text, match.start(), match.end())
            found.append(FoundField(name, value, None, None, page.number, snippet))
    return found


def standard_names(text: str) -> set[str]:
    """Canonical names of the standards a string names ("ISO 14067:2018" -> {"ISO 14067"})."""
    lower = text.lower()
    return {_STANDARD_NAMES[m.lastgroup or ""] for m in STANDARD.finditer(lower)}
