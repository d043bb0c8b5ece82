"""Validation of rules/thresholds/*.toml into Rule records (pure)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta

from portal.checking.kinds import KINDS, KindSpec
from portal.checking.messages import placeholder_problems
from portal.checking.ruleset import (
    ALL_MATERIALS,
    Comparison,
    Kind,
    ParamValue,
    Period,
    Rule,
    Severity,
    Tier,
)
from portal.checking.toml_reader import TomlReader, item_path, key_path

RULE_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
RULE_KEYS = ("id", "kind", "materials", "severity", "message_zh", "message_en", "periods")
TIER_KEYS = ("code", "comparison", "name_zh", "name_en", "source")
ONE_DAY = timedelta(days=1)


def parse_rule_file(
    data: Mapping[str, object], reader: TomlReader, material_codes: Collection[str]
) -> list[Rule]:
    """Validate one parsed thresholds file; problems go to the reader."""
    reader.keys(data, "", required=("rules",))
    if "rules" not in data:
        return []
    tables = reader.tables(data["rules"], "rules")
    if tables is None:
        return []
    if not tables:
        reader.add("rules", "must hold at least one rule")
    rules = []
    for index, table in enumerate(tables):
        rule = _rule(table, reader, index, material_codes)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(
    table: Mapping[str, object],
    reader: TomlReader,
    position: int,
    material_codes: Collection[str],
) -> Rule | None:
    path = item_path("rules", position)
    before = reader.count()
    kind = reader.choice(table, "kind", path, [k.value for k in Kind])
    spec = KINDS[Kind(kind)] if kind is not None else None
    if spec is None:  # unknown kind: do not also complain about its keys
        reader.keys(table, path, required=RULE_KEYS, optional=("unit", "tiers"))
    else:
        reader.keys(
            table,
            path,
            required=(*RULE_KEYS, *(("unit",) if spec.unit else ())),
            optional=("tiers",) if spec.takes_tiers else (),
        )
    rule_id = reader.text(table, "id", path)
    if rule_id is not None and not RULE_ID_PATTERN.match(rule_id):
        reader.add(key_path(path, "id"), f"'{rule_id}' must be lower case words joined by . or _")
    materials = _materials(table, reader, path, material_codes)
    severity = reader.choice(table, "severity", path, [s.value for s in Severity])
    if spec is not None and spec.unit is not None:
        unit = reader.text(table, "unit", path)
        if unit is not None and unit != spec.unit:
            reader.add(
                key_path(path, "unit"),
                f"'{unit}' is not the unit of kind {spec.kind}; write values in {spec.unit}",
            )
    messages = {lang: reader.text(table, f"message_{lang}", path) for lang in ("zh", "en")}
    if spec is not None:
        for lang, template in messages.items():
            for problem in placeholder_problems(template or "", spec.placeholders):
                reader.add(key_path(path, f"message_{lang}"), problem)
    takes_tiers = spec is not None and spec.takes_tiers
    tiers = _tiers(table, reader, path) if takes_tiers and "tiers" in table else ()
    periods = _periods(table, reader, path, spec, tiers)
    if (
        reader.count() != before
        or spec is None
        or rule_id is None
        or materials is None
        or severity is None
        or messages["zh"] is None
        or messages["en"] is None
    ):
        return None
    return Rule(
        rule_id,
        spec.kind,
        materials,
        Severity(severity),
        spec.unit,
        messages["zh"],
        messages["en"],
        periods,
        tiers,
        reader.file,
        position,
    )


def _materials(
    table: Mapping[str, object], reader: TomlReader, path: str, material_codes: Collection[str]
) -> tuple[str, ...] | None:
    if "materials" not in table:
        return None
    here = key_path(path, "materials")
    value = table["materials"]
    if not isinstance(value, list) or not value:
        reader.add(here, 'must be a non-empty array of material codes, or ["*"]')
        return None
    before = reader.count()
    for index, code in enumerate(value):
        if not isinstance(code, str):
            reader.add(item_path(here, index), "must be a material code in quotes")
        elif code != ALL_MATERIALS and code not in material_codes:
            reader.add(item_path(here, index), f"unknown material '{code}' (not in materials.toml)")
        elif value.index(code) != index:
            reader.add(item_path(here, index), f"'{code}' is listed twice")
    if ALL_MATERIALS in value and len(value) > 1:
        reader.add(here, '"*" means every material; list it alone')
    return tuple(value) if reader.count() == before else None


def _tiers(table: Mapping[str, object], reader: TomlReader, path: str) -> tuple[Tier, ...]:
    here = key_path(path, "tiers")
    tables = reader.tables(table["tiers"], here)
    if tables is None:
        return ()
    tiers: list[Tier] = []
    for index, raw in enumerate(tables):
        where = item_path(here, index)
        reader.keys(raw, where, required=TIER_KEYS, optional=("source_zh",))
        code = reader.code(raw, "code", where)
        comparison = reader.choice(raw, "comparison", where, [c.value for c in Comparison])
        name_zh = reader.text(raw, "name_zh", where)
        name_en = reader.text(raw, "name_en", where)
        source = reader.text(raw, "source", where)
        source_zh = reader.text(raw, "source_zh", where) if "source_zh" in raw else ""
        if code is not None and code in [tier.code for tier in tiers]:
            reader.add(key_path(where, "code"), f"tier '{code}' is defined twice")
        elif code and comparison and name_zh and name_en and source:
            tiers.append(
                Tier(code, Comparison(comparison), name_zh, name_en, source, source_zh or "")
            )
    return tuple(tiers)


def _periods(
    table: Mapping[str, object],
    reader: TomlReader,
    path: str,
    spec: KindSpec | None,
    tiers: tuple[Tier, ...],
) -> tuple[Period, ...]:
    if "periods" not in table:
        return ()
    here = key_path(path, "periods")
    tables = reader.tables(table["periods"], here)
    if tables is None:
        return ()
    if not tables:
        reader.add(here, "must hold at least one period")
    starts: list[date | None] = []
    ends: list[date | None] = []
    params: list[dict[str, ParamValue]] = []
    for index, raw in enumerate(tables):
        where = item_path(here, index)
        if spec is not None:
            required = ("effective_from", *(p.name for p in spec.params if p.required))
            optional = ("effective_to", *(p.name for p in spec.params if not p.required))
            reader.keys(raw, where, required=required, optional=optional)
        starts.append(reader.day(raw, "effective_from", where))
        ends.append(reader.day(raw, "effective_to", where))
        params.append(_params(raw, reader, where, spec, tiers))
    _check_sequence(reader, here, starts, ends)
    if None in starts:
        return ()
    return tuple(
        Period(start, _end_of(index, starts, ends), params[index])
        for index, start in enumerate(starts)
        if start is not None
    )


def _params(
    raw: Mapping[str, object],
    reader: TomlReader,
    where: str,
    spec: KindSpec | None,
    tiers: tuple[Tier, ...],
) -> dict[str, ParamValue]:
    if spec is None:
        return {}
    values = {}
    for param in spec.params:
        value = param.read(reader, raw, param.name, where)
        if value is not None:
            values[param.name] = value
    if spec.cross_check is not None:
        for key, message in spec.cross_check(values, tiers):
            reader.add(key_path(where, key), message)
    return values


def _check_sequence(
    reader: TomlReader, here: str, starts: list[date | None], ends: list[date | None]
) -> None:
    """Periods follow each other without overlap or gap; each ends after it starts."""
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        where = item_path(here, index)
        if start is not None and end is not None and end < start:
            reader.add(key_path(where, "effective_to"), f"{end} is before effective_from {start}")
        if index == 0 or start is None:
            continue
        previous = starts[index - 1]
        if previous is not None and start <= previous:
            reader.add(
                key_path(where, "effective_from"),
                f"{start} overlaps periods[{index - 1}], which starts {previous}; "
                "effective_from must be strictly increasing",
            )
            continue
        previous_end = ends[index - 1]
        if previous_end is None:
            continue
        if previous_end >= start:
            reader.add(
                key_path(item_path(here, index - 1), "effective_to"),
                f"{previous_end} overlaps periods[{index}], which starts {start}",
            )
        elif previous_end + ONE_DAY < start:
            reader.add(
                key_path(where, "effective_from"),
                f"gap: no period is in force from {previous_end + ONE_DAY} to {start - ONE_DAY}",
            )


def _end_of(index: int, starts: list[date | None], ends: list[date | None]) -> date | None:
    """A period ends where stated, else the day before the next one starts, else never."""
    if ends[index] is not None:
        return ends[index]
    if index + 1 < len(starts):
        following = starts[index + 1]
        return following - ONE_DAY if following is not None else None
    return None


def check_across_files(
    rules: Iterable[Rule], material_codes: Iterable[str], readers: Mapping[str, TomlReader]
) -> None:
    """Rule ids are unique and each material has at most one max_pcf rule."""
    rules = list(rules)
    seen: dict[str, Rule] = {}
    for rule in rules:
        first = seen.setdefault(rule.id, rule)
        if first is not rule:
            readers[rule.file].add(
                key_path(item_path("rules", rule.position), "id"),
                f"duplicate rule id '{rule.id}' (also {first.file} rules[{first.position}])",
            )
    for code in material_codes:
        limits = [rule for rule in rules if rule.kind is Kind.MAX_PCF and rule.applies_to(code)]
        for rule in limits[1:]:
            readers[rule.file].add(
                key_path(item_path("rules", rule.position), "materials"),
                f"material '{code}' already has max_pcf rule '{limits[0].id}' "
                f"({limits[0].file}); one per material",
            )
