"""JSON API of buyer checks and purchases (/api/v1), for the ERP with a buyer's token."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import select

from portal.accounts.models import Role
from portal.db import DbSession
from portal.procurement import service
from portal.procurement.decision import FactorSource, ProductLine
from portal.procurement.models import BuyerCheck
from portal.procurement.schemas import (
    CheckIn,
    CheckOut,
    Problem,
    PurchaseIn,
    PurchaseList,
    PurchaseOut,
)
from portal.security import Principal, require_roles

router = APIRouter(tags=["procurement"])
BuyerOnly = Annotated[Principal, Depends(require_roles(Role.BUYER))]
LedgerReader = Annotated[Principal, Depends(require_roles(Role.BUYER, Role.ESG))]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON"},
    401: {"model": Problem, "description": "No valid bearer token"},
    403: {"model": Problem, "description": "The token's user is not a buyer"},
    422: {"model": Problem, "description": "Invalid input; `field` names the field"},
}


@router.post(
    "/checks",
    response_model=CheckOut,
    name="api_check",
    responses=ERRORS,
    summary="Check a purchase before it is made",
)
def check(request: Request, db: DbSession, principal: BuyerOnly, body: CheckIn) -> CheckOut:
    """Answer pass or fail with reasons, the declaration used and the emissions; recorded."""
    question = service.read_check(
        db,
        supplier=body.supplier,
        material=body.material,
        quantity_t=body.quantity_t,
        on=body.on,
        product_line=body.product_line.value,
    )
    assert principal.user.id is not None
    result = service.check_purchase(
        db,
        actor=principal.actor(request),
        user_id=principal.user.id,
        question=question,
        via_api=principal.via_api_token,
    )
    return CheckOut.of(result.check, result.answer, result.supplier.code)


@router.post(
    "/purchases",
    response_model=PurchaseOut,
    status_code=201,
    name="api_record_purchase",
    responses={
        **ERRORS,
        200: {
            "model": PurchaseOut,
            "description": "The check's purchase was already recorded with this PO line: "
            "that purchase, unchanged (a repeat records nothing)",
        },
        409: {
            "model": Problem,
            "description": "The PO line is recorded already, or the check is used by another "
            "PO line (`field` says which)",
        },
    },
    summary="Record a purchase",
)
def record(
    request: Request, response: Response, db: DbSession, principal: BuyerOnly, body: PurchaseIn
) -> PurchaseOut:
    """Record a purchase from an earlier check, or check and record in one call.

    A check holds one purchase. Sending the same check and PO line again answers the recorded
    purchase (200) instead of recording a second one; send an `Idempotency-Key` so that a
    retried check-and-record call is not checked and recorded again either.
    """
    assert principal.user.id is not None
    check_id = body.check_id
    if check_id is None:
        question = service.read_check(
            db,
            supplier=body.supplier,
            material=body.material,
            quantity_t=body.quantity_t,
            on=body.on,
            product_line=body.product_line.value if body.product_line else None,
        )
        check_id = service.check_purchase(
            db,
            actor=principal.actor(request),
            user_id=principal.user.id,
            question=question,
            via_api=principal.via_api_token,
        ).check.id
    recorded = service.record_purchase_once(
        db,
        actor=principal.actor(request),
        user_id=principal.user.id,
        check_id=check_id,
        po_number=body.po_number,
        po_line=body.po_line,
        exception_reason=body.exception_reason,
    )
    purchase = recorded.purchase
    if not recorded.created:
        response.status_code = 200
    verdict = db.exec(select(BuyerCheck.verdict).where(BuyerCheck.id == purchase.check_id)).one()
    supplier = service.find_supplier_by_id(db, purchase.supplier_id)
    return PurchaseOut.of(purchase, supplier.code, verdict)


@router.get(
    "/purchases",
    response_model=PurchaseList,
    name="api_purchases",
    responses=ERRORS,
    summary="List recorded purchases",
)
def purchases(
    db: DbSession,
    _reader: LedgerReader,
    year: Annotated[int | None, Query(ge=2000, le=2099)] = None,
    product_line: ProductLine | None = None,
    supplier: Annotated[str | None, Query(max_length=32)] = None,
    material: Annotated[str | None, Query(max_length=64)] = None,
    factor_source: FactorSource | None = None,
    exceptions_only: bool = False,
    date_from: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31))] = None,
    date_to: Annotated[date | None, Query(ge=date(2000, 1, 1), le=date(2099, 12, 31))] = None,
    import_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> PurchaseList:
    """Purchases newest first, filtered; totals cover every match, not only this page."""
    filters = service.PurchaseFilters(
        year=year,
        product_line=product_line.value if product_line else None,
        supplier=supplier,
        material=material,
        factor_source=factor_source.value if factor_source else None,
        exceptions_only=exceptions_only,
        date_from=date_from,
        date_to=date_to,
        import_id=import_id,
    )
    page = service.list_purchases(db, filters, limit=limit, offset=offset)
    return PurchaseList(
        total=page.total,
        quantity_t=page.quantity_t,
        emissions_t=page.emissions_t,
        recycled_t=page.recycled_t,
        items=[PurchaseOut.of(row.purchase, row.supplier_code, row.verdict) for row in page.rows],
    )
