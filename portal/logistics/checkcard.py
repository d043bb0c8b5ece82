"""The buyer's check card's transport and packaging parts: the expected transport CO2e from
the supplier's usual dispatch site and mode, the packaging the supplier declares for the
material, and the policy's findings on both, next to the carbon verdict."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal.db import READ_ONLY_OPTION, get_engine
from portal.logistics import packaging, service
from portal.logistics.core import Estimate, packaging_findings
from portal.logistics.declared import applied
from portal.logistics.rules import logistics_rules


def transport_for(check: Any) -> dict[str, Any] | None:
    """The check's expected transport (None when the supplier states no dispatch site).

    The card is rendered after the check is made; this reads the supplier's profile in a
    session of its own (reading only), so the check card's template needs no new argument.
    """
    supplier_id = getattr(check, "supplier_id", None)
    if supplier_id is None:
        return None
    with Session(get_engine().execution_options(**{READ_ONLY_OPTION: True})) as db:
        found: Estimate | None = service.estimate(
            db, supplier_id=supplier_id, quantity_t=check.quantity_t, on=check.check_date
        )
    if found is None:
        return None
    rules = logistics_rules()
    return {"estimate": found, "mode": rules.modes[found.mode], "place": found.place}


def packaging_for(check: Any) -> dict[str, Any] | None:
    """The packaging the supplier declares comes with the checked tonnes of the material, and
    the policy's findings on it (None when it declares none), known before anything ships."""
    supplier_id = getattr(check, "supplier_id", None)
    material = getattr(check, "material_code", "")
    if supplier_id is None or not material:
        return None
    with Session(get_engine().execution_options(**{READ_ONLY_OPTION: True})) as db:
        items = packaging.declared_items(db, supplier_id, material)
    if not items:
        return None
    planned = applied(check.quantity_t, items)
    policy = logistics_rules().policy_on(check.check_date)
    return {
        "items": planned,
        "findings": packaging_findings([item.as_policy_item() for item in planned], policy),
    }
