"""Demo data of this feature (being built)."""

from sqlmodel import Session


def load_demo(db: Session) -> list[str]:
    """Add this feature's demo records that are missing; returns what was added."""
    return []
