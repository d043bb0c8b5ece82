"""Validators for the PACT OpenAPI component schemas in ../shared/pact/ (the contract)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.config import PROJECT_DIR

PACT_DIR = PROJECT_DIR.parent / "shared" / "pact"


@lru_cache
def _document(version: int) -> dict[str, Any]:
    return yaml.safe_load((PACT_DIR / f"v{version}" / "openapi.yaml").read_text())


@lru_cache
def validator(version: int, component: str) -> Draft202012Validator:
    """A validator of components/schemas/COMPONENT of PACT vVERSION's OpenAPI file."""
    uri = f"https://pact.test/v{version}/openapi.yaml"
    resource = Resource.from_contents(_document(version), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(uri, resource)
    return Draft202012Validator(
        {"$ref": f"{uri}#/components/schemas/{component}"},
        registry=registry,
        format_checker=FormatChecker(),
    )


def problems(version: int, component: str, instance: Any) -> list[str]:
    """Every way INSTANCE breaks the component schema, as `path: message` lines."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message[:200]}"
        for error in validator(version, component).iter_errors(instance)
    ]


def example(version: int, name: str) -> Any:
    """One of the specification's example files."""
    import json

    return json.loads((PACT_DIR / f"v{version}" / name).read_text())


def assert_valid(version: int, component: str, instance: Any) -> None:
    """Fail with the schema's complaints unless INSTANCE is a valid COMPONENT."""
    found = problems(version, component, instance)
    assert not found, "\n".join(found[:20])


__all__ = ["PACT_DIR", "Path", "assert_valid", "example", "problems", "validator"]
