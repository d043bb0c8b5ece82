"""The engine stays a pure core: no web or database imports, filesystem only in the loader."""

from __future__ import annotations

import ast
from pathlib import Path

import portal.checking

PACKAGE = Path(portal.checking.__file__).parent
FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "portal.db", "portal.app")
FILESYSTEM = ("os", "pathlib", "shutil", "glob", "io")
MAY_TOUCH_FILES = {"loader.py", "cli.py"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def calls_open(path: Path) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def test_no_web_or_database_imports() -> None:
    for path in PACKAGE.glob("*.py"):
        bad = {name for name in imported(path) if name.startswith(FORBIDDEN)}
        assert not bad, f"{path.name} imports {bad}"


def test_only_the_loader_and_cli_touch_the_filesystem() -> None:
    for path in PACKAGE.glob("*.py"):
        if path.name in MAY_TOUCH_FILES:
            continue
        touching = {name for name in imported(path) if name.split(".")[0] in FILESYSTEM}
        assert not touching, f"{path.name} imports {touching}"
        assert not calls_open(path), f"{path.name} calls open()"
