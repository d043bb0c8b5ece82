"""The API's OpenAPI document as people read it in /docs: the bearer scheme, summaries, a way back.

FastAPI names an operation after its function ("List Suppliers"); the first line of the
route's docstring says what it does, so it becomes the summary. Every /api/v1 operation takes
a bearer token (`Authorization: Bearer pcp_…`): declared once, Swagger UI's "Authorize" holds
it and "Try it out" sends it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

BEARER = "bearerAuth"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "pcp_…",
    "description": (
        "An API token of the portal: create one on your account page (/account), or with "
        "`portal tokens create EMAIL NAME`. It is shown once; the portal keeps only its hash."
    ),
}
DESCRIPTION = (
    "Product carbon-footprint declarations, purchase checks and Scope 3.1 tracking of the "
    "[Supplier Carbon Portal](/).\n\n"
    "**Authenticate**: create a token on [your account page](/account), press *Authorize* "
    "and paste it; *Try it out* then sends `Authorization: Bearer <token>`. Every write "
    "accepts an `Idempotency-Key` header (see the README). Errors answer in the language of "
    "`Accept-Language` (English without one)."
)


def summary_of(description: str) -> str | None:
    """The first line of an operation's description (its docstring), without the full stop."""
    lines = description.strip().splitlines()
    return lines[0].strip().rstrip(".") or None if lines else None


def build(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document with the bearer scheme, readable summaries and links home."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=DESCRIPTION,
        routes=app.routes,
    )
    schema.setdefault("components", {}).setdefault("securitySchemes", {})[BEARER] = BEARER_SCHEME
    schema["security"] = [{BEARER: []}]
    schema["externalDocs"] = {"description": "Back to the portal", "url": "/"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                summary = summary_of(str(operation.get("description") or ""))
                if summary:
                    operation["summary"] = summary
    return schema


def install(app: FastAPI) -> None:
    """Serve the document built above (once, then cached) at the app's openapi_url."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
