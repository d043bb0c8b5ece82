"""Deltas, data quality and roll-up keys of the metering maths, worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal.energy import core
from portal.energy.core import MeterSpec, Point

# 2023-01-01 00:00 plant time (UTC+8) is 2022-12-31 16:00 UTC.
T0 = int(datetime(2022, 12, 31, 16, 0, tzinfo=UTC).timestamp())
Q = 900  # a quarter hour


def cumulative(**extra: object) -> MeterSpec:
    return MeterSpec(kind="cumulative", interval_s=Q, **extra)  # type: ignore[arg-type]


def points(values: list[float], step: int = Q, start: int = T0) -> list[Point]:
    return [Point(start + i * step, value) for i, value in enumerate(values)]


def test_cumulative_deltas_apply_the_multiplier() -> None:
    # register 100 → 101.5 → 103 with a CT ratio of 40: 1.5 × 40 = 60 kWh per quarter hour
    out = core.chain(cumulative(multiplier=40.0), points([100, 101.5, 103]))
    assert [c.energy for c in out] == [0.0, 60.0, 60.0]
    assert all(not c.flags for c in out)


def test_rollover_counts_the_wrapped_energy() -> None:
    # a 6-digit register wraps at 1,000,000: 999,990 → 5 is 1,000,000 − 999,990 + 5 = 15 kWh
    out = core.chain(cumulative(rollover_at=1_000_000.0), points([999980, 999990, 5]))
    assert out[2].energy == pytest.approx(15.0)
    assert core.FLAG_ROLLOVER in out[2].flags


def test_a_drop_without_rollover_is_a_reset_estimated_from_history() -> None:
    # 10 kWh per quarter hour (40 kWh/h) for 6 readings, then the register drops to 3:
    # never −57 kWh; the quarter hour is estimated at the typical 40 kWh/h × 0.25 h = 10 kWh
    values = [0, 10, 20, 30, 40, 50, 60, 3, 13]
    out = core.chain(cumulative(), points(values))
    assert out[7].energy == 0.0
    assert out[7].estimated == pytest.approx(10.0)
    assert core.FLAG_NEGATIVE in out[7].flags
    assert out[8].energy == pytest.approx(10.0)  # the new cycle counts on from 3


def test_replacement_starts_a_new_register() -> None:
    # old meter at 500, new one starts at 0 and reads 10 a quarter hour later
    out = core.chain(
        cumulative(),
        [Point(T0, 500), Point(T0 + Q, 0, frozenset({core.FLAG_REPLACED})), Point(T0 + 2 * Q, 10)],
    )
    assert out[1].energy == 0.0 and core.FLAG_REPLACED in out[1].flags
    assert out[2].energy == 10.0


def test_impossible_delta_is_kept_out_of_the_energy() -> None:
    # at most 100 kWh per hour: 50 kWh in a quarter hour is 200 kWh/h, impossible
    out = core.chain(cumulative(max_rate_per_h=100.0), points([0, 10, 60]))
    assert out[2].energy == 0.0 and core.FLAG_IMPOSSIBLE in out[2].flags


def test_spike_against_the_meters_own_history_is_flagged_and_kept() -> None:
    # 1 kWh per quarter hour for 5 quarters (4 kWh/h), then 50 kWh (200 kWh/h > 10 × 4)
    out = core.chain(cumulative(), points([0, 1, 2, 3, 4, 5, 55]))
    assert core.FLAG_SPIKE in out[6].flags and out[6].energy == 50.0
    assert not any(core.FLAG_SPIKE in c.flags for c in out[:6])


def test_a_generation_meter_rising_at_dawn_is_no_spike_but_ten_times_its_peak_is() -> None:
    # Rooftop PV: yesterday afternoon 12, 8, 4 kWh/h, then 21 night quarters at 0.04 kWh/h.
    # At dawn 0.5, 2, 3 kWh a quarter (2, 8, 12 kWh/h): against the median (0.04 kWh/h,
    # 10 × = 0.4) each is a "spike"; against the peak (12 kWh/h, 10 × = 120) none is.
    history = [12.0, 8.0, 4.0] + [0.04] * 21
    dawn = [0, 0.5, 2.5, 5.5]
    by_median = core.chain(cumulative(), points(dawn), history=history)
    by_peak = core.chain(cumulative(spike_reference="peak"), points(dawn), history=history)
    assert all(core.FLAG_SPIKE in c.flags for c in by_median[1:])
    assert not any(core.FLAG_SPIKE in c.flags for c in by_peak)
    # 200 kWh in the next quarter is 800 kWh/h > 120: a spike, still counted.
    surge = core.chain(cumulative(spike_reference="peak"), points([*dawn, 205.5]), history=history)
    assert core.FLAG_SPIKE in surge[-1].flags and surge[-1].energy == 200.0


def test_cumulative_gap_is_measured_and_spread_evenly() -> None:
    # 12 kWh read across 3 hours (from 00:00 to 03:00 plant time): 4 kWh in each hour
    out = core.chain(cumulative(), [Point(T0, 0), Point(T0 + 3 * 3600, 12)])
    assert core.FLAG_GAP in out[1].flags and out[1].energy == 12.0
    parts = core.contributions(out[1], T0 + 3 * 3600, entered=False)
    assert parts[("h", "2023-01-01T00")] == pytest.approx((4.0, 0.0, 0.0))
    assert parts[("h", "2023-01-01T02")] == pytest.approx((4.0, 0.0, 0.0))
    assert parts[("d", "2023-01-01")] == pytest.approx((12.0, 0.0, 0.0))


def test_interval_gap_is_estimated_from_the_typical_rate() -> None:
    # 5 kWh per quarter hour (20 kWh/h) for 5 readings, then a reading 1 h 15 min later:
    # its own quarter is measured (5 kWh), the hour before it estimated at 20 kWh/h × 1 h
    spec = MeterSpec(kind="interval", interval_s=Q)
    pts = [*points([5, 5, 5, 5, 5]), Point(T0 + 4 * Q + 5 * Q, 5)]
    out = core.chain(spec, pts)
    assert core.FLAG_GAP in out[5].flags
    assert out[5].energy == 5.0 and out[5].estimated == pytest.approx(20.0)


def test_reading_at_midnight_belongs_to_the_hour_before() -> None:
    # the quarter 23:45–00:00 plant time on 31 Dec 2022 is in 2022, not in 2023
    parts = core.contributions(core.Computed(T0 - Q, T0 - Q, 7.0, 0.0), T0, entered=False)
    assert parts == {
        ("h", "2022-12-31T23"): (7.0, 0.0, 0.0),
        ("d", "2022-12-31"): (7.0, 0.0, 0.0),
        ("m", "2022-12"): (7.0, 0.0, 0.0),
    }


def test_split_keys_must_add_up() -> None:
    assert core.parse_split("alloy:0.8, extrusion:0.2") == {"alloy": 0.8, "extrusion": 0.2}
    with pytest.raises(ValueError, match=r"add up to 0\.9"):
        core.parse_split("alloy:0.7,extrusion:0.2")


def test_hourly_totals_rolled_up_give_what_each_reading_contributes() -> None:
    readings = [
        (core.Computed(T0 - Q, T0 - Q, 7.0, 0.0), T0),  # one quarter-hour
        (core.Computed(T0, T0, 2.5, 0.0), T0 + Q),  # the same hour, the next quarter
        (core.Computed(T0 - 3 * 3600, T0 - 3600, 9.0, 4.0), T0),  # estimated, then measured
    ]
    expected: dict[tuple[str, str], list[float]] = {}
    for computed, at in readings:
        core.merge(expected, core.contributions(computed, at, entered=False), 1.0)
    hours: dict[str, list[float]] = {}
    for computed, at in readings:
        core.add_hours(hours, computed, at, entered=False)
    rolled: dict[tuple[str, str], list[float]] = {}
    core.roll_up_hours(rolled, hours)
    assert rolled.keys() == expected.keys()
    for key, values in expected.items():
        assert rolled[key] == pytest.approx(values), key
    # The days (T0 is midnight at the plant) hold everything: 7 + 2.5 + 9 measured, 4 estimated.
    days = [values for key, values in rolled.items() if key[0] == "d"]
    assert len(days) == 2
    assert [sum(v[i] for v in days) for i in range(3)] == pytest.approx([18.5, 4.0, 0.0])
