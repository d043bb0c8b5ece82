"""Small factories that arrange stored records directly (for tests of later stages)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from portal.declarations.models import Declaration, DeclarationStatus
from portal.suppliers.models import Supplier


def make_declaration(
    session: Session,
    supplier: Supplier,
    material_code: str = "al_primary_ingot",
    *,
    pcf_t_per_t: Decimal | str = "8.0",
    status: DeclarationStatus | str = DeclarationStatus.ACCEPTED,
    verdict: str = "pass",
    valid_until: date = date(2027, 12, 31),
    recycled_fraction: Decimal | str = "0",
    submitted_on: date = date(2025, 1, 15),
    supersedes: Declaration | None = None,
    ruleset_revision: str = "test-revision",
    **fields: Any,
) -> Declaration:
    """A committed declaration as if submitted and decided (bypasses the submission service)."""
    assert supplier.id is not None
    pcf = Decimal(str(pcf_t_per_t))
    recycled = Decimal(str(recycled_fraction))
    values: dict[str, Any] = {
        "supplier_id": supplier.id,
        "material_code": material_code,
        "version": supersedes.version + 1 if supersedes else 1,
        "supersedes_id": supersedes.id if supersedes else None,
        "product_name": f"{material_code} product",
        "site_name": "Test smelter",
        "geography_country": "CN",
        "declared_unit_of_measurement": "kilogram",
        "declared_unit_amount": Decimal(1),
        "pcf_excluding_biogenic": pcf,
        "pcf_t_per_t": pcf,
        "boundary": "cradle-to-gate",
        "standards": ["ISO 14067"],
        "reference_period_start": date(2024, 1, 1),
        "reference_period_end": date(2024, 12, 31),
        "validity_period_end": valid_until,
        "valid_until": valid_until,
        "recycled_post_consumer_pct": recycled * 100 if recycled else None,
        "recycled_method": "segregated" if recycled else None,
        "recycled_fraction": recycled,
        "verifier_name": "Test Verifier Ltd",
        "verification_statement_number": "TV-2025-001",
        "status": str(status),
        "verdict": verdict,
        "verdict_detail": {},
        "ruleset_revision": ruleset_revision,
        "submitted_on": submitted_on,
    }
    values.update(fields)
    declaration = Declaration(**values)
    session.add(declaration)
    if supersedes is not None:
        supersedes.superseded_status = supersedes.status  # as the portal records it
        supersedes.status = DeclarationStatus.SUPERSEDED
        session.add(supersedes)
    session.commit()
    return declaration
