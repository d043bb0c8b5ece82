"""The `portal` command: migrate, demo, users, tokens, audit."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from portal import config
from portal.accounts.models import ApiToken, User
from portal.cli import app
from portal.demo import DEMO_PASSWORD
from portal.security import sha256_hex, verify_password

runner = CliRunner()


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["db", "upgrade"],
        ["demo"],
        ["users", "create"],
        ["tokens", "create"],
        ["tokens", "revoke"],
        ["audit", "verify"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.demo
def test_demo_is_idempotent_and_gives_every_role_a_sign_in(
    settings: config.Settings, session: Session
) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0 and "(0 records added)" in second.output
    users = session.exec(select(User)).all()
    assert {user.role for user in users} == {"admin", "esg", "buyer", "supplier"}
    admin = next(user for user in users if user.role == "admin")
    assert verify_password(admin.password_hash, DEMO_PASSWORD)


def test_users_create_and_tokens_create_show_the_token_once(
    settings: config.Settings, session: Session
) -> None:
    created = runner.invoke(
        app,
        ["users", "create", "erp@example.com", "--role", "buyer", "--password", "erp-password-1"],
    )
    assert created.exit_code == 0, created.output
    result = runner.invoke(app, ["tokens", "create", "erp@example.com", "ERP"])
    assert result.exit_code == 0, result.output
    plain = result.stdout.strip().splitlines()[0]
    assert plain.startswith("pcp_")
    token = session.exec(select(ApiToken)).one()
    assert token.token_hash == sha256_hex(plain) and token.name == "ERP"
    revoked = runner.invoke(app, ["tokens", "revoke", plain[:10]])
    assert revoked.exit_code == 0
    session.refresh(token)
    assert token.revoked_at is not None


def test_bad_input_names_the_field(settings: config.Settings) -> None:
    bad_role = runner.invoke(
        app, ["users", "create", "x@example.com", "--role", "boss", "--password", "long-password-1"]
    )
    assert bad_role.exit_code == 2 and "role" in bad_role.output
    no_supplier = runner.invoke(
        app,
        [
            "users",
            "create",
            "x@example.com",
            "--role",
            "supplier",
            "--supplier",
            "NOPE",
            "--password",
            "long-password-1",
        ],
    )
    assert no_supplier.exit_code == 2 and "supplier" in no_supplier.output
    no_user = runner.invoke(app, ["tokens", "create", "ghost@example.com", "ERP"])
    assert no_user.exit_code == 2 and "email" in no_user.output


@pytest.mark.demo
def test_audit_verify_reports_the_chain(settings: config.Settings) -> None:
    runner.invoke(app, ["demo"])
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0 and '"ok": true' in result.output
