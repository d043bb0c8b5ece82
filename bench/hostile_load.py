"""The buyer check API under steady load, alone and while suppliers upload hostile PDFs.

Starts the portal with uvicorn in a subprocess on a free loopback port, against a temporary
SQLite database loaded with `portal demo` (or, with --database-url, an emptied PostgreSQL
database whose name says "bench" or "test"), creates API tokens for the demo buyer and a demo
supplier, then:

  1. probes the check API's capacity (closed loop, a few seconds);
  2. "alone":     holds an open-loop load of POST /api/v1/checks at a fixed rate (default:
                  half the probed capacity) for --duration seconds;
  3. "disturbed": the same load while --disturbers clients upload hostile PDFs to
                  POST /api/v1/declarations as the supplier, one after another: slow PDFs
                  (parsed until the reader's time bound), decompression bombs, a file that
                  needs more memory than the reader's bound, an encrypted PDF, and files over
                  the size limit sent with Content-Length and chunked without it;
  4. "after":     the load alone again, to show the portal recovers.

It prints throughput and p50/p99 latency per phase, how the uploads were answered, whether
anything of them was stored, and the machine. Loopback only; bounded in time (about
3 × duration + 10 s).

    .venv/bin/python bench/hostile_load.py
    .venv/bin/python bench/hostile_load.py --duration 10 --disturbers 6
    .venv/bin/python bench/hostile_load.py --database-url postgresql://postgres@127.0.0.1:5432/portal_bench_f
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "integration" / "hardening"))

import pdf_factory  # noqa: E402
from hardening_helpers import multipart  # noqa: E402
from loadgen import LoadResult, closed_loop, http_request, open_loop  # noqa: E402
from machine import describe  # noqa: E402
from server import HOST, free_port, portal_server  # noqa: E402

BUYER = "buyer@demo.portal"
SUPPLIER = "smelter@demo.portal"  # YNSD
CHECKS = [
    ("YNSD", "al_primary_ingot", "alloy"),
    ("SXML", "al_primary_ingot", "alloy"),
    ("JCHY", "al_recycled_ingot", "alloy"),
    ("XJGY", "silicon_metal", "alloy"),
    ("FGMG", "magnesium", "alloy"),
    ("YNSD", "al_billet", "extrusion"),
]


def portal_command(*args: str) -> list[str]:
    """The `portal` command of this virtual environment."""
    return [sys.executable, "-c", "from portal.cli import app; app()", *args]


def prepare(env: dict[str, str]) -> tuple[str, str]:
    """Migrate, load the demo data; API tokens of the demo buyer and supplier."""
    for command in (("db", "upgrade"), ("demo",)):
        subprocess.run(portal_command(*command), env=env, cwd=ROOT, check=True, capture_output=True)
    tokens = []
    for email in (BUYER, SUPPLIER):
        created = subprocess.run(
            portal_command("tokens", "create", email, "hostile-load"),
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        tokens.append(created.stdout.strip().splitlines()[0])
    return tokens[0], tokens[1]


def empty_postgres(url: str) -> None:
    """Drop everything in the bench database, so the demo data is loaded fresh."""
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database or ""
    if "bench" not in name and "test" not in name:
        raise SystemExit(f"refusing to empty {name!r}: its name says neither 'bench' nor 'test'")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def stored_declarations(url: str) -> int:
    """How many declarations the database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM declaration")).one()[0])
    engine.dispose()
    return count


def check_requests(token: str, port: int) -> Callable[[int], bytes]:
    """Buyer checks over the demo suppliers' materials, cycling."""
    host = f"{HOST}:{port}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    made = []
    for number in range(len(CHECKS) * 7):
        supplier, material, line = CHECKS[number % len(CHECKS)]
        body = {
            "supplier": supplier,
            "material": material,
            "quantity_t": f"{5 + number % 7}.5",
            "product_line": line,
        }
        made.append(
            http_request("POST", "/api/v1/checks", host, json.dumps(body).encode(), headers)
        )
    return lambda number: made[number % len(made)]


# --- the disturbance: suppliers uploading hostile PDFs ---------------------------------------


@dataclass(frozen=True)
class Hostile:
    """One kind of hostile upload: the request's bytes, sent whole or chunked."""

    name: str
    head: bytes
    body: bytes
    chunked: bool = False


@dataclass
class Uploads:
    """How the hostile uploads were answered, per kind."""

    latencies_s: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    errors: int = 0

    def note(self, name: str, status: int, seconds: float) -> None:
        """Record one answer."""
        self.latencies_s.setdefault(name, []).append(seconds)
        counts = self.statuses.setdefault(name, {})
        counts[status] = counts.get(status, 0) + 1

    def lines(self) -> list[str]:
        """One printable line per kind."""
        return [
            f"    {name:<28} {len(times):4d} uploads  median {statistics.median(times):6.2f} s  "
            f"max {max(times):6.2f} s  answers {dict(sorted(self.statuses[name].items()))}"
            for name, times in sorted(self.latencies_s.items())
        ]


KINDS = ("slow", "bomb", "memory", "encrypted", "chunked", "declared")


def hostile_uploads(
    token: str, port: int, max_upload_mb: int, kinds: tuple[str, ...] = KINDS
) -> list[Hostile]:
    """The uploads the disturbing suppliers cycle through (KINDS), then a good one to warm up."""
    fields = {
        "declaration": json.dumps(
            {
                "material_code": "al_primary_ingot",
                "product_name": "A00 ingot",
                "declared_unit_of_measurement": "tonne",
                "declared_unit_amount": "1",
                "pcf_excluding_biogenic": "4200",
                "boundary": "cradle-to-gate",
                "reference_period_start": "2024-01-01",
                "reference_period_end": "2024-12-31",
            }
        )
    }
    over = pdf_factory.oversized_pdf((max_upload_mb + 1) << 20)
    files = {
        "slow": ("slow PDF (parsed to the bound)", pdf_factory.slow_pdf(), False),
        "bomb": ("decompression bomb", pdf_factory.flate_bomb_pdf(), False),
        "memory": ("needs > memory bound", pdf_factory.many_bombs_pdf(pages=48), False),
        "encrypted": ("encrypted", pdf_factory.encrypted_pdf(), False),
        "chunked": ("over the size limit, chunked", over, True),
        "declared": ("over the size limit, declared", over, False),
    }
    chosen = [files[kind] for kind in kinds]
    good = pdf_factory.english_declaration()
    made = []
    for name, data, chunked in [*chosen, ("warm-up: a good declaration", good, False)]:
        content_type, body = multipart(
            fields, {"declaration_pdf": ("declaration.pdf", data, "application/pdf")}
        )
        lines = [
            "POST /api/v1/declarations HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Connection: close",
            f"Authorization: Bearer {token}",
            f"Content-Type: {content_type}",
            "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}",
        ]
        made.append(Hostile(name, ("\r\n".join(lines) + "\r\n\r\n").encode(), body, chunked))
    return made


async def _status_of(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1])


PIECE = 64 * 1024


async def _upload(port: int, hostile: Hostile, mbit_per_s: float = 0) -> int:
    """Send one upload (at most MBIT_PER_S, as over a supplier's link; 0: as fast as possible)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(hostile.head)
        started = time.perf_counter()
        sent = 0
        for start in range(0, len(hostile.body), PIECE):
            piece = hostile.body[start : start + PIECE]
            writer.write(b"%x\r\n" % len(piece) + piece + b"\r\n" if hostile.chunked else piece)
            sent += len(piece)
            try:
                await writer.drain()
            except ConnectionError:
                break  # refused before the whole body was sent: the answer is there to read
            if mbit_per_s:
                ahead = sent * 8 / (mbit_per_s * 1e6) - (time.perf_counter() - started)
                if ahead > 0:
                    await asyncio.sleep(ahead)
        if hostile.chunked:
            writer.write(b"0\r\n\r\n")
        with suppress(ConnectionError):
            await writer.drain()
        return await _status_of(reader)
    finally:
        writer.close()


async def disturb(
    port: int,
    uploads: list[Hostile],
    clients: int,
    until: float,
    result: Uploads,
    mbit_per_s: float,
) -> None:
    """CLIENTS suppliers, each uploading the next hostile file as soon as the last answered."""

    async def supplier(offset: int) -> None:
        number = offset
        while time.perf_counter() < until:
            hostile = uploads[number % (len(uploads) - 1)]  # all but the good one
            number += 1
            started = time.perf_counter()
            try:
                status = await _upload(port, hostile, mbit_per_s)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                continue
            result.note(hostile.name, status, time.perf_counter() - started)

    await asyncio.gather(*(supplier(offset) for offset in range(clients)))


# --- the run ---------------------------------------------------------------------------------


async def measure(
    port: int, check: Callable[[int], bytes], uploads: list[Hostile], args: argparse.Namespace
) -> tuple[LoadResult, float, list[LoadResult], Uploads]:
    """Probe, then alone / disturbed / after at one fixed rate."""
    await closed_loop("warm-up", HOST, port, check, concurrency=4, duration_s=1.0)
    # A good declaration starts the PDF reader's workers, as a running portal has them.
    if (status := await _upload(port, uploads[-1])) != 201:
        raise RuntimeError(f"the warm-up declaration was answered {status}")
    probe = await closed_loop(
        f"capacity probe, closed loop x{args.probe_concurrency}",
        HOST,
        port,
        check,
        concurrency=args.probe_concurrency,
        duration_s=args.probe_s,
    )
    rate = args.rate or max(1.0, round(probe.rps * args.load_share))

    async def steady(label: str) -> LoadResult:
        return await open_loop(
            label,
            HOST,
            port,
            check,
            rate_per_s=rate,
            max_in_flight=args.max_in_flight,
            duration_s=args.duration,
        )

    alone = await steady("checks alone")
    disturbed_uploads = Uploads()
    until = time.perf_counter() + args.duration
    disturbed, _ = await asyncio.gather(
        steady(f"checks + {args.disturbers} hostile uploaders"),
        disturb(port, uploads, args.disturbers, until, disturbed_uploads, args.upload_mbit),
    )
    after = await steady("checks alone again (after)")
    return probe, rate, [alone, disturbed, after], disturbed_uploads


def main() -> None:
    """Set up, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (default: temporary SQLite)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--rate", type=float, help="checks/s (default: share of the probe)")
    parser.add_argument("--load-share", type=float, default=0.5, help="share of the capacity")
    parser.add_argument("--disturbers", type=int, default=4, help="hostile uploading clients")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"hostile uploads sent (of {','.join(KINDS)})"
    )
    parser.add_argument(
        "--upload-mbit",
        type=float,
        default=100.0,
        help="each uploader's link in Mbit/s (0: unthrottled loopback)",
    )
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--probe-s", type=float, default=5.0)
    parser.add_argument("--probe-concurrency", type=int, default=8)
    parser.add_argument("--max-upload-mb", type=int, default=20, help="PORTAL_MAX_UPLOAD_MB")
    parser.add_argument("--pdf-timeout-s", type=float, default=10.0, help="PORTAL_PDF_TIMEOUT_S")
    parser.add_argument("--pdf-memory-mb", type=int, default=512, help="PORTAL_PDF_MEMORY_MB")
    parser.add_argument("--pdf-workers", type=int, default=2, help="PORTAL_PDF_WORKERS")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hostile-load-") as scratch:
        url = args.database_url or f"sqlite:///{scratch}/portal.db"
        if args.database_url:
            empty_postgres(url)
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "PORTAL_DATABASE_URL": url,
            "PORTAL_DATA_DIR": f"{scratch}/files",
            "PORTAL_MAX_UPLOAD_MB": str(args.max_upload_mb),
            "PORTAL_PDF_TIMEOUT_S": str(args.pdf_timeout_s),
            "PORTAL_PDF_MEMORY_MB": str(args.pdf_memory_mb),
            "PORTAL_PDF_WORKERS": str(args.pdf_workers),
        }
        buyer_token, supplier_token = prepare(env)
        port = free_port()
        kinds = tuple(kind.strip() for kind in args.kinds.split(",") if kind.strip())
        uploads = hostile_uploads(supplier_token, port, args.max_upload_mb, kinds)
        with portal_server(env, port, log_level="error"):
            declarations_before = stored_declarations(url) + 1  # the warm-up upload
            probe, rate, phases, answered = asyncio.run(
                measure(port, check_requests(buyer_token, port), uploads, args)
            )
        stored_after = stored_declarations(url) - declarations_before

    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"machine: {describe()}")
    print(
        f"portal: uvicorn, 1 process, {backend}, demo data; PDF reader {args.pdf_workers} "
        f"workers, {args.pdf_timeout_s:g} s / {args.pdf_memory_mb} MiB per file, uploads "
        f"<= {args.max_upload_mb} MB; load generator in this process, same cores, loopback"
    )
    print("  " + probe.line())
    print(
        f"steady load: POST /api/v1/checks, open loop at {rate:g}/s "
        f"(<= {args.max_in_flight} in flight), {args.duration:g} s per phase"
    )
    for phase in phases:
        print("  " + phase.line())
    link = f"{args.upload_mbit:g} Mbit/s each" if args.upload_mbit else "unthrottled"
    print(f"  hostile uploads during the disturbed phase ({args.disturbers} clients, {link}):")
    print("\n".join(answered.lines()) or "    none answered")
    if answered.errors:
        print(f"    connection errors: {answered.errors}")
    print(f"  declarations stored from the hostile uploads: {stored_after}")


if __name__ == "__main__":
    main()
