"""The kinds of rule: their parameters, unit, placeholders and check (the rule files' grammar)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from portal.checking import checks
from portal.checking.facts import STANDARDS, Boundary, RecycledMethod
from portal.checking.messages import COMMON_PLACEHOLDERS
from portal.checking.ruleset import Kind, ParamValue, Tier
from portal.checking.toml_reader import TomlReader, key_path

ParamReader = Callable[[TomlReader, Mapping[str, object], str, str], ParamValue | None]
CrossCheck = Callable[[Mapping[str, ParamValue], tuple[Tier, ...]], list[tuple[str, str]]]


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a period: its key, how it is read, and whether it must be given."""

    name: str
    read: ParamReader
    required: bool = True


@dataclass(frozen=True)
class KindSpec:
    """Everything the loader and the engine need to know about one kind of rule."""

    kind: Kind
    check: checks.CheckFunction
    help: str
    params: tuple[ParamSpec, ...] = ()
    unit: str | None = None
    takes_tiers: bool = False
    placeholders: frozenset[str] = COMMON_PLACEHOLDERS
    cross_check: CrossCheck | None = None


def _positive(
    reader: TomlReader, table: Mapping[str, object], key: str, path: str
) -> Decimal | None:
    return reader.decimal(table, key, path, above=Decimal(0))


def _not_negative(
    reader: TomlReader, table: Mapping[str, object], key: str, path: str
) -> Decimal | None:
    return reader.decimal(table, key, path, minimum=Decimal(0))


def _percent(
    reader: TomlReader, table: Mapping[str, object], key: str, path: str
) -> Decimal | None:
    return reader.decimal(table, key, path, minimum=Decimal(0), maximum=Decimal(100))


def _months(reader: TomlReader, table: Mapping[str, object], key: str, path: str) -> int | None:
    return reader.whole(table, key, path, minimum=1)


def _one_of(choices: tuple[str, ...]) -> ParamReader:
    def read(
        reader: TomlReader, table: Mapping[str, object], key: str, path: str
    ) -> tuple[str, ...] | None:
        return reader.choices(table, key, path, choices)

    return read


def _tier_thresholds(
    reader: TomlReader, table: Mapping[str, object], key: str, path: str
) -> Mapping[str, Decimal] | None:
    if key not in table:
        return None
    value = reader.table(table[key], key_path(path, key))
    if value is None:
        return None
    before = reader.count()
    thresholds = {}
    for code, raw in value.items():
        number = reader.number(raw, key_path(key_path(path, key), code), above=Decimal(0))
        if number is not None:
            thresholds[code] = number
    return thresholds if reader.count() == before else None


def _max_pcf_cross_check(
    params: Mapping[str, ParamValue], tiers: tuple[Tier, ...]
) -> list[tuple[str, str]]:
    problems = []
    limit = params.get("max_pcf")
    thresholds = params.get("tier_thresholds", {})
    codes = [tier.code for tier in tiers]
    if isinstance(thresholds, Mapping):
        for code, threshold in thresholds.items():
            where = f"tier_thresholds.{code}"
            if code not in codes:
                problems.append((where, f"no tier '{code}' is defined in this rule's tiers"))
            elif isinstance(limit, Decimal) and threshold > limit:
                problems.append((where, f"{threshold} is above this period's max_pcf {limit}"))
    return problems


def _plausibility_cross_check(
    params: Mapping[str, ParamValue], tiers: tuple[Tier, ...]
) -> list[tuple[str, str]]:
    low, high = params.get("min"), params.get("max")
    if isinstance(low, Decimal) and isinstance(high, Decimal) and low >= high:
        return [("max", f"{high} must be greater than min {low}")]
    return []


RECYCLED_METHODS = tuple(method.value for method in RecycledMethod)
BOUNDARIES = tuple(boundary.value for boundary in Boundary)

KINDS: dict[Kind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            Kind.MAX_PCF,
            checks.check_max_pcf,
            "footprint (tCO2e/t) at most max_pcf; tiers below it are reported as labels",
            params=(
                ParamSpec("max_pcf", _positive),
                ParamSpec(
                    "tier_thresholds",
                    _tier_thresholds,
                    required=False,
                ),
            ),
            unit=checks.T_PER_T,
            takes_tiers=True,
            cross_check=_max_pcf_cross_check,
        ),
        KindSpec(
            Kind.BOUNDARY,
            checks.check_boundary,
            "the system boundary is one of `allowed`",
            params=(ParamSpec("allowed", _one_of(BOUNDARIES)),),
        ),
        KindSpec(
            Kind.STANDARD_IN,
            checks.check_standard_in,
            "at least one standard of `any_of` is named",
            params=(ParamSpec("any_of", _one_of(STANDARDS)),),
        ),
        KindSpec(
            Kind.VERIFICATION_REQUIRED,
            checks.check_verification_required,
            "verifier name and verification statement number are given",
        ),
        KindSpec(
            Kind.REFERENCE_PERIOD_RECENT,
            checks.check_reference_period_recent,
            "the reference period ended at most max_age months before submission",
            params=(ParamSpec("max_age", _months),),
            unit="months",
        ),
        KindSpec(
            Kind.VALIDITY_COVERS,
            checks.check_validity_covers,
            "the date checked lies from the reference period's start to the validity's end",
        ),
        KindSpec(
            Kind.RECYCLED_EVIDENCE,
            checks.check_recycled_evidence,
            "a recycled-content claim has a pre/post-consumer split, evidence and a method",
            params=(ParamSpec("methods", _one_of(RECYCLED_METHODS)),),
        ),
        KindSpec(
            Kind.MIN_RECYCLED_CONTENT,
            checks.check_min_recycled_content,
            "pre- plus post-consumer recycled content is at least min_recycled_content",
            params=(ParamSpec("min_recycled_content", _percent),),
            unit="%",
        ),
        KindSpec(
            Kind.ELECTRICITY_INSTRUMENT,
            checks.check_electricity_instrument,
            "a low-carbon electricity claim names its instrument",
        ),
        KindSpec(
            Kind.PLAUSIBILITY,
            checks.check_plausibility,
            "footprint (tCO2e/t) within min..max, else review; 1000× slips are explained",
            params=(
                ParamSpec("min", _not_negative),
                ParamSpec("max", _positive),
            ),
            unit=checks.T_PER_T,
            placeholders=COMMON_PLACEHOLDERS | {"hint"},
            cross_check=_plausibility_cross_check,
        ),
        KindSpec(
            Kind.SITE_NAMED,
            checks.check_site_named,
            "the production site or smelter is named",
        ),
    )
}
