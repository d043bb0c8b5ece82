"""The documented error answers of every JSON API operation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """An expected failure, in the caller's language; FIELD names the offending input."""

    detail: str
    field: str | None = None


class FieldProblem(BaseModel):
    """One invalid input field."""

    field: str
    message: str


class ValidationErrorOut(BaseModel):
    """Input that breaks the schema, with every offending field named."""

    detail: str
    errors: list[FieldProblem]


API_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body could not be parsed"},
    401: {"model": ErrorOut, "description": "No valid bearer token"},
    403: {"model": ErrorOut, "description": "The token's role may not do this"},
    404: {"model": ErrorOut, "description": "Not found, or not yours to see"},
    409: {"model": ErrorOut, "description": "Conflicts with the current state"},
    413: {"model": ErrorOut, "description": "Request too large"},
    422: {"model": ValidationErrorOut | ErrorOut, "description": "Invalid input, field named"},
}
