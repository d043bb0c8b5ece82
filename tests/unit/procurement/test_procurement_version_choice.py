"""Which version applies on a purchase date, superseded or not, and how the answer says why."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from procurement_helpers import REAL_RULES, candidate

from portal.procurement.decision import (
    CheckVerdict,
    NoDeclaration,
    ProductLine,
    Replacement,
    applicable,
    decide,
)

ON = date(2026, 3, 2)


def superseded(was: str, **fields: object):  # type: ignore[no-untyped-def]
    """Version 1, valid 2025-01-01 – 2026-04-30, replaced by version 2 on 2026-05-10."""
    first = candidate(
        pcf="4.0",
        status="superseded",
        start=date(2025, 1, 1),
        end=date(2025, 12, 31),
        valid_until=date(2026, 4, 30),
        submitted_on=date(2026, 1, 10),
        **fields,
    )
    return replace(first, superseded_status=was, replaced_by=Replacement(2, date(2026, 5, 10)))


def second(**fields: object):  # type: ignore[no-untyped-def]
    """Version 2, accepted, valid 2026-04-01 – 2027-12-31."""
    return candidate(
        pcf="3.0",
        version=2,
        start=date(2026, 4, 1),
        end=date(2026, 4, 30),
        submitted_on=date(2026, 5, 10),
        **fields,
    )


def check(candidates, on=ON):  # type: ignore[no-untyped-def]
    return decide(
        candidates,
        REAL_RULES,
        material_code="al_primary_ingot",
        quantity_t=Decimal(100),
        on=on,
        product_line=ProductLine.ALLOY,
    )


def test_an_accepted_version_replaced_since_applies_on_a_date_it_covers() -> None:
    old, new = superseded("accepted"), second()
    answer = check([old, new])
    # 100 t x 4.0 tCO2e/t = 400 t CO2e, from version 1.
    assert answer.verdict is CheckVerdict.PASS and answer.declaration == old
    assert answer.emissions_t == Decimal(400)
    assert answer.declaration_note is not None
    zh, en = answer.declaration_note
    assert en == (
        f"version 1 (declaration #{old.id}), valid on 2026-03-02 (2025-01-01 – 2026-04-30); "
        "version 2 replaced it on 2026-05-10"
    )
    assert zh.startswith("采用第 1 版") and "第 2 版于 2026-05-10 取代了它" in zh


@pytest.mark.parametrize("was", ["rejected", "in_review", None])
def test_a_version_never_accepted_is_never_used_even_once_replaced(was: str | None) -> None:
    answer = check([superseded(was), second()])  # type: ignore[arg-type]
    # Version 2 starts on 2026-04-01: the raw material fails on 100 x 15.1 = 1510.
    assert answer.verdict is CheckVerdict.FAIL and answer.declaration is None
    assert answer.no_declaration is NoDeclaration.NOT_YET_VALID
    assert answer.emissions_t == Decimal(1510) and answer.declaration_note is None


def test_when_two_accepted_versions_cover_the_date_the_newest_wins() -> None:
    old, new = superseded("accepted"), second()
    on = date(2026, 4, 15)  # inside both: 2025-01-01 – 2026-04-30 and 2026-04-01 – 2027-12-31
    assert applicable([old, new], on) == new
    answer = check([new, old], on)
    assert answer.declaration == new and answer.emissions_t == Decimal(300)  # 100 x 3.0
    assert answer.declaration_note is not None
    assert answer.declaration_note[1].endswith(
        "; the newest of the 2 accepted versions valid on that date"
    )
    assert "2 个已接受的版本有效，采用最新的一版" in answer.declaration_note[0]


def test_an_expired_replaced_version_is_named_when_nothing_covers_the_date() -> None:
    answer = check([superseded("accepted")], on=date(2026, 5, 5))
    assert answer.no_declaration is NoDeclaration.EXPIRED
    assert "2026-04-30" in answer.reasons[0].message_en
