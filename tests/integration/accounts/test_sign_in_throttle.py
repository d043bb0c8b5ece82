"""The sign-in throttle: doubling waits per address and email, devices guessers cannot lock."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from helpers import TEST_PASSWORD, csrf_from, make_user, sign_in
from sqlalchemy import update
from sqlmodel import Session, col, select

from portal import i18n
from portal.accounts import service as accounts
from portal.accounts.devices import DEVICE_COOKIE
from portal.accounts.models import SignInThrottle
from portal.audit import AuditEvent
from portal.config import Settings
from portal.db import utcnow

EMAIL = "buyer@example.com"


def _attempt(client: TestClient, password: str, email: str = EMAIL):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def _time_passes(session: Session) -> None:
    """Every wait so far is over (as if its seconds had gone by)."""
    session.execute(update(SignInThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
    session.commit()


def _checked(session: Session) -> int:
    session.rollback()
    return len(
        session.exec(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).all()
    )


def _fresh(client: TestClient) -> TestClient:
    return TestClient(
        client.app, base_url="http://127.0.0.1:8000", headers={"Accept-Language": "en"}
    )


def test_each_failure_past_five_doubles_the_wait(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    for _attempt_number in range(5):
        assert _attempt(client, "wrong-password").status_code == 401
    # Fifth failure: 2 s before the next password is checked (2^(5-5+1)).
    refused = _attempt(client, TEST_PASSWORD)
    assert refused.status_code == 401
    assert "Too many failed sign-ins. Wait 2 seconds and try again." in refused.text
    assert _checked(session) == 5  # the right password was not even checked

    _time_passes(session)
    assert "The email or password is not correct." in _attempt(client, "wrong-again").text
    # Sixth failure: 4 s.
    assert "Wait 4 seconds" in _attempt(client, TEST_PASSWORD).text
    _time_passes(session)
    _attempt(client, "wrong-again")
    assert "Wait 8 seconds" in _attempt(client, TEST_PASSWORD).text
    assert _checked(session) == 7

    _time_passes(session)
    assert _attempt(client, TEST_PASSWORD).status_code == 303


def test_waits_are_shown_in_chinese(client: TestClient, session: Session) -> None:
    make_user(session, "buyer")
    for _attempt_number in range(5):
        _attempt(client, "wrong-password")
    client.headers["Accept-Language"] = "zh-CN"
    assert "登录失败次数过多。请等待 2 秒后重试。" in _attempt(client, TEST_PASSWORD).text


def test_the_right_password_forgets_the_failures_at_that_address(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    for _attempt_number in range(4):
        _attempt(client, "wrong-password")
    assert _attempt(client, TEST_PASSWORD).status_code == 303
    client.cookies.clear()
    for _attempt_number in range(4):
        _attempt(client, "wrong-password")
    assert _attempt(client, TEST_PASSWORD).status_code == 303  # 4 + 4 failures, never 5 in a row


def test_a_device_that_signed_in_before_is_never_locked_out_by_guesses(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    sign_in(client, EMAIL)  # the owner's laptop: it now holds a device cookie
    device = client.cookies.get(DEVICE_COOKIE)
    assert device
    client.cookies.clear()
    client.cookies.set(DEVICE_COOKIE, device)

    attacker = _fresh(client)  # the same address as the laptop ("testclient")
    for _attempt_number in range(12):
        assert _attempt(attacker, "guess-guess").status_code == 401
    assert "Too many failed sign-ins" in _attempt(attacker, TEST_PASSWORD).text
    # The laptop signs in at once, at the very address the guesses came from.
    assert _attempt(client, TEST_PASSWORD).status_code == 303


def test_a_forged_or_foreign_device_cookie_lifts_nothing(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    other = make_user(session, "esg")
    sign_in(client, other.email)  # a real device cookie, but for another account
    foreign = client.cookies.get(DEVICE_COOKIE)
    assert foreign
    forged = f"{other.id}.{'a' * 24}.{'0' * 32}"
    for cookie in (foreign, forged):
        attacker = _fresh(client)
        attacker.cookies.set(DEVICE_COOKIE, cookie)
        for _attempt_number in range(6):
            _attempt(attacker, "guess-guess")
        assert "Too many failed sign-ins" in _attempt(attacker, TEST_PASSWORD).text
        _time_passes(session)
        session.execute(update(SignInThrottle).values(failures=0))
        session.commit()


def test_the_owner_s_own_failures_on_their_device_still_slow_them(
    client: TestClient, session: Session
) -> None:
    make_user(session, "buyer")
    sign_in(client, EMAIL)
    device = client.cookies.get(DEVICE_COOKIE)
    client.cookies.clear()
    client.cookies.set(DEVICE_COOKIE, str(device))
    for _attempt_number in range(5):
        _attempt(client, "typo-typo-typo")
    # Someone holding a copy of the cookie guesses no faster than anyone else.
    assert "Wait 2 seconds" in _attempt(client, TEST_PASSWORD).text
    kinds = {row.kind for row in session.exec(select(SignInThrottle)).all() if row.failures}
    assert kinds == {"device"}


def test_guesses_at_one_account_from_twenty_addresses_are_slowed(
    session: Session, settings: Settings
) -> None:
    make_user(session, "buyer")

    def attempt(password: str, ip: str) -> str:
        try:
            accounts.authenticate(session, email=EMAIL, password=password, ip=ip, settings=settings)
        except accounts.SignInRefused as refused:
            session.commit()
            return refused.message
        session.commit()
        return "signed in"

    english = i18n.current_locale.set("en")
    try:
        # One guess from each of 20 addresses: the account's own allowance (4 x 5) is spent.
        for n in range(20):
            assert attempt("guess-guess", f"10.0.0.{n}") == "The email or password is not correct."
        assert attempt(TEST_PASSWORD, "10.0.1.1").startswith("Too many failed sign-ins. Wait 2")
    finally:
        i18n.current_locale.reset(english)
    rows = session.exec(select(SignInThrottle).where(col(SignInThrottle.kind) == "email")).all()
    assert [row.failures for row in rows] == [20]
    # Fewer than 20 would not have stopped the owner at a new address (see the hardening test).
