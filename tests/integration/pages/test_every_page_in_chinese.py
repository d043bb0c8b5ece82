"""Every page each demo role reaches, rendered in Chinese, shows no English of the portal's own.

English that stays: units, standards' names and codes (all capitals, or with digits), and the
people's own data — what the database holds as entered (names, products, meters, notes) and what
a template marks translate="no" (PDF quotes, audit records, rule ids for the ESG team).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi.testclient import TestClient
from page_walk import read_page, route_shape, walk
from pages_helpers import browse_demo_as
from sqlalchemy import Column, String, inspect, select
from sqlmodel import Session, SQLModel

from portal.catalog import get_ruleset

DEMO_PEOPLE = (
    "admin@demo.portal",
    "esg@demo.portal",
    "buyer@demo.portal",
    "recycler@demo.portal",
    "smelter@demo.portal",
)
# Words that are English in both languages: units, and names of standards and products.
ALLOWED_WORDS = {
    "tCO2e", "kgCO2e", "kWh", "MWh", "Nm", "kg", "t", "kW", "h", "GJ", "TJ", "tC", "km",
    "kgCO2", "tkm", "s", "Excel", "OAuth", "Chart", "js",
    "Published",  # PACT's name of the event a host sends when it publishes a footprint
    "ProductFootprint",  # PACT's data model
}  # fmt: skip
# Names of standards, programmes and organisations, cited as their owners write them.
ALLOWED_PHRASES = ("GHG Protocol Product", "First Movers Coalition")
# Emails, web addresses, file names and extensions, paths and units with a slash (kg/h,
# rules/energy.toml), hashes are not words.
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S*|\S*\.(?:pdf|csv|xlsx|json|toml)\b|\b[0-9a-f]{8,}\b"
    r"|[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*"
    r"|\[\[[a-z_]+\]\]"  # a TOML table's name, [[meters]]
    r"|\bportal(?: [a-z-]+){1,3}",  # a command of the command line: portal pact pull
    re.IGNORECASE,
)
# A code cited in a sentence (e.g. al_primary_ingot, a value to type) is a code; a code standing
# alone where a person reads (a cell holding only al_billet) should have been a name.
CODE = re.compile(r"^[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+$")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_./'-]*")
IDENTIFIER = re.compile(r"^[a-z0-9_.:/-]+$")
MATERIAL_CODES = frozenset(get_ruleset().materials)


def english_words(text: str, data: Iterable[str], attribute: bool = False) -> list[str]:
    """The English words of TEXT that are neither data, units, standards nor codes.

    In an ATTRIBUTE (a hover hint, a placeholder) a code is allowed: it is what to type or the
    ESG team's id of a rule; in text a code is allowed only inside a sentence.
    """
    alone = text.strip()
    if CODE.match(alone) or (alone in MATERIAL_CODES and not attribute):
        return [] if attribute else [alone]
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    for phrase in ALLOWED_PHRASES:
        text = text.replace(phrase, " ")
    text = NOT_WORDS.sub(" ", text)
    words = []
    for word in WORD.findall(text):
        word = word.rstrip(".'-/")
        if not word or word in ALLOWED_WORDS:
            continue
        if any(character.isdigit() for character in word):
            continue  # codes and units: CO2e, A356.2, Mg99.90, DEMO-2026-001
        if word.upper() == word:
            continue  # acronyms and codes: ISO, PACT, ESG, JCHY, CH-AUX-EL
        if CODE.match(word) or word in MATERIAL_CODES or (attribute and word.islower()):
            continue  # a code cited in a sentence, or in a hint (what to type, an id)
        words.append(word)
    return words


def people_data(session: Session) -> list[str]:
    """Text people entered, as the database holds it (not codes or states), longest first."""
    found: set[str] = set()
    present = set(inspect(session.connection()).get_table_names())
    if True:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in present:
                continue
            columns = [
                column for column in table.columns if _holds_text(column) and not column.primary_key
            ]
            for column in columns:
                for (value,) in session.execute(select(column).distinct()):
                    if isinstance(value, str) and len(value) > 2 and not IDENTIFIER.match(value):
                        found.add(value.strip())
    return sorted(found, key=len, reverse=True)


def _holds_text(column: Column[object]) -> bool:
    kind = getattr(column.type, "impl", column.type)
    return isinstance(kind, String)


def test_every_page_in_chinese_shows_no_english_of_the_portals_own(
    demo_client: TestClient, session: Session
) -> None:
    data = people_data(session)
    leftovers: dict[str, set[str]] = {}
    reached: dict[str, int] = {}
    for email in DEMO_PEOPLE:
        browse_demo_as(demo_client, session, email, "zh")

        def fetch(url: str) -> tuple[int, str, str]:
            answer = demo_client.get(url, follow_redirects=False)
            return answer.status_code, answer.headers.get("content-type", ""), answer.text

        pages = walk(fetch, per_shape=2)
        reached[email] = len(pages)
        for url, html in pages.items():
            assert 'lang="zh-Hans"' in html, url
            for text, where in read_page(html).texts:
                words = english_words(text, data, attribute=" " in where)
                if words:
                    key = f"{route_shape(url.split('?')[0])} {where}: {text[:120]!r}"
                    leftovers.setdefault(key, set()).update(words)
    # Each role reaches its pages: hand-counted from the navigation of each role and the demo's
    # records (a declaration, a purchase, a report...), at least this many.
    assert reached["admin@demo.portal"] >= 10, reached
    assert reached["esg@demo.portal"] >= 20, reached
    assert reached["buyer@demo.portal"] >= 10, reached
    assert reached["recycler@demo.portal"] >= 6, reached
    report = "\n".join(f"{key} -> {sorted(words)}" for key, words in sorted(leftovers.items()))
    assert not leftovers, f"{len(leftovers)} English texts left in the Chinese UI:\n{report}"
