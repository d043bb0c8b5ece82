"""Energy alerts for the ESG team: mailed once per alert through the notifications outbox, and
listed in the team's inbox on their home page until acknowledged."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from portal.accounts.models import Role
from portal.energy.models import Alert
from portal.home.inbox import InboxItem, InboxSection, register
from portal.i18n import _
from portal.notifications.service import active_users, enqueue
from portal.security import Principal

SHOWN = 10


def alerts_raised(db: Session, alerts: list[Alert]) -> None:
    """Owe each active ESG user one notification per alert (never twice for the same alert)."""
    if not alerts:
        return
    team = active_users(db, Role.ESG)
    for alert in alerts:
        assert alert.id is not None
        message = alert.message

        def compose(message: str = message, rule: str = alert.rule_code) -> tuple[str, str]:
            subject = _("Energy alert: %(message)s") % {"message": message[:200]}
            body = _(
                "%(message)s (rule %(rule)s). Open the energy alerts to acknowledge it with a "
                "comment."
            ) % {"message": message, "rule": rule}
            return subject, body

        enqueue(
            db,
            kind="energy.alert",
            event_key=f"energy.alert:{alert.id}",
            users=team,
            compose=compose,
            link="/energy/alerts",
        )


@register(Role.ESG)
def open_energy_alerts(db: Session, principal: Principal, today: date) -> InboxSection | None:
    """Energy alerts not yet acknowledged, newest first."""
    rows = list(
        db.exec(
            select(Alert)
            .where(col(Alert.acknowledged_at).is_(None))
            .order_by(col(Alert.id).desc())
            .limit(SHOWN + 1)
        ).all()
    )
    items = [
        InboxItem(
            title=alert.message,
            link="/energy/alerts",
            detail=f"{alert.rule_code} · {alert.period}",
            urgent=True,
        )
        for alert in rows
    ]
    count = (
        len(items)
        if len(items) <= SHOWN
        else len(db.exec(select(Alert.id).where(col(Alert.acknowledged_at).is_(None))).all())
    )
    return InboxSection(
        key="energy-alerts",
        title=_("Energy alerts to acknowledge"),
        items=items[:SHOWN],
        count=count,
        more_link="/energy/alerts",
    )
