"""The sign-in throttle's waits and the device cookie, without a server."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts import devices, throttle
from portal.config import Settings

LONGEST = timedelta(minutes=15)
SETTINGS = Settings(secret_key="k" * 40)


def test_no_wait_within_the_allowance_then_doubling_up_to_the_window() -> None:
    assert [throttle.wait_after(n, 5, LONGEST) for n in range(5)] == [None] * 5
    # 5th failure 2 s, 6th 4 s, 7th 8 s … 13th 512 s, 14th 1024 s capped at 900 s.
    waits = [throttle.wait_after(n, 5, LONGEST) for n in (5, 6, 7, 13, 14, 200)]
    assert waits == [timedelta(seconds=s) for s in (2, 4, 8, 512, 900, 900)]


def test_allowances_follow_the_setting() -> None:
    assert throttle.allowances(SETTINGS) == {
        "email_address": 5,
        "device": 5,
        "address": 20,
        "email": 20,
    }


def test_a_known_device_counts_only_against_itself() -> None:
    kinds = [b.kind for b in throttle.buckets_for(email="a@b.cn", ip="10.0.0.1", device_id="d")]
    assert kinds == ["device"]
    unknown = throttle.buckets_for(email="a@b.cn", ip=None, device_id=None)
    assert [(b.kind, b.key) for b in unknown] == [
        ("address", "unknown"),
        ("email_address", "a@b.cn|unknown"),
        ("email", "a@b.cn"),
    ]
    assert len({b.key_hash for b in unknown}) == 3


def test_the_device_cookie_is_signed_per_user_and_keeps_other_accounts() -> None:
    first = devices.remembered(None, 7, SETTINGS)
    device = devices.known_device(first, 7, SETTINGS)
    assert device and devices.known_device(first, 8, SETTINGS) is None
    both = devices.remembered(first, 8, SETTINGS)
    assert devices.known_device(both, 7, SETTINGS) == device  # the same device id is kept
    assert devices.known_device(both, 8, SETTINGS)
    # Another key, or a changed user id, makes the signature fail.
    assert devices.known_device(first, 7, Settings(secret_key="x" * 40)) is None
    assert devices.known_device(first.replace("7.", "8.", 1), 8, SETTINGS) is None
    assert devices.known_device("garbage_._1.2", 1, SETTINGS) is None
