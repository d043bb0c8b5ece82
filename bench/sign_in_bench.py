"""Parallel sign-ins from one address: what the throttle costs people behind one office address.

Starts the portal with uvicorn on a fresh database, then
  - 20 different users sign in at once from one address (an office behind one NAT): wall
    time and each answer's latency; their passwords are checked side by side, since the
    throttle's row locks are held only while counting, not during the Argon2 check;
  - 40 wrong guesses at one account at once from one address: how many passwords were
    checked (the allowance is 5) and how long the burst took.

    .venv/bin/python bench/sign_in_bench.py                    # SQLite in a temporary folder
    .venv/bin/python bench/sign_in_bench.py --database-url postgresql://postgres@127.0.0.1:5432/NAME
      (the database is emptied first)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from server import HOST, free_port, portal_server  # noqa: E402

USERS = 20
GUESSES = 40
PASSWORD = "bench-password-2026"  # noqa: S105 - the generated users' password
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def prepare(url: str) -> None:
    """An empty, migrated database with USERS buyers sharing one password."""
    from sqlalchemy import text
    from sqlmodel import Session

    from portal import migrations
    from portal.accounts.models import User
    from portal.db import make_engine
    from portal.security import hash_password

    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrations.upgrade(url)
    engine = make_engine(url, sqlite_lock_on_begin=False)
    password_hash = hash_password(PASSWORD)
    with Session(engine) as session:
        for n in range(USERS):
            session.add(
                User(email=f"buyer{n}@bench.example", role="buyer", password_hash=password_hash)
            )
        session.commit()
    engine.dispose()


def at_once(count: int, work: Any) -> list[Any]:
    """WORK(0..COUNT-1) in COUNT threads released together."""
    start = threading.Barrier(count)

    def run(n: int) -> Any:
        start.wait(30)
        return work(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def sign_in_burst(
    base: str, emails: list[str], passwords: list[str]
) -> tuple[list[int], list[float], float]:
    """Everyone posts the sign-in form at once; statuses, latencies (s) and wall time (s)."""
    clients = [httpx.Client(base_url=base, timeout=120) for _ in emails]
    tokens = []
    for client in clients:
        match = CSRF.search(client.get("/login").text)
        assert match
        tokens.append(match.group(1))

    def post(n: int) -> tuple[int, float]:
        started = time.perf_counter()
        data = {"email": emails[n], "password": passwords[n], "csrf_token": tokens[n]}
        answer = clients[n].post("/login", data=data, follow_redirects=False)
        return answer.status_code, time.perf_counter() - started

    began = time.perf_counter()
    results = at_once(len(emails), post)
    wall = time.perf_counter() - began
    for client in clients:
        client.close()
    return [status for status, _ in results], [latency for _, latency in results], wall


def checked_guesses(url: str) -> int:
    """How many sign-ins had their password checked (audit entries)."""
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(url, sqlite_lock_on_begin=False)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'auth.sign_in_failed'")
        ).scalar_one()
    engine.dispose()
    return int(count)


def _others(statuses: list[int], expected: int) -> str:
    other = sorted(status for status in statuses if status != expected)
    return f"(others: {other})" if other else ""


def argon2_ms() -> float:
    """One Argon2 check on this machine, now."""
    from portal.security import hash_password, verify_password

    stored = hash_password(PASSWORD)
    began = time.perf_counter()
    for _ in range(5):
        verify_password(stored, "wrong")
    return (time.perf_counter() - began) / 5 * 1000


def main() -> None:
    """Run both bursts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/portal.db"
        prepare(url)
        port = free_port()
        base = f"http://{HOST}:{port}"
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "PORTAL_DATABASE_URL": url,
            "PORTAL_DATA_DIR": f"{folder}/files",
            "PORTAL_BASE_URL": base,
        }
        single = argon2_ms()
        with portal_server(env, port):
            emails = [f"buyer{n}@bench.example" for n in range(USERS)]
            statuses, latencies, wall = sign_in_burst(base, emails, [PASSWORD] * USERS)
            print(f"database: {url.split(':', 1)[0]}; one Argon2 check alone: {single:.0f} ms")
            print(
                f"{USERS} users signing in at once from one address: "
                f"{statuses.count(303)} signed in {_others(statuses, 303)}, wall {wall:.2f} s, "
                f"median {statistics.median(latencies) * 1000:.0f} ms, "
                f"slowest {max(latencies) * 1000:.0f} ms "
                f"(one after another would take >= {USERS * single / 1000:.2f} s)"
            )
            guesses = [f"wrong-{n:03d}" for n in range(GUESSES)]
            statuses, latencies, wall = sign_in_burst(base, [emails[0]] * GUESSES, guesses)
            print(
                f"{GUESSES} wrong guesses at one account at once from one address: "
                f"{checked_guesses(url)} passwords checked (allowance 5), "
                f"{statuses.count(401)} refused {_others(statuses, 401)}, wall {wall:.2f} s"
            )


if __name__ == "__main__":
    main()
