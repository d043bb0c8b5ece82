"""The framework floor: a bare FastAPI app doing what the portal's floor route does, no more.

`GET /api/v1/suppliers/{code}` with `Authorization: Bearer <token>`: the token is looked up
by its SHA-256 (joined to its active user, who must be staff), then one indexed read of the
supplier, answered as JSON. A plain `def` route (FastAPI runs it in its thread pool, as the
portal runs every route that touches the database), a SQLAlchemy connection pool of the
portal's size, no middleware, no sessions, no audit. What the portal adds on top of this is
the cost of its request path.

    PORTAL_DATABASE_URL=sqlite:///var/bench/portal-quick.db \
        .venv/bin/python -m uvicorn bare_floor:app --app-dir bench --port 8001
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from fastapi import FastAPI, Header, HTTPException
from sqlalchemy import create_engine, text

STAFF = ("buyer", "esg", "admin")
_url = os.environ.get("PORTAL_DATABASE_URL", "sqlite:///var/bench/portal-quick.db")
if _url.startswith("postgresql://"):
    _url = _url.replace("postgresql://", "postgresql+psycopg://", 1)
_connect = {"check_same_thread": False} if _url.startswith("sqlite") else {}
engine = create_engine(_url, pool_size=20, max_overflow=10, connect_args=_connect)
TOKEN = text(
    "SELECT u.role FROM api_token t JOIN user_account u ON u.id = t.user_id "
    "WHERE t.token_hash = :h AND t.revoked_at IS NULL AND u.is_active"
)
SUPPLIER = text(
    "SELECT code, name_zh, name_en, country, is_own_plant FROM supplier WHERE code = :c"
)
app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """Up."""
    return {"status": "ok"}


@app.get("/api/v1/suppliers/{code}")
def supplier(code: str, authorization: str = Header(default="")) -> dict[str, Any]:
    """One supplier by its code, for a staff user's bearer token."""
    if not authorization.lower().startswith("bearer "):
        raise HTTPException(401)
    digest = hashlib.sha256(authorization[7:].strip().encode()).hexdigest()
    with engine.connect() as connection:
        role = connection.execute(TOKEN, {"h": digest}).scalar()
        if role not in STAFF:
            raise HTTPException(401 if role is None else 403)
        row = connection.execute(SUPPLIER, {"c": code.upper()}).first()
    if row is None:
        raise HTTPException(404)
    return {
        "code": row.code,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "country": row.country,
        "is_own_plant": bool(row.is_own_plant),
    }
