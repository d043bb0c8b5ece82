"""Password hashes: Argon2id, the production parameters outside tests, each verifying the other."""

from __future__ import annotations

import pytest

from portal import config, security


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PORTAL_SECRET_KEY", "k" * 40)  # production refuses to start without

    def switch(env: str) -> None:
        monkeypatch.setenv("PORTAL_ENV", env)
        config.get_settings.cache_clear()

    yield switch
    config.get_settings.cache_clear()


def test_production_hashes_use_the_recommended_parameters_and_verify_anywhere(
    environment,  # type: ignore[no-untyped-def]
) -> None:
    environment("production")
    strong = security.hash_password("correct horse")
    # argon2-cffi's recommendation: 64 MiB, 3 passes, 4 lanes
    assert strong.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    environment("test")
    light = security.hash_password("correct horse")
    assert light.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert security.verify_password(strong, "correct horse")
    assert not security.verify_password(strong, "wrong horse")
    environment("development")
    assert security.verify_password(light, "correct horse")
    assert not security.verify_password(None, "correct horse")
