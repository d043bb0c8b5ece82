"""Tracking demo data: production and Scope 1+2 per line, 2023 (the plan's baseline) to 2026."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from portal.audit import Actor
from portal.tracking.models import LineYear
from portal.tracking.service import prefill_baseline, save_line_year

DEMO_ACTOR = Actor(label="demo loader")
DEMO_SOURCE = "demo: plant energy and production report {year}"

# (line, year): (production t, Scope 1+2 tCO2e); fictional, near the plan's trajectory.
DEMO_INPUTS = {
    ("alloy", 2024): ("8150", "6520.00"),
    ("alloy", 2025): ("8420", "6610.00"),
    ("alloy", 2026): ("8600", "6580.00"),
    ("extrusion", 2024): ("420", "577.50"),
    ("extrusion", 2025): ("455", "560.00"),
    ("extrusion", 2026): ("470", "548.00"),
}


def load_demo(db: Session) -> list[str]:
    """Add the baseline and the demo years' production and Scope 1+2 that are missing."""
    added = prefill_baseline(db, actor=DEMO_ACTOR)
    for (line, year), (production_t, scope12_t) in DEMO_INPUTS.items():
        exists = db.exec(
            select(LineYear.id).where(LineYear.product_line == line, LineYear.year == year)
        ).first()
        if exists is None:
            save_line_year(
                db,
                actor=DEMO_ACTOR,
                line=line,
                year=year,
                production_t=Decimal(production_t),
                scope12_t=Decimal(scope12_t),
                source=DEMO_SOURCE.format(year=year),
            )
            added.append(f"line_year {line} {year}")
    return added
