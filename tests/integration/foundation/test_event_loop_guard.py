"""The suite's guard sees database work on a serving event loop, and only there."""

from __future__ import annotations

import loop_guard
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from portal.config import Settings
from portal.db import DbSession


def test_a_statement_in_an_async_route_is_reported_and_one_in_a_plain_route_is_not(
    settings: Settings, session: Session
) -> None:
    app = FastAPI()

    @app.get("/on-the-loop")
    async def on_the_loop(db: DbSession) -> dict[str, int]:
        return {"one": db.execute(text("SELECT 1")).scalar_one()}

    @app.get("/in-the-pool")
    def in_the_pool(db: DbSession) -> dict[str, int]:
        return {"one": db.execute(text("SELECT 1")).scalar_one()}

    with TestClient(app) as client:
        assert client.get("/in-the-pool").json() == {"one": 1}
        assert loop_guard.violations == []
        session.execute(text("SELECT 1"))  # the test's own thread runs no loop: not reported
        assert loop_guard.violations == []
        assert client.get("/on-the-loop").json() == {"one": 1}
    found = list(loop_guard.violations)
    loop_guard.violations.clear()  # seen on purpose: the guard must not fail this test
    assert "statement on the event loop: SELECT 1" in found
    assert "database connection taken on the event loop" in found
