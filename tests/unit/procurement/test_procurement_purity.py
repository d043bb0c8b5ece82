"""The decision and the file reading stay pure: no web framework or database behind them."""

from __future__ import annotations

import subprocess
import sys

PURE = (
    "portal.procurement.decision",
    "portal.procurement.inputs",
    "portal.procurement.importfile",
    # What the import worker process loads: no web framework or database in it either.
    "portal.procurement.importreader",
)
FORBIDDEN = ("fastapi", "starlette", "sqlmodel", "sqlalchemy", "portal.db", "portal.app")


def test_pure_modules_import_no_web_or_database_code() -> None:
    program = (
        "import importlib, sys\n"
        f"for name in {PURE!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
