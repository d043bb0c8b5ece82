"""rules/requirements.toml: what a purchase of each material needs from its supplier (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from portal.checking.messages import placeholder_problems, render
from portal.checking.rule_files import RULE_ID_PATTERN
from portal.checking.ruleset import Material
from portal.checking.toml_reader import TomlReader, item_path, key_path

REQUIREMENTS_FILE = "requirements.toml"
REQUIREMENT_KEYS = ("id", "materials", "footprint_declaration", "message_zh", "message_en")
OPTIONAL_KEYS = ("scrap_class", "scrap_class_evidence")
PLACEHOLDERS = ("material", "factor", "on", "rule_id")


class ScrapClass(StrEnum):
    """ISO 14021 recycled-content classes."""

    PRE_CONSUMER = "pre_consumer"
    POST_CONSUMER = "post_consumer"


@dataclass(frozen=True)
class Requirement:
    """What buying one of `materials` needs, instead of an ISO 14067 footprint declaration."""

    id: str
    materials: tuple[str, ...]
    footprint_declaration: bool  # False: the default factor from materials.toml is used
    scrap_class: ScrapClass | None
    scrap_class_evidence: bool  # the supplier's accepted declaration states the class, with proof
    message_zh: str
    message_en: str

    def messages(self, material: Material, on: str) -> tuple[str, str]:
        """The requirement's reason in Chinese and English for a purchase of MATERIAL on ON."""
        factor = f"{material.default_factor_t_per_t} tCO2e/t"
        values = {"factor": factor, "on": on, "rule_id": self.id}
        return (
            render(self.message_zh, {**values, "material": material.name_zh}),
            render(self.message_en, {**values, "material": material.name_en}),
        )


def parse_requirements(
    data: Mapping[str, object], reader: TomlReader, materials: Mapping[str, Material]
) -> dict[str, Requirement]:
    """Validate the parsed requirements.toml into material code → requirement."""
    reader.keys(data, "", required=("requirements",))
    if "requirements" not in data:
        return {}
    tables = reader.tables(data["requirements"], "requirements")
    by_material: dict[str, Requirement] = {}
    ids: set[str] = set()
    for index, table in enumerate(tables or []):
        path = item_path("requirements", index)
        requirement = _requirement(table, reader, path, materials)
        if requirement is None:
            continue
        if requirement.id in ids:
            reader.add(key_path(path, "id"), f"'{requirement.id}' is used twice")
        ids.add(requirement.id)
        for position, code in enumerate(requirement.materials):
            if code in by_material:
                reader.add(
                    item_path(key_path(path, "materials"), position),
                    f"'{code}' already has requirement '{by_material[code].id}'",
                )
            by_material[code] = requirement
    return by_material


def _requirement(
    table: Mapping[str, object], reader: TomlReader, path: str, materials: Mapping[str, Material]
) -> Requirement | None:
    before = reader.count()
    reader.keys(table, path, required=REQUIREMENT_KEYS, optional=OPTIONAL_KEYS)
    requirement_id = reader.text(table, "id", path)
    if requirement_id is not None and not RULE_ID_PATTERN.match(requirement_id):
        reader.add(
            key_path(path, "id"), f"'{requirement_id}' must be lower case words joined by . or _"
        )
    codes = reader.choices(table, "materials", path, list(materials))
    footprint = reader.flag(table, "footprint_declaration", path)
    scrap_class = reader.choice(table, "scrap_class", path, [c.value for c in ScrapClass])
    evidence = reader.flag(table, "scrap_class_evidence", path) or False
    messages = {lang: reader.text(table, f"message_{lang}", path) for lang in ("zh", "en")}
    for lang, template in messages.items():
        for problem in placeholder_problems(template or "", PLACEHOLDERS):
            reader.add(key_path(path, f"message_{lang}"), problem)
    if footprint and (scrap_class is not None or evidence):
        reader.add(
            path, "scrap_class and scrap_class_evidence apply only without a footprint declaration"
        )
    if evidence and "scrap_class" not in table:
        reader.add(key_path(path, "scrap_class"), "missing: scrap_class_evidence needs the class")
    if scrap_class is not None:
        for position, code in enumerate(codes or ()):
            if not materials[code].recycled_by_nature:
                reader.add(
                    item_path(key_path(path, "materials"), position),
                    f"'{code}' is not scrap (recycled_by_nature = false in materials.toml)",
                )
    if (
        reader.count() != before
        or requirement_id is None
        or codes is None
        or footprint is None
        or messages["zh"] is None
        or messages["en"] is None
    ):
        return None
    return Requirement(
        id=requirement_id,
        materials=codes,
        footprint_declaration=footprint,
        scrap_class=ScrapClass(scrap_class) if scrap_class is not None else None,
        scrap_class_evidence=evidence,
        message_zh=messages["zh"],
        message_en=messages["en"],
    )
