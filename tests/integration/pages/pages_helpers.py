"""Signing in as a demo user for the page tests (a uniquely named module)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from portal.accounts.models import User
from portal.security import SESSION_COOKIE, start_session


def browse_demo_as(client: TestClient, session: Session, email: str, language: str) -> None:
    """CLIENT signed in as the demo user EMAIL, speaking LANGUAGE."""
    user = session.exec(select(User).where(User.email == email)).one()
    session_id = start_session(session, user)
    session.commit()
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_id)
    client.cookies.set("portal_lang", language)
