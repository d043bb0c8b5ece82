"""The buyer's check card's transport part: the expected transport CO2e from the supplier's
usual dispatch site and mode, and the policy's findings, next to the carbon verdict."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal.db import READ_ONLY_OPTION, get_engine
from portal.logistics import service
from portal.logistics.core import Estimate
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
