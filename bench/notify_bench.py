"""The notification drain: emails per second through a real local SMTP server, against a floor.

- enqueue: one event owed to N users, in one transaction (what a request pays);
- floor: plain smtplib, one connection per message, the same N messages (what sending costs);
- drain: `run_once` claiming, sending and recording the same N (what the outbox adds).

  .venv/bin/python bench/notify_bench.py                 # SQLite in a temporary folder, N=200
  .venv/bin/python bench/notify_bench.py --users 500 --database-url postgresql://…/NAME_bench
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent / "tests"))

from machine import describe  # noqa: E402
from smtp_inbox import mail_server  # noqa: E402


def prepare(url: str, users: int) -> None:
    """An empty, migrated database with USERS ESG users."""
    from sqlalchemy import text
    from sqlmodel import Session

    from portal import migrations
    from portal.accounts.models import User
    from portal.db import make_engine

    if url.startswith("postgresql"):
        assert "bench" in url or "test" in url, "the database must be named *bench* or *test*"
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrations.upgrade(url)
    engine = make_engine(url, sqlite_lock_on_begin=False)
    with Session(engine) as session:
        for n in range(users):
            session.add(User(email=f"esg{n}@bench.example", role="esg"))
        session.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="notify-bench-")
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    with mail_server() as (server, port):
        os.environ.update(
            PORTAL_ENV="test",
            PORTAL_DATABASE_URL=url,
            PORTAL_SMTP_HOST="127.0.0.1",
            PORTAL_SMTP_PORT=str(port),
            PORTAL_SMTP_STARTTLS="false",
        )
        prepare(url, args.users)
        from sqlmodel import Session

        from portal.accounts.models import Role
        from portal.db import get_engine
        from portal.notifications import outbox
        from portal.notifications.service import active_users, enqueue

        engine = get_engine()
        began = time.perf_counter()
        with Session(engine) as db, db.begin():
            enqueue(
                db,
                kind="bench",
                event_key="bench:1",
                users=active_users(db, Role.ESG),
                compose=lambda: ("Bench subject", "Bench body"),
                link="/review/1",
            )
        enqueue_s = time.perf_counter() - began

        began = time.perf_counter()
        for n in range(args.users):
            message = EmailMessage()
            message["Subject"], message["To"], message["From"] = "Floor", f"f{n}@b.x", "p@b.x"
            message.set_content("Floor body")
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.send_message(message)
        floor_s = time.perf_counter() - began

        began = time.perf_counter()
        report = outbox.run_once(engine, sweep=False)
        drain_s = time.perf_counter() - began
        sent = report.states.get("sent", 0)
        assert sent == args.users and len(server.messages) == 2 * args.users, report.states
    floor_rate, drain_rate = args.users / floor_s, args.users / drain_s
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(describe())
    print(f"notifications, {backend}, {args.users} recipients of one event")
    print(f"  enqueue in one transaction    {enqueue_s * 1000:8.1f} ms")
    print(f"  floor: smtplib, 1 conn/msg    {floor_rate:8.1f} emails/s")
    print(
        f"  drain: claim, send, record    {drain_rate:8.1f} emails/s  "
        f"({drain_rate / floor_rate:.2f}× floor)"
    )


if __name__ == "__main__":
    main()
