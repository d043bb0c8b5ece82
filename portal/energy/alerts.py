"""Alerts as rules in rules/energy.toml: raised once per rule, subject and period; acknowledged
with a comment."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from portal import audit
from portal.audit import Actor
from portal.catalog import get_targets
from portal.db import utcnow
from portal.energy import core, notify
from portal.energy.emissions import year_energy
from portal.energy.models import Alert, Meter
from portal.energy.readings import READING_TABLE as READINGS
from portal.energy.readings import IngestResult
from portal.energy.rules import energy_rules
from portal.errors import InvalidInput, NotFound
from portal.i18n import _

ALERT_TABLE = Alert.__table__  # type: ignore[attr-defined]
MAX_COMMENT = 1000


def _raise(db: Session, rows: list[dict[str, object]]) -> int:
    """Insert the alerts not raised before; how many are new."""
    if not rows:
        return 0
    dialect = db.get_bind().dialect.name
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    statement = builder(ALERT_TABLE).on_conflict_do_nothing(
        index_elements=["rule_code", "subject", "period"]
    )
    count = sa_select(func.count()).select_from(ALERT_TABLE)
    before = db.execute(count).scalar_one()
    db.execute(statement, [{"raised_at": now, "comment": "", **row} for row in rows])
    new = int(db.execute(count).scalar_one() - before)  # executemany reports no rowcount
    if new:
        # The ones inserted now (raised at this instant), mailed to the ESG team once each.
        keys = {(str(row["rule_code"]), str(row["subject"]), str(row["period"])) for row in rows}
        raised = [
            alert
            for alert in db.exec(select(Alert).where(Alert.raised_at == now)).all()
            if (alert.rule_code, alert.subject, alert.period) in keys
        ]
        notify.alerts_raised(db, raised)
    return new


def _local(at_s: int) -> str:
    return datetime.fromtimestamp(at_s + core.PLANT_OFFSET_S, UTC).strftime("%Y-%m-%d %H:%M")


def on_ingested(db: Session, result: IngestResult) -> int:
    """Raise the 'flagged reading' alerts of a batch: once per meter, flag and day."""
    rows: list[dict[str, object]] = []
    seen: set[tuple[str, str, str]] = set()
    for rule in energy_rules().alerts:
        if rule.kind != "flagged":
            continue
        for meter, at_s, flags in result.flagged_readings:
            for flag in sorted(set(flags.split(",")) & set(rule.flags)):
                key = (rule.code, meter, f"{_local(at_s)[:10]} {flag}")
                if key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "rule_code": rule.code,
                        "subject": meter,
                        "period": key[2],
                        "message": f"{meter}: reading at {_local(at_s)} flagged {flag}",
                    }
                )
    return _raise(db, rows)


def evaluate(db: Session, *, now_s: int) -> int:
    """Raise the silent-meter and intensity alerts due at NOW_S; how many are new."""
    rows: list[dict[str, object]] = []
    rules = energy_rules().alerts
    silent = [rule for rule in rules if rule.kind == "silent"]
    if silent:
        last = dict(
            db.execute(
                sa_select(READINGS.c.meter_id, func.max(READINGS.c.at_s)).group_by(
                    READINGS.c.meter_id
                )
            ).all()
        )
        today = datetime.fromtimestamp(now_s + core.PLANT_OFFSET_S, UTC).date()
        for meter in db.exec(select(Meter).where(Meter.kind != "manual")).all():
            if meter.in_service_to is not None and meter.in_service_to < today:
                continue
            last_s = last.get(meter.id or 0)
            if last_s is None:
                continue  # never read yet: nothing has gone silent
            for rule in silent:
                if now_s - last_s > rule.intervals * meter.interval_s:
                    rows.append(
                        {
                            "rule_code": rule.code,
                            "subject": meter.code,
                            "period": f"since {_local(last_s)}",
                            "message": f"{meter.code}: silent since {_local(last_s)}",
                        }
                    )
    for rule in (rule for rule in rules if rule.kind == "intensity"):
        local = datetime.fromtimestamp(now_s + core.PLANT_OFFSET_S, UTC)
        month = local.strftime("%Y-%m")
        energy = year_energy(db, year=local.year)
        targets = get_targets()
        for line in targets.lines:
            target = targets.scope12_target(line, local.year)
            figures = energy.lines.get(line, {}).get(month)
            tonnes = energy.production.get((line, month))
            if target is None or figures is None or not tonnes:
                continue
            value = figures.scope12_t(energy.method) / float(tonnes)
            if value > float(target):
                rows.append(
                    {
                        "rule_code": rule.code,
                        "subject": line,
                        "period": month,
                        "message": (
                            f"{line}: {month} intensity {value:.2f} tCO2e/t above the "
                            f"target {target} for {local.year}"
                        ),
                    }
                )
    for rule in (rule for rule in rules if rule.kind == "specific_energy"):
        rows += _specific_energy_rows(db, rule.code, float(rule.above_pct), now_s)
    return _raise(db, rows)


def _specific_energy_rows(
    db: Session, code: str, above_pct: float, now_s: int
) -> list[dict[str, object]]:
    """Key equipment whose month-to-date energy per tonne is above the baseline year's."""
    from portal.energy import review

    local = datetime.fromtimestamp(now_s + core.PLANT_OFFSET_S, UTC)
    month = local.strftime("%Y-%m")
    key_meters = review.key_meters(db)
    baseline_year = min(line.baseline.year for line in get_targets().lines.values())
    now = review.indicator(db, key_meters, [month])
    base = review.indicator(db, key_meters, review.months_of(baseline_year))
    rows: list[dict[str, object]] = []
    for meter in key_meters:
        value = review.specific(*now[meter.id or 0])
        baseline = review.specific(*base[meter.id or 0])
        if value is None or baseline is None or value <= baseline * (1 + above_pct / 100):
            continue
        rows.append(
            {
                "rule_code": code,
                "subject": meter.code,
                "period": month,
                "message": (
                    f"{review.equipment_of(meter)} ({meter.code}): {month} {value:.1f} "
                    f"{meter.unit}/t, baseline {baseline:.1f} {meter.unit}/t"
                ),
            }
        )
    return rows


def open_alerts(db: Session, *, limit: int = 200) -> list[Alert]:
    """Alerts not yet acknowledged, newest first."""
    return list(
        db.exec(
            select(Alert)
            .where(col(Alert.acknowledged_at).is_(None))
            .order_by(col(Alert.raised_at).desc(), col(Alert.id).desc())
            .limit(limit)
        ).all()
    )


def recent_acknowledged(db: Session, *, limit: int = 50) -> list[Alert]:
    """The last acknowledged alerts with their comments."""
    return list(
        db.exec(
            select(Alert)
            .where(col(Alert.acknowledged_at).is_not(None))
            .order_by(col(Alert.acknowledged_at).desc())
            .limit(limit)
        ).all()
    )


def acknowledge(db: Session, *, actor: Actor, alert_id: int, comment: str) -> Alert:
    """Acknowledge an alert with a comment saying what was done; audited."""
    comment = comment.strip()
    if not comment:
        raise InvalidInput(_("Say what was done about the alert."), field="comment")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_("At most %(n)s characters.") % {"n": MAX_COMMENT}, field="comment")
    alert = db.exec(select(Alert).where(Alert.id == alert_id).with_for_update()).first()
    if alert is None:
        raise NotFound()
    if alert.acknowledged_at is not None:
        raise InvalidInput(_("This alert has been acknowledged already."), field="comment")
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = actor.user_id
    alert.comment = comment
    db.add(alert)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="energy_alert.acknowledged",
        entity_type="energy_alert",
        entity_id=alert.id,
        after={"rule": alert.rule_code, "subject": alert.subject, "comment": comment},
    )
    return alert
