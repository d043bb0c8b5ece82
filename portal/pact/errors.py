"""PACT's error shape: `{"code": ..., "message": ...}` with a JSON content type."""

from __future__ import annotations

from fastapi.responses import JSONResponse

# The paths PACT fixes; everything under them answers in PACT's shape, never the portal's.
PACT_PATH_PREFIXES = ("/2/", "/3/")
PACT_PATHS = frozenset({"/auth/token", "/.well-known/openid-configuration", "/2", "/3"})
STATUS_CODES = {
    400: "BadRequest",
    401: "BadRequest",  # PACT v2.3's conformance cases ask for BadRequest on a bad token
    403: "AccessDenied",
    404: "NotFound",
    405: "BadRequest",
    413: "BadRequest",
    422: "BadRequest",
    501: "NotImplemented",
}


def is_pact_path(path: str) -> bool:
    """Whether PATH is one of PACT's endpoints (answered in PACT's error shape)."""
    return path in PACT_PATHS or path.startswith(PACT_PATH_PREFIXES)


class PactError(Exception):
    """A refusal of a PACT request, with PACT's error code."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or STATUS_CODES.get(status, "InternalError")


def pact_error_response(
    status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON body PACT specifies for an error."""
    return JSONResponse(
        {"code": code or STATUS_CODES.get(status, "InternalError"), "message": message},
        status_code=status,
        headers=headers,
    )
