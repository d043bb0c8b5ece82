"""Turning a stored declaration back into the facts the rules engine judges."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from portal.checking import DeclarationFacts


def facts_of(declaration: Any, attachment_kinds: Iterable[str]) -> DeclarationFacts:
    """The engine's view of a stored DECLARATION with the kinds of evidence attached to it.

    DECLARATION is a Declaration or a database row with the same column names.
    """
    return DeclarationFacts(
        material_code=declaration.material_code,
        declared_unit_of_measurement=declaration.declared_unit_of_measurement,
        declared_unit_amount=declaration.declared_unit_amount,
        pcf_excluding_biogenic=declaration.pcf_excluding_biogenic,
        boundary=declaration.boundary,
        standards=tuple(declaration.standards),
        reference_period_start=declaration.reference_period_start,
        reference_period_end=declaration.reference_period_end,
        submitted_on=declaration.submitted_on,
        validity_period_end=declaration.validity_period_end,
        product_name=declaration.product_name,
        site_name=declaration.site_name,
        geography_country=declaration.geography_country,
        primary_data_share_pct=declaration.primary_data_share_pct,
        recycled_pre_consumer_pct=declaration.recycled_pre_consumer_pct,
        recycled_post_consumer_pct=declaration.recycled_post_consumer_pct,
        recycled_method=declaration.recycled_method,
        electricity_source=declaration.electricity_source,
        low_carbon_electricity_claimed=declaration.low_carbon_electricity_claimed,
        electricity_instrument=declaration.electricity_instrument,
        verifier_name=declaration.verifier_name,
        verification_statement_number=declaration.verification_statement_number,
        verification_date=declaration.verification_date,
        attachments=frozenset(attachment_kinds),
    )
