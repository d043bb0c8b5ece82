"""JSON API of shipments (/api/v1/shipments), for the ERP or the warehouse system."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from portal.accounts.models import Role
from portal.db import DbSession
from portal.logistics import pages, service
from portal.logistics.schemas import ShipmentIn, ShipmentOut
from portal.procurement.schemas import Problem
from portal.security import Principal, require_roles

router = APIRouter(tags=["logistics"])
Recorder = Annotated[Principal, Depends(require_roles(Role.BUYER, Role.ESG))]
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid bearer token"},
    403: {"model": Problem, "description": "The token's user is neither buyer nor ESG"},
    409: {"model": Problem, "description": "The delivery note is recorded with other data"},
    422: {"model": Problem, "description": "Invalid input; `field` names the field"},
}


@router.post(
    "/shipments",
    response_model=ShipmentOut,
    status_code=201,
    name="api_record_shipment",
    responses={**ERRORS, 200: {"model": ShipmentOut, "description": "Recorded before, unchanged"}},
    summary="Record an inbound or outbound delivery with its legs and packaging",
)
def record(
    request: Request, response: Response, db: DbSession, principal: Recorder, body: ShipmentIn
) -> ShipmentOut:
    """Record a delivery; emissions per leg = tonnes × km × the mode's intensity, or the
    carrier's own figure. The same delivery note with the same data answers the recorded one
    (200); send an `Idempotency-Key` to make retries safe."""
    recorded = service.record_shipment(
        db,
        actor=principal.actor(request),
        user_id=principal.user.id,
        draft=body.draft(),
        source="api",
    )
    if not recorded.created:
        response.status_code = 200
    shipment = recorded.shipment
    shipment_id = shipment.id or 0
    return ShipmentOut.of(
        shipment,
        list(service.legs_of(db, shipment_id)),
        list(service.packaging_of(db, shipment_id)),
        recorded.findings,
    )


@router.get(
    "/shipments/{shipment_id}",
    response_model=ShipmentOut,
    name="api_shipment",
    responses=ERRORS,
    summary="A recorded delivery with its legs, factors, packaging and findings",
)
def shipment(
    db: DbSession, _reader: Recorder, shipment_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> ShipmentOut:
    """A delivery as recorded."""
    page = pages.shipment_page(db, shipment_id)
    return ShipmentOut.of(
        page["shipment"], list(page["legs"]), list(page["packaging"]), page["findings"]
    )
