"""A database that will not give a request its lock in time: a clear 503, never a 500 or a hang."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from declarations_helpers import World
from hardening_helpers import LimitedClient, bearer, browse_as
from sqlalchemy import text
from sqlmodel import Session, select

from portal import db
from portal.config import Settings
from portal.procurement.models import BuyerCheck

QUESTION = {
    "supplier": "ACME",
    "material": "al_primary_ingot",
    "quantity_t": "5",
    "date": "2026-03-02",
    "product_line": "alloy",
}


@contextmanager
def writer_elsewhere(settings: Settings) -> Iterator[None]:
    """Another process's writer holding the lock every audited change needs."""
    engine = db.make_engine(settings.database_url, sqlite_lock_on_begin=False)
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
            connection.execute(text("SELECT last_hash FROM audit_head FOR UPDATE"))
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def test_a_check_that_cannot_get_the_lock_is_told_to_retry_and_health_still_answers(
    backend: str,
    settings: Settings,
    session: Session,
    world: World,
    limited_client: LimitedClient,
) -> None:
    erp = bearer(session, world.buyer)
    with limited_client(db_lock_timeout_s=0.5) as client:
        token = browse_as(client, session, world.buyer)
        with writer_elsewhere(settings):
            started = time.monotonic()
            answer = client.post("/api/v1/checks", headers=erp, json=QUESTION)
            waited_s = time.monotonic() - started
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "5"
            assert answer.json()["detail"] == (
                "The portal is busy saving other changes. Try again in a few seconds."
            )
            assert waited_s < 5  # the 0.5 s lock wait, not a hang
            assert client.get("/healthz").status_code == 200  # readers are not held up

            page = client.post(
                "/checks",
                data={**QUESTION, "csrf_token": token},
                headers={"Accept-Language": "zh-CN"},
            )
            assert page.status_code == 503
            assert "门户正在保存其他更改，请几秒钟后重试。" in page.text
        # Nothing half-written, and the same check goes through once the writer is done.
        assert session.exec(select(BuyerCheck)).all() == []
        assert client.post("/api/v1/checks", headers=erp, json=QUESTION).status_code == 200
