"""Which characters typed text may hold: no NUL or other control character, line breaks only
in multi-line fields (pure).

A field is multi-line when it is declared so where it is declared: `MULTILINE` in a pydantic
`Field(...)` or FastAPI `Form(...)` (it also shows as `x-multiline` in the OpenAPI schema), or,
for a form read by hand, in the `multiline_fields` its reader names (see portal.inputs_guard).
"""

from __future__ import annotations

import re
from typing import Any

from portal.i18n import _

MULTILINE: dict[str, Any] = {"x-multiline": True}
LINE_CHARACTERS = "\t\n\r"
# C0 controls and DEL. Tab, line feed and carriage return are told apart: a multi-line field
# may hold them, a single-line one may not. An unpaired surrogate (JSON can escape one) is no
# character at all: neither database nor any export can store it.
_CONTROL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def is_multiline(json_schema_extra: object) -> bool:
    """Whether a field declared with this `json_schema_extra` is multi-line."""
    return isinstance(json_schema_extra, dict) and json_schema_extra.get("x-multiline") is True


def code_point(character: str) -> str:
    """U+0001 for "\\x01": how the character is named to the user."""
    return f"U+{ord(character):04X}"


def visible(text: str) -> str:
    """TEXT with its control characters written as [U+0000] (to name a field safely)."""
    return _CONTROL.sub(lambda match: f"[{code_point(match[0])}]", text)


def problem(text: str, *, multiline: bool) -> str | None:
    """What is wrong with TEXT's characters, in the user's language; None when nothing is."""
    found = (_CONTROL_BUT_LINES if multiline else _CONTROL).search(text)
    if found is None:
        return None
    character = found[0]
    if character == "\x00":
        return _("This value must not contain a NUL character.")
    if character in LINE_CHARACTERS:
        return _("This field is a single line: remove the line breaks and tabs.")
    if "\ud800" <= character <= "\udfff":
        return _("This text holds a broken character (%(character)s): type it again.") % {
            "character": code_point(character)
        }
    return _("Remove the control character %(character)s from this field.") % {
        "character": code_point(character)
    }
