"""Tables of the PACT exchange: clients, published footprints, who was served, the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel

from portal.db import UtcDateTime, utcnow


class PactClient(SQLModel, table=True):
    """A customer company's system allowed to fetch the plant's footprints (OAuth2 client)."""

    __tablename__ = "pact_client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)  # the customer company
    secret_hash: str = Field(max_length=64)
    # Where its RequestCreated events are answered: its host's base URL and the credentials
    # it gave us for it (the secret encrypted with the portal's secret key).
    callback_base_url: str | None = Field(default=None, max_length=500)
    callback_client_id: str | None = Field(default=None, max_length=200)
    callback_secret_encrypted: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    # A supplier's own host, notifying the plant of footprints it published (then pulled).
    supplier_id: int | None = Field(default=None, foreign_key="supplier.id")
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))
    last_token_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )


class PactFootprint(SQLModel, table=True):
    """A product line × year footprint the plant published, frozen as PACT v3 JSON."""

    __tablename__ = "pact_footprint"
    __table_args__ = (
        Index("ix_pact_footprint_line_year", "product_line", "year"),
        # One active footprint per line and year: two publishers at once cannot both win.
        Index(
            "uq_pact_footprint_active",
            "product_line",
            "year",
            unique=True,
            sqlite_where=text("status = 'Active'"),
            postgresql_where=text("status = 'Active'"),
        ),
    )

    id: str = Field(primary_key=True, max_length=36)  # the PACT id (UUID)
    product_line: str = Field(max_length=16)
    year: int
    status: str = Field(max_length=16)  # Active / Deprecated
    ruleset_revision: str = Field(max_length=64)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    published_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    published_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    deprecated_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )


class PactServed(SQLModel, table=True):
    """That a client received a footprint: first and last time, and how often."""

    __tablename__ = "pact_served"
    __table_args__ = (UniqueConstraint("footprint_id", "client_pk", name="uq_pact_served"),)

    id: int | None = Field(default=None, primary_key=True)
    footprint_id: str = Field(foreign_key="pact_footprint.id", max_length=36, index=True)
    client_pk: int = Field(foreign_key="pact_client.id")
    first_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    last_at: datetime = Field(default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False))
    times: int = Field(default=1)


class PactOutbox(SQLModel, table=True):
    """An event the portal owes another PACT host; kept until delivered or given up."""

    __tablename__ = "pact_outbox"
    __table_args__ = (Index("ix_pact_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="pact_client.id", index=True)
    kind: str = Field(max_length=16)  # fulfil / reject
    api_version: int = Field(default=3)  # 3 or 2: which event types to send back
    request_event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    target: str = Field(max_length=500)  # the requester's base URL, from the event's source
    status: str = Field(default="pending", max_length=16)  # pending / sent / failed
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    claimed_until: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime, nullable=True))


class PactSupplierHost(SQLModel, table=True):
    """A supplier's PACT host the portal pulls footprints from."""

    __tablename__ = "pact_supplier_host"

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", unique=True)
    base_url: str = Field(max_length=500)
    client_id: str = Field(max_length=200)
    secret_encrypted: str = Field(max_length=1000)  # with the portal's secret key
    # Which of the supplier's productIds (URNs) are which of the portal's materials.
    products: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
    last_pull_at: datetime | None = Field(
        default=None, sa_column=Column(UtcDateTime, nullable=True)
    )
    last_pull_result: str | None = Field(default=None, max_length=2000)


class PactImport(SQLModel, table=True):
    """A footprint received from a supplier over PACT, kept as the evidence of its declaration."""

    __tablename__ = "pact_import"
    __table_args__ = (UniqueConstraint("supplier_id", "footprint_id", name="uq_pact_import"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="supplier.id", index=True)
    footprint_id: str = Field(max_length=36)
    declaration_id: int | None = Field(default=None, foreign_key="declaration.id")
    sha256: str = Field(max_length=64)
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(max_length=16)  # pull / upload
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime, nullable=False)
    )
