"""Turning a stored declaration back into the facts the rules engine judges."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from portal.checking import DeclarationFacts


def facts_of(declaration: Any, attachment_kinds: Iterable[str]) -> DeclarationFacts:
    """The engine's view of a stored DECLARATION with the kinds of evidence attached to it.

    DECLARATION is a Declaration or a database row with the same column names.
    """
    values = {name: getattr(declaration, name) for name in _STORED}
    values["standards"] = tuple(values["standards"])
    return DeclarationFacts(**values, attachments=frozenset(attachment_kinds))


# Every fact is stored in a column of the same name, but the attachments (evidence files).
_STORED = tuple(field.name for field in fields(DeclarationFacts) if field.name != "attachments")
