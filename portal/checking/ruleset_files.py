"""From the bytes of the rule files to a validated RuleSet, and the revision hash (pure)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from decimal import Decimal
from hashlib import sha256

from portal.checking.materials_file import parse_materials
from portal.checking.problems import Problem, RulesError
from portal.checking.requirements import REQUIREMENTS_FILE, parse_requirements
from portal.checking.rule_files import check_across_files, parse_rule_file
from portal.checking.ruleset import Rule, RuleSet
from portal.checking.targets import Targets, parse_targets
from portal.checking.toml_reader import TomlReader

MATERIALS_FILE = "materials.toml"
TARGETS_FILE = "targets.toml"
THRESHOLDS_FOLDER = "thresholds/"


def compute_revision(files: Mapping[str, bytes]) -> str:
    """sha256 over every file's relative path and bytes, in path order."""
    digest = sha256()
    for path in sorted(files):
        for part in (path.encode("utf-8"), files[path]):
            # Length prefixes keep ("ab", "c") and ("a", "bc") apart.
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def is_threshold_file(path: str) -> bool:
    """Whether `path` is a rule file directly inside thresholds/."""
    name = path.removeprefix(THRESHOLDS_FOLDER)
    return path.startswith(THRESHOLDS_FOLDER) and "/" not in name and name.endswith(".toml")


def parse_ruleset(files: Mapping[str, bytes]) -> RuleSet:
    """Validate all rule files (relative posix path → bytes); RulesError lists every problem."""
    # Imported here: portal.energy.factors reads TOML with this package's reader.
    from portal.energy.factors import ENERGY_FILE, check_energy_file
    from portal.logistics.factors import LOGISTICS_FILE, check_logistics_file

    problems: list[Problem] = []
    readers: dict[str, TomlReader] = {}

    def reader(path: str) -> TomlReader:
        return readers.setdefault(path, TomlReader(path, problems))

    threshold_files = sorted(path for path in files if is_threshold_file(path))
    for path in sorted(files):
        if path.endswith(".toml") and path not in (
            MATERIALS_FILE,
            TARGETS_FILE,
            ENERGY_FILE,
            LOGISTICS_FILE,
            REQUIREMENTS_FILE,
            *threshold_files,
        ):
            reader(path).add("", "unexpected rule file; thresholds belong in thresholds/*.toml")
    for path in (MATERIALS_FILE, TARGETS_FILE):
        if path not in files:
            reader(path).add("", "file is missing")
    if not threshold_files:
        reader(THRESHOLDS_FOLDER).add("", "no rule files (thresholds/*.toml)")

    materials_data = _parse_toml(files, MATERIALS_FILE, reader)
    materials = parse_materials(materials_data, reader(MATERIALS_FILE)) if materials_data else {}
    # Codes of materials that are present but broken still count, so rules do not echo the error.
    listed = materials_data.get("materials") if materials_data else None
    material_codes = set(listed) if isinstance(listed, dict) else set()

    rules: list[Rule] = []
    for path in threshold_files:
        data = _parse_toml(files, path, reader)
        if data is not None:
            rules.extend(parse_rule_file(data, reader(path), material_codes))
    check_across_files(rules, materials, readers)

    targets_data = _parse_toml(files, TARGETS_FILE, reader)
    targets = parse_targets(targets_data, reader(TARGETS_FILE)) if targets_data else None

    # Optional: without it every raw material needs a footprint declaration.
    requirements_data = _parse_toml(files, REQUIREMENTS_FILE, reader)
    requirements = (
        parse_requirements(requirements_data, reader(REQUIREMENTS_FILE), materials)
        if requirements_data is not None
        else {}
    )
    clashing = {rule.id for rule in rules} & {r.id for r in requirements.values()}
    for rule_id in sorted(clashing):
        reader(REQUIREMENTS_FILE).add("requirements", f"id '{rule_id}' is also a rule's id")

    check_energy_file(dict(files), problems)
    check_logistics_file(dict(files), problems)
    if problems or targets is None:
        raise RulesError(problems)
    return RuleSet(
        revision=compute_revision(files),
        materials=materials,
        rules=tuple(rules),
        targets=targets,
        files=tuple(sorted(files)),
        requirements=requirements,
    )


def parse_targets_file(content: bytes) -> Targets:
    """Validate targets.toml alone; RulesError lists every problem."""
    problems: list[Problem] = []
    reader = TomlReader(TARGETS_FILE, problems)
    data = _parse_toml({TARGETS_FILE: content}, TARGETS_FILE, lambda _path: reader)
    targets = parse_targets(data, reader) if data is not None else None
    if problems or targets is None:
        raise RulesError(problems)
    return targets


def _parse_toml(
    files: Mapping[str, bytes], path: str, reader: Callable[[str], TomlReader]
) -> dict[str, object] | None:
    if path not in files:
        return None
    try:
        text = files[path].decode("utf-8")
    except UnicodeDecodeError as error:
        reader(path).add("", f"not UTF-8 text ({error})")
        return None
    try:
        # Numbers stay exactly as written: 15.1 is Decimal("15.1"), never a float.
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        reader(path).add("", f"not valid TOML: {error}")
        return None
