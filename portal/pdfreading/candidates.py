"""A figure that may be the product's footprint, with the cues that scored it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from portal.pdfreading.units import quantum

# Below this the reading asks a person to choose among the candidates.
CONFIDENT = 0.6


@dataclass(frozen=True)
class Candidate:
    """One CO2e-per-mass figure, scored; the chosen footprint carries a confidence too."""

    value: str  # exact decimal as read ("8.60E+3" keeps its printed precision)
    printed: str  # as the document prints it ("8,60E+03")
    unit: str  # "kgCO2e/t", "gCO2e/kg", "kgCO2e/(100 kg)"
    t_per_t: Decimal
    page: int
    snippet: str
    score: float
    reasons: tuple[str, ...]
    source: str = "text"  # "text" or "ocr"
    confidence: float = 0.0

    @property
    def t_per_t_quantum(self) -> Decimal:
        """One unit in the last printed place, in tCO2e/t."""
        value = Decimal(self.value)
        if value == 0:
            return quantum(value)
        return quantum(value) * abs(self.t_per_t / value)

    def with_confidence(self, confidence: float) -> Candidate:
        """The same candidate as the chosen footprint."""
        return replace(self, confidence=round(confidence, 2))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (decimals as strings)."""
        return {
            "value": self.value,
            "printed": self.printed,
            "unit": self.unit,
            "t_per_t": str(self.t_per_t),
            "page": self.page,
            "snippet": self.snippet,
            "score": self.score,
            "reasons": list(self.reasons),
            "source": self.source,
            "confidence": self.confidence,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Candidate:
        """Inverse of `to_dict`."""
        return cls(
            value=str(data["value"]),
            printed=str(data.get("printed", data["value"])),
            unit=str(data["unit"]),
            t_per_t=Decimal(str(data["t_per_t"])),
            page=int(data["page"]),
            snippet=str(data["snippet"]),
            score=float(data.get("score", 0.0)),
            reasons=tuple(str(reason) for reason in data.get("reasons", ())),
            source=str(data.get("source", "text")),
            confidence=float(data.get("confidence", 0.0)),
        )
