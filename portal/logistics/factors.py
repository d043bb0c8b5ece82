"""Transport modes, distances and the transport policy from rules/logistics.toml (pure)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from portal.checking.problems import Problem, RulesError
from portal.checking.toml_reader import TomlReader, item_path, key_path

LOGISTICS_FILE = "logistics.toml"
PACKAGING_RULES = ("warn", "note")
_NAMES = ("name_zh", "name_en")


@dataclass(frozen=True)
class Mode:
    """A transport mode and how its well-to-wheel intensity (kgCO2e/t·km) is made."""

    code: str
    name_zh: str
    name_en: str
    road: bool
    electric: bool
    source: str
    year: int
    checked: bool
    ttw_kg_per_tkm: Decimal | None = None
    wtt_kg_per_tkm: Decimal | None = None
    kwh_per_km: Decimal | None = None
    average_load_t: Decimal | None = None
    kwh_per_tkm: Decimal | None = None

    @property
    def is_rail(self) -> bool:
        """Whether this is a rail mode."""
        return self.code.startswith("rail_")

    def kwh_per_t_km(self) -> Decimal | None:
        """Electricity per tonne-km, for an electric mode."""
        if self.kwh_per_tkm is not None:
            return self.kwh_per_tkm
        if self.kwh_per_km is not None and self.average_load_t:
            return self.kwh_per_km / self.average_load_t
        return None


@dataclass(frozen=True)
class Place:
    """A dispatch place and its distances to the plant."""

    code: str
    name_zh: str
    name_en: str
    road_km: Decimal
    rail_km: Decimal


@dataclass(frozen=True)
class Policy:
    """The transport policy in force from a date."""

    effective_from: date
    long_haul_km: Decimal
    rail_mode: str
    single_use_packaging: str
    source: str


@dataclass(frozen=True)
class YearTarget:
    """Rail share of long-haul inbound and electric share of outbound tonne-km, in %."""

    year: int
    rail_share_pct: Decimal
    electric_share_pct: Decimal


@dataclass(frozen=True)
class LogisticsRules:
    """Everything rules/logistics.toml says."""

    modes: dict[str, Mode]
    places: dict[str, Place]
    policies: tuple[Policy, ...]
    targets: dict[int, YearTarget]

    def policy_on(self, on: date) -> Policy | None:
        """The policy period in force on ON (the latest that started by then)."""
        started = [p for p in self.policies if p.effective_from <= on]
        return max(started, key=lambda p: p.effective_from) if started else None

    def target(self, year: int) -> YearTarget | None:
        """The year's targets, if set."""
        return self.targets.get(year)


def _names(table: dict[str, object], here: str, reader: TomlReader) -> tuple[str, str] | None:
    zh, en = (reader.text(table, key, here) for key in _NAMES)
    return (zh, en) if zh and en else None


def _mode(code: str, value: object, reader: TomlReader) -> Mode | None:
    here = key_path("modes", code)
    table = reader.table(value, here)
    if table is None:
        return None
    fuel = ("ttw_kgco2e_per_tkm", "wtt_kgco2e_per_tkm")
    power = ("kwh_per_km", "average_load_t", "kwh_per_tkm")
    reader.keys(
        table,
        here,
        required=(*_NAMES, "road", "electric", "year", "source", "checked"),
        optional=(*fuel, *power),
    )
    names = _names(table, here, reader)
    road, electric = reader.flag(table, "road", here), reader.flag(table, "electric", here)
    checked = reader.flag(table, "checked", here)
    year = reader.whole(table, "year", here, minimum=2000)
    source = reader.text(table, "source", here)
    small = {"minimum": Decimal(0), "maximum": Decimal(5)}
    numbers = {
        key: reader.decimal(table, key, here, **small)
        for key in (*fuel, *power)
        if key != "average_load_t"
    }
    # A tonnage, not an intensity.
    numbers["average_load_t"] = reader.decimal(
        table, "average_load_t", here, above=Decimal(0), maximum=Decimal(100000)
    )
    before = reader.count()
    if electric:
        per_km = numbers["kwh_per_km"] is not None and numbers["average_load_t"]
        if not per_km and numbers["kwh_per_tkm"] is None:
            reader.add(here, "an electric mode states kwh_per_km and average_load_t or kwh_per_tkm")
        for key in fuel:
            if key in table:
                reader.add(key_path(here, key), "an electric mode's intensity comes from its kWh")
    elif electric is False:
        for key in fuel:
            if key not in table:
                reader.add(key_path(here, key), "missing (a fuel mode states both parts)")
    if reader.count() != before or None in (names, road, electric, checked, year, source):
        return None
    assert names is not None and year is not None and source is not None
    return Mode(
        code,
        *names,
        road=bool(road),
        electric=bool(electric),
        source=source,
        year=year,
        checked=bool(checked),
        ttw_kg_per_tkm=numbers["ttw_kgco2e_per_tkm"],
        wtt_kg_per_tkm=numbers["wtt_kgco2e_per_tkm"],
        kwh_per_km=numbers["kwh_per_km"],
        average_load_t=numbers["average_load_t"],
        kwh_per_tkm=numbers["kwh_per_tkm"],
    )


def _place(code: str, value: object, reader: TomlReader) -> Place | None:
    here = key_path("places", code)
    table = reader.table(value, here)
    if table is None:
        return None
    reader.keys(table, here, required=(*_NAMES, "road_km", "rail_km"))
    names = _names(table, here, reader)
    road = reader.decimal(table, "road_km", here, above=Decimal(0), maximum=Decimal(40000))
    rail = reader.decimal(table, "rail_km", here, above=Decimal(0), maximum=Decimal(40000))
    if names is None or road is None or rail is None:
        return None
    return Place(code, *names, road_km=road, rail_km=rail)


def parse_logistics(data: dict[str, object], reader: TomlReader) -> LogisticsRules | None:
    """The logistics rules from parsed TOML; problems go to READER."""
    before = reader.count()
    reader.keys(data, "", required=("modes", "places", "policy", "targets"))
    modes: dict[str, Mode] = {}
    for code, value in (reader.table(data.get("modes", {}), "modes") or {}).items():
        mode = _mode(code, value, reader)
        if mode is not None:
            modes[code] = mode
    places: dict[str, Place] = {}
    for code, value in (reader.table(data.get("places", {}), "places") or {}).items():
        place = _place(code, value, reader)
        if place is not None:
            places[code] = place
    policies: list[Policy] = []
    for index, table in enumerate(reader.tables(data.get("policy", []), "policy") or []):
        here = item_path("policy", index)
        keys = ("effective_from", "long_haul_km", "rail_mode", "single_use_packaging", "source")
        reader.keys(table, here, required=keys)
        start = reader.day(table, "effective_from", here)
        km = reader.decimal(table, "long_haul_km", here, above=Decimal(0))
        rail = reader.choice(table, "rail_mode", here, [m for m in modes if m.startswith("rail_")])
        packaging = reader.choice(table, "single_use_packaging", here, PACKAGING_RULES)
        source = reader.text(table, "source", here)
        if start is not None and any(p.effective_from == start for p in policies):
            reader.add(key_path(here, "effective_from"), f"{start} is listed twice")
        elif None not in (start, km, rail, packaging, source):
            assert start and km and rail and packaging and source
            policies.append(Policy(start, km, rail, packaging, source))
    targets: dict[int, YearTarget] = {}
    for index, table in enumerate(reader.tables(data.get("targets", []), "targets") or []):
        here = item_path("targets", index)
        reader.keys(table, here, required=("year", "rail_share_pct", "electric_share_pct"))
        year = reader.whole(table, "year", here, minimum=2000)
        pct = {"minimum": Decimal(0), "maximum": Decimal(100)}
        rail_pct = reader.decimal(table, "rail_share_pct", here, **pct)
        electric_pct = reader.decimal(table, "electric_share_pct", here, **pct)
        if year is not None and year in targets:
            reader.add(key_path(here, "year"), f"{year} is listed twice")
        elif year is not None and rail_pct is not None and electric_pct is not None:
            targets[year] = YearTarget(year, rail_pct, electric_pct)
    if not policies and reader.count() == before:
        reader.add("policy", "at least one dated policy is needed")
    if reader.count() != before:
        return None
    return LogisticsRules(modes, places, tuple(policies), targets)


def parse_logistics_file(content: bytes, name: str = LOGISTICS_FILE) -> LogisticsRules:
    """Validate the logistics rules file's bytes; RulesError lists every problem."""
    problems: list[Problem] = []
    reader = TomlReader(name, problems)
    try:
        data = tomllib.loads(content.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RulesError([Problem(name, "", f"not valid TOML: {error}")]) from None
    rules = parse_logistics(data, reader)
    if problems or rules is None:
        raise RulesError(problems)
    return rules


def check_logistics_file(files: dict[str, bytes], problems: list[Problem]) -> None:
    """Add the logistics rules file's problems, when the rules directory has one."""
    if LOGISTICS_FILE not in files:
        return
    try:
        parse_logistics_file(files[LOGISTICS_FILE])
    except RulesError as error:
        problems.extend(error.problems)
