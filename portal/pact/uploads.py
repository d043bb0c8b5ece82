"""A supplier's PACT ProductFootprint JSON file (v2 or v3, one or a list) as declarations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from portal.audit import Actor
from portal.i18n import _
from portal.pact import schemas
from portal.pact.pulling import PullFailed, PullReport, store

MAX_FOOTPRINTS = 100


@dataclass(frozen=True)
class UploadRefused(Exception):
    """Why the file was not taken, in the supplier's language; nothing was stored."""

    message: str


def v3_from_v2(v2: dict[str, Any]) -> dict[str, Any]:
    """The v3 names of what a v2.3 footprint states (the parts a declaration needs)."""
    pcf2 = v2["pcf"]
    pcf: dict[str, Any] = {
        "declaredUnitOfMeasurement": pcf2["declaredUnit"],
        "declaredUnitAmount": pcf2["unitaryProductAmount"],
        "pcfExcludingBiogenicUptake": pcf2["pCfExcludingBiogenic"],
        "referencePeriodStart": pcf2["referencePeriodStart"],
        "referencePeriodEnd": pcf2["referencePeriodEnd"],
        "crossSectoralStandards": pcf2.get("crossSectoralStandards") or [],
    }
    for key in ("geographyCountry", "geographyCountrySubdivision", "geographyRegionOrSubregion"):
        if pcf2.get(key):
            pcf[key] = pcf2[key]
    if pcf2.get("primaryDataShare") is not None:
        pcf["primaryDataShare"] = str(pcf2["primaryDataShare"])
    assurance = pcf2.get("assurance") or {}
    if assurance.get("assurance") and assurance.get("providerName"):
        pcf["verification"] = {"providerName": assurance["providerName"]}
        if assurance.get("completedAt"):
            pcf["verification"]["completedAt"] = assurance["completedAt"]
    kept = ("id", "specVersion", "created", "status", "productIds", "productNameCompany")
    v3: dict[str, Any] = {key: v2[key] for key in kept if key in v2}
    for key in ("validityPeriodEnd", "precedingPfIds"):
        if v2.get(key):
            v3[key] = v2[key]
    v3["pcf"] = pcf
    return v3


def read_file(data: bytes) -> list[dict[str, Any]]:
    """The footprints of the file, checked on PACT's schemas; UploadRefused naming the path."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UploadRefused(
            _("The file is not JSON (%(error)s).") % {"error": str(error)[:120]}
        ) from None
    if isinstance(document, dict) and isinstance(document.get("data"), list | dict):
        document = document["data"]  # a ListFootprints or GetFootprint answer, saved as is
    items = document if isinstance(document, list) else [document]
    if not items:
        raise UploadRefused(_("The file holds no footprint."))
    if len(items) > MAX_FOOTPRINTS:
        raise UploadRefused(_("At most %(n)s footprints per file.") % {"n": MAX_FOOTPRINTS})
    footprints = []
    for index, item in enumerate(items):
        prefix = f"[{index}]" if isinstance(document, list) else ""
        if not isinstance(item, dict):
            raise UploadRefused(
                _("%(path)s: a footprint must be a JSON object.") % {"path": prefix or "$"}
            )
        version = 2 if str(item.get("specVersion", "")).startswith("2.") else 3
        problems = schemas.problems(item, version=version)
        if problems:
            first = problems[0].replace("$", "$" + prefix, 1)
            raise UploadRefused(
                _("The file does not follow PACT v%(v)s's ProductFootprint schema at %(problem)s")
                % {"v": version, "problem": first}
            )
        footprints.append(v3_from_v2(item) if version == 2 else item)
    return footprints


def upload(
    db: Session, *, actor: Actor, supplier_id: int, material_code: str, filename: str, data: bytes
) -> PullReport:
    """Declarations of MATERIAL_CODE from the uploaded file, in DB's transaction."""
    footprints = read_file(data)
    report = PullReport(supplier=str(supplier_id))
    try:
        store(
            db,
            actor=actor,
            supplier_id=supplier_id,
            footprints=footprints,
            report=report,
            material_for=lambda _footprint: material_code,
            origin=f"the uploaded file {filename[:100]}",
            source="upload",
        )
    except PullFailed as failed:
        raise UploadRefused(str(failed)) from None
    return report
