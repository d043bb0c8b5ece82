"""Publishing the plant's footprints: frozen at publication, republishing deprecates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_ruleset, get_targets
from portal.db import utcnow
from portal.declarations.models import Declaration
from portal.errors import Conflict, InvalidInput, NotFound
from portal.i18n import _
from portal.pact import footprint as core
from portal.pact.config import get_pact_settings
from portal.pact.models import PactClient, PactFootprint, PactServed
from portal.procurement.models import Purchase
from portal.tracking import service as tracking
from portal.tracking.figures import RAW_MATERIAL

ACTIVE = "Active"
# Materials that are post-consumer scrap by what they are (rules/materials.toml).
POST_CONSUMER_MATERIALS = ("al_scrap_post_consumer",)
DEPRECATED = "Deprecated"


def plant() -> core.Plant:
    """The plant as PACT names it, from the settings."""
    settings = get_pact_settings()
    return core.Plant(
        domain=settings.plant_domain,
        company_name=settings.company_name,
        geography_subdivision=settings.geography_subdivision,
        aluminium_extension_schema=settings.aluminium_extension_schema,
    )


def _post_consumer_t(db: Session, *, line: str, year: int) -> Decimal:
    """Tonnes of post-consumer scrap in the line's raw-material purchases of YEAR.

    Post-consumer scrap bought as such counts whole; other purchases count the post-consumer
    share their declaration states.
    """
    declared = func.coalesce(Declaration.recycled_post_consumer_pct, 0) / 100
    share = case(
        (col(Purchase.material_code).in_(POST_CONSUMER_MATERIALS), 1),
        else_=func.coalesce(declared, 0),
    )
    total = db.exec(
        select(func.coalesce(func.sum(Purchase.quantity_t * share), 0))
        .select_from(Purchase)
        .outerjoin(Declaration, col(Declaration.id) == col(Purchase.declaration_id))
        .where(
            Purchase.purchase_year == year,
            Purchase.product_line == line,
            Purchase.material_category == RAW_MATERIAL,
        )
    ).one()
    return Decimal(str(total))


def line_year_figures(db: Session, *, line: str, year: int) -> core.LineYearFigures:
    """The figures a footprint of LINE in YEAR is built from; InvalidInput when incomplete."""
    tracking.check_line(line)
    figures = tracking.year_figures(db, year=year).line(line)
    if figures.scope12_intensity is None:
        raise InvalidInput(tracking.reason_text(figures.no_scope12_reason), field="year")
    if figures.scope3_cat1_intensity is None:
        raise InvalidInput(tracking.reason_text(figures.no_intensity_reason), field="year")
    assert figures.production_t is not None
    raw_t = figures.raw_material_t
    scrap = figures.recycled_t / raw_t if raw_t > 0 else None
    post = _post_consumer_t(db, line=line, year=year) / raw_t if raw_t > 0 else None
    product_line = get_targets().lines[line]
    return core.LineYearFigures(
        line=line,
        line_name_en=product_line.name_en,
        line_name_zh=product_line.name_zh,
        year=year,
        scope12_intensity=figures.scope12_intensity,
        scope3_cat1_intensity=figures.scope3_cat1_intensity,
        supplier_specific_share=figures.supplier_specific_share,
        scrap_share=scrap,
        post_consumer_scrap_share=post,
        production_t=figures.production_t,
        purchases=figures.purchases,
    )


def publish(db: Session, *, actor: Actor, line: str, year: int) -> PactFootprint:
    """Publish LINE × YEAR from today's figures; an earlier footprint of it is deprecated."""
    figures = line_year_figures(db, line=line, year=year)
    earlier = list(
        db.exec(
            select(PactFootprint)
            .where(PactFootprint.product_line == line, PactFootprint.year == year)
            .order_by(col(PactFootprint.published_at))
            .with_for_update()
        ).all()
    )
    now = utcnow()
    deprecated = [old.id for old in earlier if old.status == ACTIVE]
    for old in earlier:
        if old.status == ACTIVE:
            old.status = DEPRECATED
            old.deprecated_at = now
            db.add(old)
    try:
        db.flush()
    except IntegrityError:
        raise Conflict(_("Someone else published this line and year first.")) from None
    revision = get_ruleset().revision
    new_id = str(uuid.uuid4())
    body = core.build(
        figures,
        plant(),
        footprint_id=new_id,
        created=now,
        preceding_ids=[old.id for old in earlier],
        ruleset_revision=revision,
    )
    row = PactFootprint(
        id=new_id,
        product_line=line,
        year=year,
        status=ACTIVE,
        ruleset_revision=revision,
        body=body,
        published_at=now,
        published_by_id=actor.user_id,
    )
    db.add(row)
    try:
        db.flush()
    except IntegrityError:
        raise Conflict(_("Someone else published this line and year first.")) from None
    audit.record(
        db,
        actor=actor,
        action="pact.footprint_published",
        entity_type="pact_footprint",
        entity_id=new_id,
        before={"deprecated": deprecated} if deprecated else None,
        after={
            "line": line,
            "year": year,
            "pcfExcludingBiogenicUptake": body["pcf"]["pcfExcludingBiogenicUptake"],
            "ruleset_revision": revision,
        },
    )
    return row


def served_body(row: PactFootprint) -> dict[str, Any]:
    """The footprint as frozen, with its status as it stands now."""
    return {**row.body, "status": row.status}


def all_footprints(db: Session) -> list[PactFootprint]:
    """Every published footprint, newest first (a stable order for pagination)."""
    return list(
        db.exec(
            select(PactFootprint).order_by(
                col(PactFootprint.published_at).desc(), col(PactFootprint.id)
            )
        ).all()
    )


def get_footprint(db: Session, footprint_id: str) -> PactFootprint:
    """The published footprint FOOTPRINT_ID."""
    row = db.get(PactFootprint, footprint_id)
    if row is None:
        raise NotFound()
    return row


@dataclass(frozen=True)
class Publication:
    """A published footprint and the clients it was served to."""

    footprint: PactFootprint
    served: list[tuple[PactServed, PactClient]]


def publications(db: Session) -> list[Publication]:
    """What was published, newest first, with to whom each was served."""
    rows = all_footprints(db)
    served: dict[str, list[tuple[PactServed, PactClient]]] = {}
    for record, client in db.exec(
        select(PactServed, PactClient)
        .join(PactClient, col(PactClient.id) == col(PactServed.client_pk))
        .order_by(col(PactServed.last_at).desc())
    ).all():
        served.setdefault(record.footprint_id, []).append((record, client))
    return [Publication(footprint=row, served=served.get(row.id, [])) for row in rows]


def version_of(row: PactFootprint) -> int:
    """How many footprints of the same line and year were published before ROW (v2's version)."""
    return len(row.body.get("precedingPfIds") or ())
