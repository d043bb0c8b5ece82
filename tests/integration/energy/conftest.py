"""Fixtures of the energy tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal import i18n


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Service calls outside a request speak English here (the portal's default is Chinese)."""
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)
