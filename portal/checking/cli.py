"""`portal rules …`: check, show and try the policy files from a terminal."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from portal.checking.engine import evaluate
from portal.checking.facts_mapping import FactsError, facts_from_mapping
from portal.checking.kinds import KINDS
from portal.checking.loader import default_rules_dir, load_ruleset
from portal.checking.problems import RulesError
from portal.checking.ruleset import Material, RuleSet, UnknownMaterialError
from portal.checking.ruleset_files import parse_ruleset

BAD_INPUT = 2
BAD_RULES = 1

rules_app = typer.Typer(
    help="Check, show and try the carbon policy kept as data in rules/.",
    no_args_is_help=True,
)

# Set by the `portal` command: a revision (or its first digits) → (revision, files) from the
# database, None when no stored revision matches. This package stays free of the database.
stored_revisions: Callable[[str], tuple[str, Mapping[str, bytes]] | None] | None = None

DirOption = Annotated[
    Path | None,
    typer.Option("--dir", help="rules directory (default: $PORTAL_RULES_DIR, else ./rules)"),
]


def _stop(message: str, code: int) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _load(directory: Path | None) -> tuple[Path, RuleSet]:
    directory = directory or default_rules_dir()
    try:
        return directory, load_ruleset(directory)
    except RulesError as error:
        lines = [f"{directory}: refused, {len(error.problems)} problem(s):"]
        lines.extend(f"  {problem}" for problem in error.problems)
        _stop("\n".join(lines), BAD_RULES)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _stop(f"{option}: '{text}' is not a date like 2026-03-01", BAD_INPUT)


@rules_app.command("check")
def check(
    directory: Annotated[
        Path | None,
        typer.Argument(help="rules directory (default: $PORTAL_RULES_DIR, else ./rules)"),
    ] = None,
) -> None:
    """Validate every rule file; print the revision, or every problem and exit 1."""
    directory, ruleset = _load(directory)
    typer.echo(
        f"OK {directory}: revision {ruleset.short_revision} ({ruleset.revision}); "
        f"{len(ruleset.materials)} materials, {len(ruleset.rules)} rules, "
        f"{len(ruleset.files)} files"
    )


@rules_app.command("show")
def show(
    material: Annotated[str | None, typer.Option("--material", help="material code")] = None,
    on: Annotated[str | None, typer.Option("--on", help="date YYYY-MM-DD (default today)")] = None,
    directory: DirOption = None,
    revision: Annotated[
        str | None,
        typer.Option("--revision", help="a revision the portal used (hash or its first digits)"),
    ] = None,
) -> None:
    """Print the rules in force on a date, per material (today's files, or a stored revision)."""
    day = _date(on, "--on") if on else date.today()
    if revision is not None:
        ruleset = _stored(revision)
        where = "as stored by the portal"
    else:
        directory, ruleset = _load(directory)
        where = str(directory)
    if material is not None and material not in ruleset.materials:
        _stop(
            f"--material: unknown material '{material}'; known: {', '.join(ruleset.materials)}",
            BAD_INPUT,
        )
    typer.echo(
        f"Rules in force on {day}{' (today)' if on is None else ''} — "
        f"{where} (revision {ruleset.short_revision})"
    )
    for code in [material] if material else list(ruleset.materials):
        typer.echo("")
        typer.echo(_describe_material(ruleset.materials[code]))
        in_force = ruleset.in_force(code, day)
        for rule, period in in_force:
            until = period.effective_to.isoformat() if period.effective_to else "open"
            params = rule.describe_params(period)
            typer.echo(
                f"  {rule.id}  [{rule.kind}, {rule.severity}]  "
                f"{params + '  ' if params else ''}({period.effective_from} … {until}; {rule.file})"
            )
            typer.echo(f"      {KINDS[rule.kind].help}")
        dormant = [rule.id for rule in ruleset.rules_for(code) if rule.period_on(day) is None]
        if dormant:
            typer.echo(f"  not in force on {day}: {', '.join(dormant)}")


def _stored(revision: str) -> RuleSet:
    if stored_revisions is None:
        _stop("--revision: stored revisions are read through the portal's database", BAD_INPUT)
    found = stored_revisions(revision)
    if found is None:
        _stop(f"--revision: no stored rule-set revision matches '{revision}'", BAD_INPUT)
    full, files = found
    try:
        return parse_ruleset(files)
    except RulesError as error:
        lines = [f"revision {full[:12]}: stored, but today's portal cannot read it as rules:"]
        lines.extend(f"  {problem}" for problem in error.problems)
        lines.append(f"  its files: {', '.join(sorted(files))}")
        _stop("\n".join(lines), BAD_RULES)


def _describe_material(material: Material) -> str:
    year = f", {material.default_factor_year}" if material.default_factor_year else ""
    estimate = ", estimate" if material.default_factor_estimate else ""
    return (
        f"{material.code} — {material.name_zh} / {material.name_en} ({material.category})\n"
        f"  default factor {material.default_factor_t_per_t} tCO2e/t{year}{estimate}: "
        f"{material.default_factor_source}"
    )


@rules_app.command("evaluate")
def evaluate_file(
    file: Annotated[Path, typer.Argument(help="declaration as JSON (DeclarationFacts fields)")],
    on: Annotated[str, typer.Option("--on", help="date checked, YYYY-MM-DD (e.g. purchase date)")],
    directory: DirOption = None,
) -> None:
    """Evaluate a declaration and print the verdict with its findings as JSON."""
    day = _date(on, "--on")
    try:
        # Numbers stay as typed: 15.1 becomes Decimal("15.1"), never a float.
        data = json.loads(file.read_text(encoding="utf-8"), parse_float=Decimal)
    except OSError as error:
        _stop(f"{file}: cannot read ({error.strerror})", BAD_INPUT)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        _stop(f"{file}: not valid JSON ({error})", BAD_INPUT)
    if not isinstance(data, dict):
        _stop(f"{file}: must hold one JSON object with the declaration's fields", BAD_INPUT)
    try:
        facts = facts_from_mapping(data)
    except FactsError as error:
        _stop(
            "\n".join(f"{file}: field {name}: {reason}" for name, reason in error.errors), BAD_INPUT
        )
    _directory, ruleset = _load(directory)
    try:
        verdict = evaluate(facts, ruleset, on=day)
    except UnknownMaterialError as error:
        _stop(
            f"{file}: field material_code: {error}; known: {', '.join(ruleset.materials)}",
            BAD_INPUT,
        )
    typer.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
