"""Pure maths of metering: deltas, data quality, spreading energy over hours, roll-up keys.

No database, no HTTP. Times are Unix seconds (UTC); roll-up periods are the plant's local
calendar (UTC+8, no daylight saving), written as text keys: hour "2023-01-05T13", day
"2023-01-05", month "2023-01".

Estimation rule (documented in docs/energy.md): when the energy of a span cannot be measured
(a gap on an interval meter, a negative or impossible delta, a meter replacement), it is the
meter's typical rate (median of its last measured intervals, at most HISTORY of them) times the
missing time, marked estimated. A cumulative register read across a gap measured the energy;
only when it was used is unknown, so it is spread evenly over the gap and stays measured,
flagged "gap".
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from statistics import median
from typing import NamedTuple

PLANT_OFFSET_S = 8 * 3600
PLANT_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
HOUR_S = 3600
HISTORY = 24  # measured intervals the typical rate is taken from
MIN_HISTORY = 4  # fewer than this and no spike can be judged
GAP_FACTOR = 2  # a span longer than this many intervals is a gap
ROLLOVER_NEAR = 0.9  # a drop from above 90 % of the register's range to below 10 % wraps

KINDS = ("cumulative", "interval", "manual")
GRAINS = ("h", "d", "m")

# Quality flags a reading can carry; each one is visible on the reading and the live page.
FLAG_ROLLOVER = "rollover"
FLAG_REPLACED = "replaced"
FLAG_NEGATIVE = "negative"
FLAG_IMPOSSIBLE = "impossible"
FLAG_SPIKE = "spike"
FLAG_GAP = "gap"
FLAG_LATE = "late"
FLAG_OUT_OF_SERVICE = "out_of_service"
FLAGS = (
    FLAG_ROLLOVER,
    FLAG_REPLACED,
    FLAG_NEGATIVE,
    FLAG_IMPOSSIBLE,
    FLAG_SPIKE,
    FLAG_GAP,
    FLAG_LATE,
    FLAG_OUT_OF_SERVICE,
)
# Flags kept from how a reading arrived; the rest are recomputed from its neighbours.
ARRIVAL_FLAGS = frozenset({FLAG_LATE, FLAG_REPLACED, FLAG_OUT_OF_SERVICE})


@dataclass(frozen=True)
class MeterSpec:
    """What the maths needs to know about a meter."""

    kind: str
    interval_s: int
    multiplier: float = 1.0
    rollover_at: float | None = None  # where the register wraps to 0 (6 digits: 1,000,000)
    max_rate_per_h: float | None = None  # more than this per hour is impossible
    spike_factor: float = 10.0
    # What a spike is measured against: "median" of the recent rates, or their "peak" for
    # generation meters, whose output rises from nothing every morning.
    spike_reference: str = "median"


class Point(NamedTuple):
    """One reading as the maths sees it: VALUE in the meter's unit at AT (Unix seconds).
    (Named tuples: the ingest path makes one per reading, a frozen dataclass costs 3×.)"""

    at: int
    value: float
    flags: frozenset[str] = frozenset()
    period_start: int | None = None  # manual entries: the start of the period they cover


class Computed(NamedTuple):
    """The energy a reading stands for: ESTIMATED over (span_start, measured_start], ENERGY
    (measured, or entered for manual readings) over (measured_start, at]."""

    span_start: int
    measured_start: int
    energy: float
    estimated: float
    flags: frozenset[str] = frozenset()


def _judged_history(rates: Sequence[float]) -> list[float] | None:
    """The last measured rates a judgement rests on (None: too few to judge)."""
    recent = [rate for rate in rates[-HISTORY:] if rate >= 0]
    return recent if len(recent) >= MIN_HISTORY else None


def typical_rate(rates: Sequence[float]) -> float | None:
    """The meter's typical energy per hour, from its last measured intervals."""
    recent = _judged_history(rates)
    return None if recent is None else median(recent)


def peak_rate(rates: Sequence[float]) -> float | None:
    """The meter's highest energy per hour over its last measured intervals."""
    recent = _judged_history(rates)
    return None if recent is None else max(recent)


def _estimate(rate: float | None, start: int, end: int) -> float:
    if rate is None or end <= start:
        return 0.0
    return rate * (end - start) / HOUR_S


def compute(spec: MeterSpec, prev: Point | None, cur: Point, rates: Sequence[float]) -> Computed:
    """The energy of CUR given the reading before it and the meter's recent rates per hour."""
    return _compute(spec, prev, cur, typical_rate(rates), peak_rate(rates))


def _compute(
    spec: MeterSpec,
    prev: Point | None,
    cur: Point,
    typical: float | None,
    peak: float | None = None,
) -> Computed:
    """The energy of CUR given the reading before it and the meter's TYPICAL and PEAK rates
    per hour."""
    flags = set(cur.flags & ARRIVAL_FLAGS)
    if spec.kind == "manual":
        start = cur.period_start if cur.period_start is not None else cur.at
        return Computed(start, start, cur.value * spec.multiplier, 0.0, frozenset(flags))
    if spec.kind == "interval":
        own_start = cur.at - spec.interval_s
        span_start = own_start
        estimated = 0.0
        if prev is not None and prev.at < own_start:
            if cur.at - prev.at > GAP_FACTOR * spec.interval_s:
                flags.add(FLAG_GAP)
                span_start = prev.at
                estimated = _estimate(typical, span_start, own_start)
            else:
                own_start = prev.at  # a slightly late reading covers the time since the last
                span_start = own_start
        energy = cur.value * spec.multiplier
        if energy < 0:
            flags.add(FLAG_NEGATIVE)
            return Computed(
                span_start,
                own_start,
                0.0,
                estimated + _estimate(typical, own_start, cur.at),
                frozenset(flags),
            )
        return _judged(
            spec, Computed(span_start, own_start, energy, estimated), cur.at, flags, typical, peak
        )
    # cumulative register
    if prev is None:
        return Computed(cur.at, cur.at, 0.0, 0.0, frozenset(flags))
    start = prev.at
    if FLAG_REPLACED in cur.flags:
        # A new meter (or register) starts here: what the old one counted since its last
        # reading is not known.
        return Computed(start, cur.at, 0.0, _estimate(typical, start, cur.at), frozenset(flags))
    delta = cur.value - prev.value
    if delta < 0:
        wraps = (
            spec.rollover_at is not None
            and prev.value >= ROLLOVER_NEAR * spec.rollover_at
            and cur.value <= (1 - ROLLOVER_NEAR) * spec.rollover_at
        )
        if wraps:
            assert spec.rollover_at is not None
            flags.add(FLAG_ROLLOVER)
            delta = spec.rollover_at - prev.value + cur.value
        else:
            # A drop is a new cycle (a reset), never negative energy.
            flags.add(FLAG_NEGATIVE)
            return Computed(start, cur.at, 0.0, _estimate(typical, start, cur.at), frozenset(flags))
    if cur.at - prev.at > GAP_FACTOR * spec.interval_s:
        flags.add(FLAG_GAP)
    return _judged(
        spec, Computed(start, start, delta * spec.multiplier, 0.0), cur.at, flags, typical, peak
    )


def _judged(
    spec: MeterSpec,
    computed: Computed,
    at: int,
    flags: set[str],
    typical: float | None,
    peak: float | None,
) -> Computed:
    """COMPUTED checked against the meter's limit and its own history."""
    span = at - computed.measured_start
    hours = span / HOUR_S if span > 0 else 0.0
    rate = computed.energy / hours if hours else 0.0
    if spec.max_rate_per_h is not None and hours and rate > spec.max_rate_per_h:
        flags.add(FLAG_IMPOSSIBLE)
        estimate = _estimate(typical, computed.measured_start, at)
        return Computed(
            computed.span_start,
            computed.measured_start,
            0.0,
            computed.estimated + estimate,
            frozenset(flags),
        )
    reference = peak if spec.spike_reference == "peak" else typical
    if reference is not None and reference > 0 and hours and rate > spec.spike_factor * reference:
        flags.add(FLAG_SPIKE)  # kept: a spike may be real, but someone should look
    return Computed(
        computed.span_start,
        computed.measured_start,
        computed.energy,
        computed.estimated,
        frozenset(flags),
    )


def measured_rate(computed: Computed, at: int) -> float | None:
    """Measured energy per hour of a reading at AT, for the meter's history (None if none)."""
    if computed.energy <= 0 and computed.flags & {FLAG_NEGATIVE, FLAG_IMPOSSIBLE, FLAG_REPLACED}:
        return None
    span = at - computed.measured_start
    if span <= 0:
        return None
    return computed.energy * HOUR_S / span


def local_hour(at: int) -> str:
    """The plant-local hour key of the instant AT."""
    return _hour_key(at // HOUR_S)


@lru_cache(maxsize=65536)
def _hour_key(hour_number: int) -> str:
    return datetime.fromtimestamp(hour_number * HOUR_S + PLANT_OFFSET_S, UTC).strftime(
        "%Y-%m-%dT%H"
    )


@lru_cache(maxsize=65536)
def keys_of_hour(hour: str) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
    """The (grain, period) keys of the hour, day and month an hour key belongs to."""
    return ("h", hour), ("d", hour[:10]), ("m", hour[:7])


def spread(start: int, end: int, amount: float) -> dict[str, float]:
    """AMOUNT spread evenly over (START, END], per plant-local hour."""
    if amount == 0:
        return {}
    if end <= start:
        return {local_hour(end - 1): amount}
    out: dict[str, float] = {}
    span = end - start
    cursor = start
    while cursor < end:
        # Hours are whole in both UTC and UTC+8, so boundaries are multiples of 3600.
        boundary = min(end, (cursor // HOUR_S + 1) * HOUR_S)
        key = local_hour(cursor)
        out[key] = out.get(key, 0.0) + amount * (boundary - cursor) / span
        cursor = boundary
    return out


QUALITIES = ("measured", "estimated", "entered")


def contributions(
    computed: Computed, at: int, *, entered: bool
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """What one reading adds to each roll-up, keyed (grain, period): (measured, estimated,
    entered)."""
    out: dict[tuple[str, str], list[float]] = {}

    def add(parts: dict[str, float], index: int) -> None:
        for hour, amount in parts.items():
            for key in keys_of_hour(hour):
                bucket = out.get(key)
                if bucket is None:
                    bucket = out[key] = [0.0, 0.0, 0.0]
                bucket[index] += amount

    add(spread(computed.span_start, computed.measured_start, computed.estimated), 1)
    add(spread(computed.measured_start, at, computed.energy), 2 if entered else 0)
    return {key: (v[0], v[1], v[2]) for key, v in out.items()}


def add_hours(
    into: dict[str, list[float]],
    computed: Computed,
    at: int,
    *,
    entered: bool,
    sign: float = 1.0,
) -> None:
    """Add (SIGN = 1) or take away (SIGN = -1) what one reading adds to each plant-local hour,
    straight into the running hourly totals INTO (`roll_up_hours` adds them to the days and
    months): the figures of `contributions`, without building them. The ingest path does this
    for every reading; four 15-minute readings share an hour, so the day and month are added
    once per hour, not once per reading."""
    if computed.estimated:
        _add_spread(
            into, computed.span_start, computed.measured_start, sign * computed.estimated, 1
        )
    if computed.energy:
        _add_spread(into, computed.measured_start, at, sign * computed.energy, 2 if entered else 0)


def _add_spread(
    into: dict[str, list[float]], start: int, end: int, amount: float, index: int
) -> None:
    if end <= start or end <= (start // HOUR_S + 1) * HOUR_S:  # within one hour: most readings
        hour = local_hour(end - 1 if end <= start else start)
        bucket = into.get(hour)
        if bucket is None:
            bucket = into[hour] = [0.0, 0.0, 0.0]
        bucket[index] += amount
        return
    for hour, part in spread(start, end, amount).items():
        bucket = into.get(hour)
        if bucket is None:
            bucket = into[hour] = [0.0, 0.0, 0.0]
        bucket[index] += part


def roll_up_hours(into: dict[tuple[str, str], list[float]], hours: dict[str, list[float]]) -> None:
    """Add hourly totals HOURS to the running totals INTO of their hour, day and month."""
    for hour, (measured, estimated, entered) in hours.items():
        for key in keys_of_hour(hour):
            bucket = into.get(key)
            if bucket is None:
                into[key] = [measured, estimated, entered]
            else:
                bucket[0] += measured
                bucket[1] += estimated
                bucket[2] += entered


def merge(
    into: dict[tuple[str, str], list[float]],
    parts: dict[tuple[str, str], tuple[float, float, float]],
    sign: float,
) -> None:
    """Add (SIGN = 1) or take away (SIGN = -1) PARTS from the running totals INTO."""
    for key, values in parts.items():
        bucket = into.setdefault(key, [0.0, 0.0, 0.0])
        for index in range(3):
            bucket[index] += sign * values[index]


def chain(
    spec: MeterSpec,
    points: Iterable[Point],
    *,
    history: Sequence[float] = (),
    prev: Point | None = None,
) -> list[Computed]:
    """The energy of each of POINTS (sorted by time), each against the one before it (the
    first against PREV, the stored reading before them, if any; HISTORY: the measured rates
    per hour before them, oldest first)."""
    window = list(history)[-HISTORY:]  # the last HISTORY measured rates, in order
    usable = sorted(rate for rate in window if rate >= 0)  # kept sorted: the median is O(1)
    out: list[Computed] = []
    for point in points:
        count = len(usable)
        if count < MIN_HISTORY:
            typical = peak = None
        else:
            middle = count // 2
            typical = usable[middle] if count % 2 else (usable[middle - 1] + usable[middle]) / 2
            peak = usable[-1]
        computed = _compute(spec, prev, point, typical, peak)
        out.append(computed)
        rate = measured_rate(computed, point.at)
        if rate is not None:
            window.append(rate)
            if rate >= 0:
                insort(usable, rate)
            if len(window) > HISTORY:
                dropped = window.pop(0)
                if dropped >= 0:
                    del usable[bisect_left(usable, dropped)]
        prev = point
    return out


def parse_split(text: str) -> dict[str, float]:
    """A split key like "alloy:0.8, extrusion:0.2" as shares; ValueError says what is wrong."""
    shares: dict[str, float] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, share = part.partition(":")
        if not sep:
            raise ValueError(f"'{part.strip()}' is not line:share")
        try:
            value = float(share)
        except ValueError:
            raise ValueError(f"'{share.strip()}' is not a number") from None
        if not 0 < value <= 1:
            raise ValueError(f"share of {name.strip()} must be above 0 and at most 1")
        shares[name.strip()] = value
    if not shares:
        raise ValueError("empty split key")
    if abs(sum(shares.values()) - 1) > 1e-6:
        raise ValueError(f"shares add up to {sum(shares.values()):g}, not 1")
    return shares
