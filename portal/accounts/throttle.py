"""Failed sign-ins counted and checked under row locks, so parallel guesses are counted too.

A guess is counted against the address, the email at that address, and the email from any
device that never signed in to it; a device that has signed in to the account before counts
only against itself, so nobody can lock the owner out of it. Past each allowance every
failure doubles the wait (2 s, 4 s, 8 s … up to the window), and a bucket is forgotten once it
has been quiet for a window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from portal.accounts.models import SignInThrottle
from portal.config import Settings
from portal.security import sha256_hex

ADDRESS = "address"
EMAIL_AT_ADDRESS = "email_address"
EMAIL = "email"
DEVICE = "device"


def allowances(settings: Settings) -> dict[str, int]:
    """Failures let through before each kind of bucket starts to make guessers wait."""
    per_account = settings.sign_in_max_failures
    return {
        EMAIL_AT_ADDRESS: per_account,
        DEVICE: per_account,
        ADDRESS: per_account * 4,  # an office behind one address holds many people
        EMAIL: per_account * 4,  # guesses from many addresses at one account
    }


def wait_after(failures: int, allowance: int, longest: timedelta) -> timedelta | None:
    """The wait after FAILURES failures: none within the allowance, then doubling to LONGEST."""
    if failures < allowance:
        return None
    return min(longest, timedelta(seconds=2 ** min(failures - allowance + 1, 30)))


@dataclass(frozen=True)
class Bucket:
    """What one kind of count is kept under."""

    kind: str
    key: str

    @property
    def key_hash(self) -> str:
        """The row's key: emails and addresses are not kept in the clear."""
        return sha256_hex(f"{self.kind}:{self.key}")


def buckets_for(*, email: str, ip: str | None, device_id: str | None) -> list[Bucket]:
    """The counts an attempt is checked against."""
    if device_id is not None:
        return [Bucket(DEVICE, device_id)]
    address = ip or "unknown"
    return [
        Bucket(ADDRESS, address),
        Bucket(EMAIL_AT_ADDRESS, f"{email}|{address}"),
        Bucket(EMAIL, email),
    ]


@dataclass
class Counts:
    """The locked rows of one attempt's buckets, until its transaction ends."""

    rows: dict[str, SignInThrottle]  # by kind
    settings: Settings
    now: datetime

    def wait_left(self) -> timedelta | None:
        """How long this attempt must wait before a password is checked, if at all."""
        blocked = [r.blocked_until for r in self.rows.values() if r.blocked_until is not None]
        if not blocked or max(blocked) <= self.now:
            return None
        return max(blocked) - self.now

    def failed(self) -> bool:
        """Count a failure in every bucket; whether the account's owner is to be warned now."""
        limits = allowances(self.settings)
        longest = timedelta(minutes=self.settings.sign_in_window_minutes)
        warn = False
        for kind, row in self.rows.items():
            row.failures += 1
            row.last_failure_at = self.now
            wait = wait_after(row.failures, limits[kind], longest)
            row.blocked_until = self.now + wait if wait is not None else None
            due = row.warned_at is None or self.now - row.warned_at > longest
            if kind == EMAIL and row.failures >= self.settings.sign_in_max_failures and due:
                row.warned_at = self.now  # one mail per window, however many guesses
                warn = True
        return warn

    def signed_in(self) -> None:
        """The right password: take its failure back, forget the device's and email-at-address's."""
        limits = allowances(self.settings)
        longest = timedelta(minutes=self.settings.sign_in_window_minutes)
        for kind, row in self.rows.items():
            if kind in (EMAIL_AT_ADDRESS, DEVICE):
                row.failures, row.blocked_until = 0, None
                continue
            row.failures = max(0, row.failures - 1)
            if wait_after(row.failures, limits[kind], longest) is None:
                row.blocked_until = None

    def failures(self, kind: str) -> int:
        """Failures counted in the bucket of KIND (0 when the attempt has none)."""
        row = self.rows.get(kind)
        return row.failures if row is not None else 0


def lock_counts(db: Session, buckets: list[Bucket], *, now: datetime, settings: Settings) -> Counts:
    """The buckets' rows, created if new and locked until the transaction ends."""
    ordered = sorted(buckets, key=lambda bucket: bucket.key_hash)  # one lock order: no deadlock
    values = [{"key_hash": b.key_hash, "kind": b.kind, "failures": 0} for b in ordered]
    table = SignInThrottle.__table__  # type: ignore[attr-defined]
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(postgres_insert(table).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        db.execute(sqlite_insert(table).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the portal runs on the two above
        db.execute(insert(table).values(values))
    statement = (
        select(SignInThrottle)
        .where(col(SignInThrottle.key_hash).in_([b.key_hash for b in ordered]))
        .order_by(col(SignInThrottle.key_hash))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    by_hash = {row.key_hash: row for row in db.exec(statement)}
    quiet = timedelta(minutes=settings.sign_in_window_minutes)
    rows: dict[str, SignInThrottle] = {}
    for bucket in ordered:
        row = by_hash[bucket.key_hash]
        last = max(t for t in (row.last_failure_at, row.blocked_until, now - 2 * quiet) if t)
        if row.failures and now - last >= quiet:
            row.failures, row.blocked_until = 0, None  # quiet for a window: forgotten
        db.add(row)
        rows[bucket.kind] = row
    return Counts(rows=rows, settings=settings, now=now)


@dataclass(frozen=True)
class Reservation:
    """An attempt let through to have its password checked, counted as failed until it is not."""

    buckets: list[Bucket]
    wait: timedelta | None  # set when the attempt must wait: its password is not checked
    warn: bool  # the owner is to be warned, if the password proves wrong
    email_failures: int
    warned_before: datetime | None


@contextmanager
def _counting(db: Session) -> Iterator[Session]:
    """The session the counts are kept in (committed when the block ends)."""
    # On PostgreSQL a transaction of its own, so the row locks last milliseconds, not the
    # password check. On SQLite the request's: one writer at a time there already, and a
    # second transaction would wait for the request's own.
    if db.get_bind().dialect.name != "postgresql":
        yield db
        return
    with Session(db.get_bind(), expire_on_commit=False) as own:
        yield own
        own.commit()


def reserve(
    db: Session, buckets: list[Bucket], *, now: datetime, settings: Settings
) -> Reservation:
    """Check the attempt's waits and, when it may go on, count it as a failure at once.

    Counted before the password is checked, so parallel guesses each see the ones before.
    """
    with _counting(db) as work:
        forget_old(work, now=now)
        counts = lock_counts(work, buckets, now=now, settings=settings)
        email_row = counts.rows.get(EMAIL)
        warned_before = email_row.warned_at if email_row is not None else None
        wait = counts.wait_left()
        warn = counts.failed() if wait is None else False
        work.flush()
        return Reservation(buckets, wait, warn, counts.failures(EMAIL), warned_before)


def settle_signed_in(
    db: Session, reservation: Reservation, *, now: datetime, settings: Settings
) -> None:
    """The password was right: take back the failure the attempt was counted as."""
    with _counting(db) as work:
        counts = lock_counts(work, reservation.buckets, now=now, settings=settings)
        counts.signed_in()
        email_row = counts.rows.get(EMAIL)
        if reservation.warn and email_row is not None:
            email_row.warned_at = reservation.warned_before  # nobody was warned
        work.flush()


def wait_text_seconds(wait: timedelta) -> int:
    """A wait in whole seconds, rounded up (never 0 while there is one)."""
    return max(1, math.ceil(wait.total_seconds()))


FORGET_AFTER = timedelta(days=1)
FORGET_EVERY_S = 600.0
_last_forget = 0.0


def forget_old(db: Session, *, now: datetime) -> None:
    """Remove buckets quiet for a day (at most every FORGET_EVERY_S in each process)."""
    global _last_forget
    if time.monotonic() - _last_forget < FORGET_EVERY_S:
        return
    _last_forget = time.monotonic()
    db.execute(
        delete(SignInThrottle).where(
            col(SignInThrottle.last_failure_at).is_(None)
            | (col(SignInThrottle.last_failure_at) < now - FORGET_AFTER),
            col(SignInThrottle.blocked_until).is_(None)
            | (col(SignInThrottle.blocked_until) < now - FORGET_AFTER),
        )
    )
