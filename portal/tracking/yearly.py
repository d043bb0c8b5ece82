"""The yearly report as the API and `portal report` give it: Scope 3.1, Scope 1+2, logistics."""

from __future__ import annotations

from sqlmodel import Session

from portal.catalog import get_targets
from portal.logistics.tracking import report as logistics_report
from portal.tracking import service
from portal.tracking.schemas import YearReport, year_report


def full_year_report(db: Session, year: int) -> YearReport:
    """YEAR's report against the plan, with transport and packaging reported beside Scope 3.1."""
    found = year_report(service.year_figures(db, year=year), get_targets())
    found.logistics = logistics_report(db, year)
    return found
