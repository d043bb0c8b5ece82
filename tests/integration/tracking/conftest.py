"""Fixtures of the tracking tests."""

from __future__ import annotations

import pytest
from sqlmodel import Session
from tracking_golden import Golden, build_golden


@pytest.fixture
def golden(session: Session) -> Golden:
    """The hand-worked data set (see tracking_golden.py)."""
    return build_golden(session)
