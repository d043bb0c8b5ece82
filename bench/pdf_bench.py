"""PDF reading: pages per second of the bounded reader against plain in-process pypdf.

Run: .venv/bin/python bench/pdf_bench.py [--files N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader as PlainPdfReader

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import Figure
from machine import describe
from pdf_factory import Declared, english_declaration

from portal.pdfreading import PdfReader

PAGES_PER_FILE = 10
TARGET_RATIO = 1.5


def plain_pypdf(data: bytes) -> int:
    """Extract every page's text with pypdf in this process (the floor)."""
    reader = PlainPdfReader(BytesIO(data))
    for page in reader.pages:
        page.extract_text()
    return len(reader.pages)


def best_pages_per_s(read: Callable[[bytes], int], files: list[bytes], rounds: int) -> float:
    """Pages per second of the fastest of ROUNDS passes over FILES (one file at a time)."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        pages = sum(read(data) for data in files)
        best = max(best, pages / (time.perf_counter() - started))
    return best


def run(file_count: int = 20, rounds: int = 3) -> list[Figure]:
    """Measure, print the details, return the figures for the summary."""
    files = [
        english_declaration(Declared(pcf=f"{4 + index / 10:.1f}"), pages=PAGES_PER_FILE)
        for index in range(file_count)
    ]
    with PdfReader(workers=1) as reader:
        reader.start()
        reader.read(files[0])  # warm the worker, as a running portal's would be
        portal_rate = best_pages_per_s(lambda data: reader.read(data).page_count, files, rounds)
    plain_rate = best_pages_per_s(plain_pypdf, files, rounds)
    ratio = plain_rate / portal_rate
    print(
        f"\nPDF reading, {file_count} generated {PAGES_PER_FILE}-page declarations, one at a time"
    )
    print(f"  plain pypdf extract_text, in process : {plain_rate:8.1f} pages/s (floor)")
    print(f"  portal bounded reader (worker)       : {portal_rate:8.1f} pages/s")
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(
        f"  time ratio portal/floor              : {ratio:8.2f}x "
        f"({verdict} target <= {TARGET_RATIO}x)"
    )
    return [
        Figure("PDF reading", "plain pypdf extract_text, in process (floor)",
               f"{plain_rate:,.0f} pages/s", "1.00× floor", "floor", None),
        Figure("PDF reading", f"portal bounded reader, {PAGES_PER_FILE}-page declarations",
               f"{portal_rate:,.0f} pages/s", f"{ratio:.2f}× floor's time",
               f"≤ {TARGET_RATIO}× floor's time", ratio <= TARGET_RATIO),
    ]  # fmt: skip


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=20, help="generated 10-page declarations")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    run(args.files, args.rounds)


if __name__ == "__main__":
    main()
