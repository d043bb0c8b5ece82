"""A small data set whose figures are worked out by hand (see test_tracking_figures.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from factories import make_declaration
from helpers import make_supplier, make_user
from sqlmodel import Session
from tracking_factory import make_purchase

from portal.audit import Actor
from portal.declarations.models import Declaration
from portal.procurement.models import Purchase
from portal.tracking.service import save_line_year

SETUP = Actor(label="test setup")


@dataclass
class Golden:
    """The hand-worked data set's records the tests look at."""

    recycled_declaration: Declaration
    primary_declaration: Declaration
    under_primary_declaration: Purchase
    last_day_of_2025: Purchase
    first_day_of_2027: Purchase


def build_golden(session: Session) -> Golden:
    """Purchases of 2025–2027, production for 2026 only.

    Alloy 2026 (production 1000 t, Scope 1+2 790 tCO2e):
      300 t recycled ingot under declaration R (2.0 tCO2e/t, 80 % recycled) = 600   recycled 240
      200 t primary ingot under declaration P (4.0)                           = 800   recycled   0
      100 t primary ingot, default factor 15.1                                 = 1510
       50 t post-consumer scrap, factor 0.3, scrap counts 100 % recycled      = 15    recycled  50
       10 t silicon metal, factor 11.0                                         = 110
       20 t wooden pallets (packaging), factor 0.3                             = 6
    Extrusion 2026 (production 200 t, no Scope 1+2 entered):
       40 t pre-consumer scrap, factor 0.1, 100 % recycled                     = 4     recycled  40
      100 t billet, factor 15.6                                                = 1560
    Outside 2026: 1000 t primary (15.1) on the alloy line on 2025-12-31 and 2027-01-01.
    """
    buyer = make_user(session, "buyer", email="golden-buyer@example.com")
    recycler = make_supplier(session, "REC")
    smelter = make_supplier(session, "HYD")
    plant = make_supplier(session, "OWN")
    recycled = make_declaration(
        session, recycler, "al_recycled_ingot", pcf_t_per_t="2.0", recycled_fraction="0.8"
    )
    primary = make_declaration(session, smelter, "al_primary_ingot", pcf_t_per_t="4.0")

    def buy(supplier, material, tonnes, pcf, **extra):  # type: ignore[no-untyped-def]
        return make_purchase(
            session,
            supplier=supplier,
            user=buyer,
            material_code=material,
            quantity_t=tonnes,
            pcf_t_per_t=pcf,
            **extra,
        )

    buy(
        recycler,
        "al_recycled_ingot",
        "300",
        "2.0",
        declaration=recycled,
        purchase_date=date(2026, 1, 1),
    )
    under_primary = buy(
        smelter,
        "al_primary_ingot",
        "200",
        "4.0",
        declaration=primary,
        purchase_date=date(2026, 12, 31),
    )
    buy(smelter, "al_primary_ingot", "100", "15.1")
    buy(recycler, "al_scrap_post_consumer", "50", "0.3")
    buy(plant, "silicon_metal", "10", "11.0")
    buy(plant, "pallet_wood", "20", "0.3")
    buy(recycler, "al_scrap_pre_consumer", "40", "0.1", product_line="extrusion")
    buy(plant, "al_billet", "100", "15.6", product_line="extrusion")
    before = buy(smelter, "al_primary_ingot", "1000", "15.1", purchase_date=date(2025, 12, 31))
    after = buy(smelter, "al_primary_ingot", "1000", "15.1", purchase_date=date(2027, 1, 1))

    save_line_year(
        session, actor=SETUP, line="alloy", year=2026, production_t="1000", scope12_t="790"
    )
    save_line_year(
        session, actor=SETUP, line="extrusion", year=2026, production_t="200", scope12_t=None
    )
    session.commit()
    return Golden(recycled, primary, under_primary, before, after)
