"""Small factories for the decision tests (a uniquely named module, imported by tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

from portal.checking import DeclarationFacts, RuleSet, load_ruleset
from portal.procurement.decision import Candidate

RULES_DIR = Path(__file__).resolve().parents[3] / "rules"
REAL_RULES: RuleSet = load_ruleset(RULES_DIR)
_ids = count(1)


def candidate(
    material_code: str = "al_primary_ingot",
    *,
    pcf: str = "8.0",
    status: str = "accepted",
    start: date = date(2024, 1, 1),
    end: date = date(2024, 12, 31),
    valid_until: date = date(2027, 12, 31),
    submitted_on: date = date(2025, 1, 15),
    version: int = 1,
    recycled: str = "0",
    attachments: frozenset[str] = frozenset({"declaration"}),
    **facts: Any,
) -> Candidate:
    """A complete, verified declaration as the decision sees it."""
    values: dict[str, Any] = {
        "material_code": material_code,
        "declared_unit_of_measurement": "kilogram",
        "declared_unit_amount": Decimal(1),
        "pcf_excluding_biogenic": Decimal(pcf),
        "boundary": "cradle-to-gate",
        "standards": ("ISO 14067",),
        "reference_period_start": start,
        "reference_period_end": end,
        "submitted_on": submitted_on,
        "validity_period_end": valid_until,
        "site_name": "Test smelter",
        "verifier_name": "CQC",
        "verification_statement_number": "CQC-1",
        "attachments": attachments,
    }
    if Decimal(recycled):
        values.update(
            recycled_pre_consumer_pct=Decimal(0),
            recycled_post_consumer_pct=Decimal(recycled) * 100,
            recycled_method="segregated",
            attachments=attachments | {"recycled_evidence"},
        )
    values.update(facts)
    return Candidate(
        id=next(_ids),
        version=version,
        status=status,
        pcf_t_per_t=Decimal(pcf),
        recycled_fraction=Decimal(recycled),
        reference_period_start=start,
        valid_until=valid_until,
        submitted_on=submitted_on,
        submitted_at=datetime.combine(submitted_on, datetime.min.time(), UTC),
        material_code=values["material_code"],
        facts=DeclarationFacts(**values),
    )
