"""Names of packaging materials, in the user's language (a template global)."""

from __future__ import annotations

from portal.i18n import _


def packaging_label(code: str) -> str:
    """A packaging material's name."""
    return {
        "steel_strapping": _("Steel strapping"),
        "wooden_pallet": _("Wooden pallet"),
        "aluminium_rack": _("Returnable aluminium rack"),
        "plastic_film": _("Plastic film"),
        "cardboard": _("Cardboard"),
    }.get(code, code)
