"""Shared fixtures: one warm reader for the worker tests, and form facts to compare with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

import pytest

from portal.checking.facts import DeclarationFacts
from portal.pdfreading import PdfReader


@pytest.fixture(scope="session")
def reader() -> Iterator[PdfReader]:
    """A reader with the default limits, shared so that workers start once."""
    with PdfReader(workers=2) as shared:
        yield shared


class FactsMaker(Protocol):
    """Builds form facts with some values overridden."""

    def __call__(self, **overrides: Any) -> DeclarationFacts: ...


def _make_facts(**overrides: Any) -> DeclarationFacts:
    """The facts `pdf_factory.Declared()` states, as a supplier would type them."""
    values: dict[str, Any] = {
        "material_code": "AL-ALLOY-INGOT",
        "declared_unit_of_measurement": "tonne",
        "declared_unit_amount": Decimal(1),
        "pcf_excluding_biogenic": Decimal(4200),  # kgCO2e per tonne = 4.2 tCO2e/t
        "boundary": "cradle-to-gate",
        "standards": ("ISO 14067",),
        "reference_period_start": date(2024, 1, 1),
        "reference_period_end": date(2024, 12, 31),
        "submitted_on": date(2025, 4, 1),
        "recycled_pre_consumer_pct": Decimal(20),
        "recycled_post_consumer_pct": Decimal(35),
        "verifier_name": "SGS-CSTC Standards Technical Services Co., Ltd.",
        "verification_statement_number": "SGS-PCF-2025-0117",
        "verification_date": date(2025, 3, 1),
    }
    values.update(overrides)
    return DeclarationFacts(**values)


@pytest.fixture
def make_facts() -> FactsMaker:
    """Form facts matching the default English declaration, with overrides."""
    return _make_facts
