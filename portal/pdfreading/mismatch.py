"""A difference between the form and a document, explained in Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class MismatchKind(StrEnum):
    """How a document fails to bear out the form."""

    DIFFERS = "differs"  # the document states another value
    NOT_FOUND = "not_found"  # the document should state it and does not
    NEEDS_PERSON = "needs_person"  # the machine cannot read the document (a notice)


@dataclass(frozen=True)
class Mismatch:
    """One field where the document does not bear out the form."""

    field: str
    form_value: str | None
    pdf_value: str | None
    page: int | None
    reason_en: str
    reason_zh: str
    kind: str = MismatchKind.DIFFERS

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {**asdict(self), "kind": str(self.kind)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Mismatch:
        """Inverse of `to_dict`."""
        return cls(**dict(data))
