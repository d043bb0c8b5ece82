"""Hostile spreadsheets against a served portal: time to refuse each, and how fast /healthz
and the ERP's POST /api/v1/checks answer meanwhile.

Starts the portal with uvicorn in a subprocess on a free loopback port, against a temporary
SQLite database loaded with `portal demo` (or, with --database-url, an emptied PostgreSQL
database whose name says "bench" or "test"), signs the demo buyer in, then uploads each file
of the hostile corpus (tests/spreadsheet_factory.py) to POST /purchases/import while another
thread asks /healthz and POST /api/v1/checks in turn, one request at a time. Last, an honest
20,000-line workbook for comparison. Prints, per file: the answer, seconds to it, and the
probes' median and worst latency during it.

    .venv/bin/python bench/import_hostile.py
    .venv/bin/python bench/import_hostile.py --database-url postgresql://postgres@127.0.0.1:5432/portal_bench_x
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "hardening"))

import spreadsheet_factory as factory  # noqa: E402
from hardening_helpers import multipart  # noqa: E402
from hostile_load import BUYER, empty_postgres, prepare  # noqa: E402
from machine import describe  # noqa: E402
from server import HOST, free_port, portal_server  # noqa: E402

FILES: list[tuple[str, Callable[[], bytes]]] = [
    ("190 MiB of empty rows (issue)", factory.empty_rows_xlsx),
    ("1,000,000 empty rows", factory.many_empty_rows_xlsx),
    ("shared-string bomb (issue)", factory.shared_string_bomb_xlsx),
    ("one string of 90 M characters", factory.one_long_string_xlsx),
    ("zip of 150,000 entries (issue)", factory.many_entries_zip),
    ("zip understating its entries", factory.understated_entries_zip),
    ("1,500,000 empty cells", factory.many_cells_xlsx),
    ("4,500,000 other elements", factory.element_flood_xlsx),
    ("20,001 lines of 40 columns", factory.too_many_lines_xlsx),
    ("CSV of 2,000,000 blank lines", factory.blank_lines_csv),
    ("honest 20,000 lines", lambda: factory.honest_xlsx(20_000, "approved by ESG")),
]


def web_session(env: dict[str, str]) -> tuple[str, str]:
    """A signed-in session of the demo buyer (cookie value) and its CSRF token."""
    os.environ.update(env)
    from sqlmodel import Session, select

    from portal.accounts.models import User, WebSession
    from portal.config import get_settings
    from portal.db import get_engine
    from portal.security import csrf_token_for, sha256_hex, start_session

    with Session(get_engine()) as session:
        user = session.exec(select(User).where(User.email == BUYER)).one()
        session_id = start_session(session, user)
        session.commit()
        stored = session.get(WebSession, sha256_hex(session_id))
        assert stored is not None
        token = csrf_token_for(stored.csrf_secret, get_settings())
    get_engine().dispose()
    return session_id, token


class Probes:
    """Asks /healthz and POST /api/v1/checks in turn until stopped, timing each answer."""

    def __init__(self, port: int, api_token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"}
        self.body = json.dumps({"supplier": "YNSD", "material": "al_primary_ingot",
                                "quantity_t": "5", "product_line": "alloy"})  # fmt: skip
        self.health: list[float] = []
        self.checks: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _ask(self, method: str, path: str, body: str | None, into: list[float]) -> None:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=self.headers if body else {})
            answer = connection.getresponse()
            answer.read()
            if answer.status != 200:
                self.failures += 1
        except OSError:
            self.failures += 1
        finally:
            connection.close()
        into.append(time.perf_counter() - started)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._ask("GET", "/healthz", None, self.health)
            self._ask("POST", "/api/v1/checks", self.body, self.checks)
            time.sleep(0.01)

    def __enter__(self) -> Probes:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)


def upload(port: int, cookie: str, token: str, name: str, data: bytes) -> tuple[int, str, float]:
    """Status, the error shown (or where it went) and seconds to the answer."""
    content_type, body = multipart(
        {"csrf_token": token}, {"file": (name, data, "application/octet-stream")}
    )
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    started = time.perf_counter()
    connection.request(
        "POST",
        "/purchases/import",
        body=body,
        headers={
            "Content-Type": content_type,
            "Cookie": f"portal_session={cookie}",
            "Accept-Language": "en",
        },
    )
    answer = connection.getresponse()
    text = answer.read().decode("utf-8", "replace")
    seconds = time.perf_counter() - started
    connection.close()
    found = re.search(r'id="error-file">(.*?)</p>', text, re.S)
    shown = found.group(1).strip() if found else answer.getheader("location", "")
    return answer.status, shown, seconds


def check_batches(port: int, cookie: str, token: str, location: str) -> list[float]:
    """Seconds of each POST LOCATION/check until the import is checked (the page's steps)."""
    seconds = []
    for _step in range(10):
        connection = http.client.HTTPConnection(HOST, port, timeout=300)
        started = time.perf_counter()
        connection.request(
            "POST",
            location + "/check",
            body=f"csrf_token={token}",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"portal_session={cookie}",
                "HX-Request": "true",
            },
        )
        answer = connection.getresponse()
        answer.read()
        seconds.append(time.perf_counter() - started)
        connection.close()
        if answer.getheader("HX-Redirect"):  # checked to the end
            break
    return seconds


def rss_mib(pid: int) -> float:
    """Resident memory of process PID, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def database_mib(url: str) -> float:
    """Size of the database, in MiB (SQLite file with its write-ahead log, or PostgreSQL's)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).one()[0]
    engine.dispose()
    return int(size) / 2**20


def _ms(values: list[float]) -> str:
    if not values:
        return "   none"
    return f"{statistics.median(values) * 1000:5.1f} / {max(values) * 1000:6.1f} ms"


def main() -> None:
    """Set up, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (default: temporary SQLite)")
    args = parser.parse_args()
    files = [(label, make()) for label, make in FILES]
    rows = []
    with tempfile.TemporaryDirectory(prefix="import-hostile-") as scratch:
        url = args.database_url or f"sqlite:///{scratch}/portal.db"
        if args.database_url:
            empty_postgres(url)
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "PORTAL_DATABASE_URL": url,
            "PORTAL_DATA_DIR": f"{scratch}/files",
        }
        api_token, _supplier_token = prepare(env)
        cookie, csrf = web_session(env)
        port = free_port()
        with portal_server(env, port, log_level="error") as server:
            upload(port, cookie, csrf, "warm.xlsx", factory.honest_xlsx(3))  # workers start
            with Probes(port, api_token):  # the check API's first answers load its caches
                time.sleep(1)
            start = f"server {rss_mib(server.pid):.0f} MiB, database {database_mib(url):.0f} MiB"
            for label, data in files:
                name = "erp.csv" if label.startswith("CSV") else "erp.xlsx"
                with Probes(port, api_token) as probes:
                    status, shown, seconds = upload(port, cookie, csrf, name, data)
                    time.sleep(0.05)
                memory = (
                    f"server {rss_mib(server.pid):.0f} MiB, database {database_mib(url):.0f} MiB"
                )
                rows.append((label, len(data), status, seconds, probes, shown, memory))
            batches = check_batches(port, cookie, csrf, rows[-1][5])
            checked = f"server {rss_mib(server.pid):.0f} MiB, database {database_mib(url):.0f} MiB"
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"machine: {describe()}")
    print(f"portal: uvicorn, 1 process, {backend}, demo data, loopback; probes one at a time")
    print(f"at start: {start}")
    print(f"{'file':<32} {'size':>9} {'answer':>6} {'seconds':>8}   /healthz p50 / max"
          f"   /api/v1/checks p50 / max   failed")  # fmt: skip
    for label, size, status, seconds, probes, shown, memory in rows:
        print(
            f"{label:<32} {size / 2**20:6.2f} MiB {status:>6} {seconds:8.2f}   "
            f"{_ms(probes.health)}   {_ms(probes.checks)}          {probes.failures}"
        )
        cut = shown if len(shown) <= 100 else shown[:99] + "…"
        print(f"{'':<32} {cut}")
        print(f"{'':<32} after it: {memory}")
    print(
        f"the honest file's {len(batches)} check batches: "
        + ", ".join(f"{seconds:.2f} s" for seconds in batches)
        + f"; after them: {checked}"
    )


if __name__ == "__main__":
    main()
