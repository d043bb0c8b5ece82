"""What a reset request tells by its timing, and what recording a token's use costs the API.

Starts the portal with uvicorn on a fresh SQLite database, then prints
  - the median answer time of /password/forgot for an address with an account and one
    without (30 requests each, alternating; the mail goes out after the answer): a gap would
    tell who has an account. From one address only 3 links an hour are made for the account
    (and 10 requests an hour from the address), so after those the known address is refused
    too, as a guesser would see it;
  - the median time of GET /api/v1/me with a bearer token (200 requests): "last used" is
    written at most once a minute, so nearly every request only reads.

    .venv/bin/python bench/account_bench.py
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from server import HOST, free_port, portal_server  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ROUNDS = 30
API_CALLS = 200


def prepare(url: str) -> str:
    """A migrated database with one buyer who has a password and an API token; the token."""
    from sqlmodel import Session

    from portal import migrations
    from portal.accounts.models import User
    from portal.db import make_engine
    from portal.security import create_api_token, hash_password

    migrations.upgrade(url)
    engine = make_engine(url, sqlite_lock_on_begin=False)
    with Session(engine) as session:
        user = User(
            email="buyer@bench.example", role="buyer", password_hash=hash_password("x" * 12)
        )
        session.add(user)
        session.flush()
        _token, plain = create_api_token(session, user, "bench")
        session.commit()
    engine.dispose()
    return plain


def _ms(values: list[float]) -> str:
    p90 = sorted(values)[int(len(values) * 0.9)]
    return f"median {statistics.median(values) * 1000:.1f} ms, p90 {p90 * 1000:.1f} ms"


def main() -> None:
    """Serve, measure, print."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        plain = prepare(url)
        port = free_port()
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "PORTAL_DATABASE_URL": url,
            "PORTAL_DATA_DIR": f"{folder}/files",
            "PORTAL_BASE_URL": f"http://{HOST}:{port}",
        }
        with portal_server(env, port):
            base = f"http://{HOST}:{port}"
            timings: dict[str, list[float]] = {"known": [], "unknown": []}
            with httpx.Client(base_url=base, timeout=30) as client:
                for n in range(ROUNDS):
                    for kind, email in (
                        ("known", "buyer@bench.example"),
                        ("unknown", f"nobody{n}@bench.example"),
                    ):
                        token = CSRF.search(client.get("/password/forgot").text)
                        assert token is not None
                        started = time.perf_counter()
                        answer = client.post(
                            "/password/forgot", data={"email": email, "csrf_token": token[1]}
                        )
                        timings[kind].append(time.perf_counter() - started)
                        assert answer.status_code == 200
            print(f"reset request, address with an account ({ROUNDS}): {_ms(timings['known'])}")
            print(f"reset request, address without one ({ROUNDS}):  {_ms(timings['unknown'])}")
            api: list[float] = []
            headers = {"Authorization": f"Bearer {plain}"}
            with httpx.Client(base_url=base, timeout=30) as client:
                for _ in range(API_CALLS):
                    started = time.perf_counter()
                    assert client.get("/api/v1/me", headers=headers).status_code == 200
                    api.append(time.perf_counter() - started)
            print(f"GET /api/v1/me with a token ({API_CALLS}), last use recorded: {_ms(api)}")


if __name__ == "__main__":
    main()
