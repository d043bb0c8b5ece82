"""The transport and packaging maths: leg emissions, the rail difference, findings and shares
(pure: no database, no web)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.logistics.factors import Mode, Place, Policy

MICRO = Decimal("0.000001")
KG_PER_T = Decimal(1000)
INBOUND, OUTBOUND, PACKAGING = "inbound", "outbound", "packaging"
FACTOR, CARRIER = "factor", "carrier"
RECYCLABLE, REUSABLE, SINGLE_USE = "recyclable", "reusable", "single_use"
# Whose packaging item: the delivery's own, or the supplier's standing declaration applied.
DELIVERY, DECLARED = "delivery", "declared"
PACKAGING_MATERIALS = (
    "steel_strapping",
    "wooden_pallet",
    "aluminium_rack",
    "plastic_film",
    "cardboard",
)


def q6(value: Decimal) -> Decimal:
    """VALUE rounded to six decimals (the ledger's precision)."""
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Intensity:
    """A mode's well-to-wheel intensity and how it was made."""

    kg_per_tkm: Decimal
    source: str  # the factor's source, with the grid factor for an electric mode
    checked: bool


def intensity(mode: Mode, grid_kg_per_kwh: Decimal | None, grid_source: str = "") -> Intensity:
    """MODE's kgCO2e per tonne-km: fuel modes TTW + WTT; electric modes kWh/t·km × grid."""
    if mode.electric:
        kwh = mode.kwh_per_t_km()
        if kwh is None or grid_kg_per_kwh is None:
            raise ValueError(f"{mode.code}: no kWh per tonne-km or no grid factor")
        how = (
            f"{mode.kwh_per_km} kWh/km ÷ {mode.average_load_t} t"
            if mode.kwh_per_tkm is None
            else f"{mode.kwh_per_tkm} kWh/t·km"
        )
        value = q6(kwh * grid_kg_per_kwh)
        return Intensity(
            value,
            f"{how} × {grid_kg_per_kwh} kgCO2/kWh ({grid_source}); {mode.source}",
            mode.checked,
        )
    assert mode.ttw_kg_per_tkm is not None and mode.wtt_kg_per_tkm is not None
    value = mode.ttw_kg_per_tkm + mode.wtt_kg_per_tkm
    return Intensity(
        value,
        f"TTW {mode.ttw_kg_per_tkm} + WTT {mode.wtt_kg_per_tkm} kgCO2e/t·km; {mode.source}",
        mode.checked,
    )


@dataclass(frozen=True)
class LegFigure:
    """A leg's transport work and emissions; the carrier's figure wins when it reports one."""

    tkm: Decimal
    estimated_t: Decimal  # tonnes × km × intensity
    emissions_t: Decimal  # the figure that counts
    basis: str  # factor / carrier


def leg_figure(
    tonnes: Decimal, km: Decimal, kg_per_tkm: Decimal, carrier_reported_t: Decimal | None = None
) -> LegFigure:
    """Emissions of one leg in tCO2e."""
    tkm = tonnes * km
    estimated = q6(tkm * kg_per_tkm / KG_PER_T)
    if carrier_reported_t is not None:
        return LegFigure(tkm, estimated, q6(carrier_reported_t), CARRIER)
    return LegFigure(tkm, estimated, estimated, FACTOR)


@dataclass(frozen=True)
class LegIn:
    """A leg as the policy sees it."""

    mode: str
    km: Decimal
    tonnes: Decimal
    emissions_t: Decimal


@dataclass(frozen=True)
class PackagingIn:
    """A packaging item as the policy sees it."""

    packaging: str
    mass_kg: Decimal
    reusable: bool
    recyclable: bool


@dataclass(frozen=True)
class Finding:
    """One transport or packaging finding: warn or note, with both languages' texts."""

    code: str
    outcome: str  # warn / note
    message_zh: str
    message_en: str
    difference_t: Decimal | None = None


def is_long_haul(legs: Sequence[LegIn], policy: Policy | None) -> bool:
    """Whether a shipment's whole distance is above the policy's long-haul distance."""
    return policy is not None and sum((leg.km for leg in legs), Decimal(0)) > policy.long_haul_km


def transport_findings(
    legs: Sequence[LegIn],
    modes: dict[str, Mode],
    policy: Policy | None,
    rail_kg_per_tkm: Decimal | None,
    *,
    rail_available: bool = True,
    rail_km: Decimal | None = None,
    no_rail_noted_on: str = "",
) -> list[Finding]:
    """A road leg above the long-haul distance: a warning with the CO2e rail would have
    saved; for a supplier without a rail option only a note (stated once on its profile)."""
    if policy is None:
        return []
    found: list[Finding] = []
    for leg in legs:
        mode = modes.get(leg.mode)
        if mode is None or not mode.road or leg.km <= policy.long_haul_km:
            continue
        if not rail_available:
            found.append(
                Finding(
                    "rail_not_available",
                    "note",
                    f"{mode.name_zh} {leg.km:,.0f} 公里：供应商无铁路条件"
                    f"{f'（{no_rail_noted_on} 已登记）' if no_rail_noted_on else ''}，不再预警。",
                    f"{mode.name_en} for {leg.km:,.0f} km: the supplier has no rail option"
                    f"{f' (noted on {no_rail_noted_on})' if no_rail_noted_on else ''}; "
                    "not warned again.",
                )
            )
            continue
        rail_t = q6(leg.tonnes * (rail_km or leg.km) * (rail_kg_per_tkm or 0) / KG_PER_T)
        difference = q6(leg.emissions_t - rail_t)
        found.append(
            Finding(
                "long_haul_by_road",
                "warn",
                f"{mode.name_zh}运输 {leg.km:,.0f} 公里，"
                f"超过 {policy.long_haul_km:,.0f} 公里应走铁路："
                f"铁路可少排 {difference:,.3f} tCO2e（{leg.emissions_t:,.3f} 对 {rail_t:,.3f}）。",
                f"{mode.name_en} for {leg.km:,.0f} km, above {policy.long_haul_km:,.0f} km "
                f"(should go by rail): rail would have emitted {difference:,.3f} tCO2e less "
                f"({leg.emissions_t:,.3f} vs {rail_t:,.3f}).",
                difference,
            )
        )
    return found


def packaging_class(item: PackagingIn) -> str:
    """Reusable beats recyclable; anything else is single-use, non-recyclable."""
    if item.reusable:
        return REUSABLE
    return RECYCLABLE if item.recyclable else SINGLE_USE


def packaging_findings(items: Iterable[PackagingIn], policy: Policy | None) -> list[Finding]:
    """Single-use, non-recyclable packaging: a warning (or a note, as the policy says)."""
    if policy is None:
        return []
    single = [item for item in items if packaging_class(item) == SINGLE_USE]
    if not single:
        return []
    mass = sum((item.mass_kg for item in single), Decimal(0))
    names = ", ".join(sorted({item.packaging for item in single}))
    return [
        Finding(
            "single_use_packaging",
            policy.single_use_packaging,
            f"一次性不可回收包装 {mass:,.1f} kg（{names}）：应改为可回收或可循环包装。",
            f"Single-use, non-recyclable packaging {mass:,.1f} kg ({names}): "
            "use recyclable or returnable packaging.",
        )
    ]


@dataclass(frozen=True)
class Estimate:
    """A purchase's expected transport from the supplier's usual dispatch site and mode."""

    mode: str
    km: Decimal
    tonnes: Decimal
    kg_per_tkm: Decimal
    emissions_t: Decimal
    place: Place | None
    findings: list[Finding] = field(default_factory=list)


def share_pct(part: Decimal, whole: Decimal) -> Decimal | None:
    """PART as a percentage of WHOLE, one decimal; None when there is nothing to share."""
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def target_met(actual_pct: Decimal | None, target_pct: Decimal | None) -> bool | None:
    """Whether a share reaches its target (None when either is unknown)."""
    if actual_pct is None or target_pct is None:
        return None
    return actual_pct >= target_pct
