"""The PACT specification's component schemas, to check footprints received from others."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.pact.config import get_pact_settings


@lru_cache(maxsize=8)
def _validator(spec_dir: Path, version: int, component: str) -> Draft202012Validator:
    path = spec_dir / f"v{version}" / "openapi.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    uri = f"urn:pact-openapi:v{version}"
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(uri, resource)
    return Draft202012Validator(
        {"$ref": f"{uri}#/components/schemas/{component}"},
        registry=registry,
        format_checker=FormatChecker(),
    )


def problems(instance: Any, *, version: int = 3, component: str = "ProductFootprint") -> list[str]:
    """How INSTANCE breaks the component schema, each as `$.json.path: message`."""
    validator = _validator(get_pact_settings().spec_dir, version, component)
    found = []
    for error in sorted(
        validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))
    ):
        path = "$" + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        )
        found.append(f"{path}: {error.message[:300]}")
    return found
