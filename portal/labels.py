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


def energy_label(code: str) -> str:
    """A code of the energy pages (kinds of meter, instrument, generation, reading flag)."""
    labels = {
        "cumulative": _("cumulative register"),
        "interval": _("interval totals"),
        "manual": _("manual entry"),
        "consumption": _("consumption"),
        "generation": _("own generation"),
        "certificate": _("green certificates"),
        "contract": _("green power contract"),
        "solar": _("solar"),
        "wind": _("wind"),
        "hydro": _("hydropower"),
        "biomass": _("biomass"),
        "other": _("other"),
        "rollover": _("register rolled over"),
        "replaced": _("meter replaced"),
        "negative": _("negative value"),
        "impossible": _("impossible value"),
        "spike": _("spike"),
        "gap": _("gap"),
        "late": _("late"),
        "out_of_service": _("out of service"),
    }
    return labels.get(code, code)


def scope2_method(method: str) -> str:
    """The Scope 2 method ("location" or "market") as the word before "-based"."""
    return {"location": _("location"), "market": _("market")}.get(method, method)
