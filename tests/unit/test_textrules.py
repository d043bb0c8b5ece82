"""Which characters typed text may hold (portal.textrules), and the parsers that apply it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal import i18n
from portal.procurement import inputs
from portal.textrules import problem, visible


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages in English, as the assertions read them."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)


@pytest.mark.parametrize(
    ("text", "single_line", "multi_line"),
    [
        ("Wenshan 文山 ✓", None, None),
        ("two\nlines\r\nand\ta tab", "single line", None),
        ("nul\x00", "NUL", "NUL"),
        ("bell\x07", "U+0007", "U+0007"),
        ("escape\x1b[31m", "U+001B", "U+001B"),
        ("delete\x7f", "U+007F", "U+007F"),
        ("half \ud83d a pair", "U+D83D", "U+D83D"),
        ("a pair 😀", None, None),
    ],
)
def test_the_rule_tells_single_from_multi_line_fields(
    text: str, single_line: str | None, multi_line: str | None
) -> None:
    for multiline, expected in ((False, single_line), (True, multi_line)):
        found = problem(text, multiline=multiline)
        assert (found is None) == (expected is None), (text, multiline, found)
        if expected is not None:
            assert found is not None and expected in found


def test_a_field_name_is_shown_with_its_control_characters_spelled_out() -> None:
    assert visible("\x00note") == "[U+0000]note"


def test_imported_reasons_may_span_lines_but_hold_no_control_characters() -> None:
    assert inputs.exception_reason("first line\nsecond\tline") == "first line\nsecond\tline"
    with pytest.raises(inputs.BadValue, match="not_printable"):
        inputs.exception_reason("agreed\x01")
    with pytest.raises(inputs.BadValue, match="unknown_supplier"):
        inputs.supplier_code("YN\x00SD")
