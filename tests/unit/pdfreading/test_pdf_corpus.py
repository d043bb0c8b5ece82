"""The generated corpus: every document's footprint is the one the reader chooses."""

from __future__ import annotations

from decimal import Decimal

import pdf_corpus
import pytest

from portal.pdfreading import ReadingLimits
from portal.pdfreading.extraction import read_pdf

# In process there is no worker to stop: a long limit keeps OCR (given 70 % of it) from
# giving up on a machine the test run shares.
LIMITS = ReadingLimits(timeout_s=60)


def _chosen(doc: pdf_corpus.Doc) -> Decimal | None:
    reading = read_pdf(doc.pdf(), LIMITS)
    return None if reading.footprint is None else reading.footprint.t_per_t


def _right(doc: pdf_corpus.Doc, chosen: Decimal | None) -> bool:
    if chosen is None:
        return False
    return abs(chosen - doc.expected_t_per_t) <= doc.expected_t_per_t * Decimal("0.000001")


def test_the_corpus_is_large_and_its_layouts_distinct() -> None:
    docs = pdf_corpus.corpus()
    assert len(docs) >= 40
    assert len({doc.name for doc in docs}) == len(docs)
    assert len({doc.pdf() for doc in docs}) == len(docs)


def test_every_footprint_in_the_corpus_is_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    docs = pdf_corpus.corpus()
    wrong = []
    for doc in docs:
        chosen = _chosen(doc)
        if not _right(doc, chosen):
            wrong.append(f"{doc.name}: expected {doc.expected_t_per_t}, chose {chosen}")
    with capsys.disabled():
        print(f"\ncorpus: {len(docs) - len(wrong)}/{len(docs)} footprints chosen right")
    assert wrong == []
