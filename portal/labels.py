"""Codes people read as words: declaration statuses, product lines, check verdicts, energy media."""

from __future__ import annotations

from portal.i18n import _


def status_label(status: str) -> str:
    """A declaration's status in the user's language."""
    labels = {
        "in_review": _("in review"),
        "accepted": _("accepted"),
        "rejected": _("rejected"),
        "superseded": _("superseded"),
        "withdrawn": _("withdrawn"),
    }
    return labels.get(status, status)


def line_label(line: str) -> str:
    """A product line of the plant in the user's language."""
    labels = {"alloy": _("Alloy (casthouse)"), "extrusion": _("Extrusion")}
    return labels.get(line, line)


def verdict_label(verdict: str) -> str:
    """A check's or a finding's outcome in the user's language."""
    labels = {
        "pass": _("pass"),
        "fail": _("fail"),
        "review": _("review"),
        "warn": _("warning"),
        "not_applicable": _("not applicable"),
    }
    return labels.get(verdict, verdict)


def medium_label(medium: str) -> str:
    """An energy medium the meters measure."""
    labels = {
        "electricity": _("electricity"),
        "natural_gas": _("natural gas"),
        "diesel": _("diesel"),
    }
    return labels.get(medium, medium)


def material_label(code: str) -> str:
    """A catalog material's name in the user's language; the code if the catalog lacks it."""
    from portal.catalog import get_ruleset
    from portal.i18n import current_locale

    material = get_ruleset().materials.get(code)
    return material.name(current_locale.get()) if material is not None else code
