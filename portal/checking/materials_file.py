"""Validation of rules/materials.toml into Material records (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from portal.checking.ruleset import Category, Material
from portal.checking.toml_reader import CODE_PATTERN, TomlReader, key_path

FACTOR_UNIT = "tCO2e/t"
MATERIAL_KEYS = (
    "name_zh",
    "name_en",
    "category",
    "aluminium_bearing",
    "recycled_by_nature",
    "default_factor",
)
FACTOR_KEYS = ("value", "unit", "source", "estimate")


def parse_materials(data: Mapping[str, object], reader: TomlReader) -> dict[str, Material]:
    """Validate the parsed materials.toml; problems go to the reader."""
    reader.keys(data, "", required=("materials",))
    if "materials" not in data:
        return {}
    table = reader.table(data["materials"], "materials")
    if table is None:
        return {}
    if not table:
        reader.add("materials", "must list at least one material")
    materials = {}
    for code, raw in table.items():
        path = key_path("materials", code)
        if not CODE_PATTERN.match(code):
            reader.add(path, "material codes must be lower case letters, digits and _")
            continue
        material = _material(code, raw, reader, path)
        if material is not None:
            materials[code] = material
    return materials


def _material(code: str, value: object, reader: TomlReader, path: str) -> Material | None:
    table = reader.table(value, path)
    if table is None:
        return None
    reader.keys(table, path, required=MATERIAL_KEYS)
    name_zh = reader.text(table, "name_zh", path)
    name_en = reader.text(table, "name_en", path)
    category = reader.choice(table, "category", path, [c.value for c in Category])
    aluminium_bearing = reader.flag(table, "aluminium_bearing", path)
    recycled_by_nature = reader.flag(table, "recycled_by_nature", path)
    factor = _factor(table.get("default_factor"), reader, key_path(path, "default_factor"))
    if (
        name_zh is None
        or name_en is None
        or category is None
        or aluminium_bearing is None
        or recycled_by_nature is None
        or factor is None
    ):
        return None
    value_t_per_t, source, year, estimate, source_zh = factor
    return Material(
        code,
        name_zh,
        name_en,
        Category(category),
        aluminium_bearing,
        recycled_by_nature,
        value_t_per_t,
        source,
        year,
        estimate,
        source_zh,
    )


def _factor(
    value: object, reader: TomlReader, path: str
) -> tuple[Decimal, str, int | None, bool, str] | None:
    if value is None:
        return None
    table = reader.table(value, path)
    if table is None:
        return None
    reader.keys(table, path, required=FACTOR_KEYS, optional=("year", "source_zh"))
    number = reader.decimal(table, "value", path, minimum=Decimal(0))
    unit = reader.text(table, "unit", path)
    if unit is not None and unit != FACTOR_UNIT:
        reader.add(
            key_path(path, "unit"), f"'{unit}' is not allowed; write factors in {FACTOR_UNIT}"
        )
        unit = None
    source = reader.text(table, "source", path)
    source_zh = reader.text(table, "source_zh", path) if "source_zh" in table else ""
    year = reader.whole(table, "year", path, minimum=1990)
    estimate = reader.flag(table, "estimate", path)
    # An estimated default must say so where people read its source.
    if estimate and source is not None and "estimate" not in source.lower():
        reader.add(key_path(path, "source"), "an estimated factor's source must say 'estimate'")
        source = None
    if number is None or unit is None or source is None or estimate is None:
        return None
    if estimate and source_zh and "估算" not in source_zh:
        reader.add(key_path(path, "source_zh"), "an estimated factor's source_zh must say '估算'")
        return None
    return number, source, year, estimate, source_zh or ""
