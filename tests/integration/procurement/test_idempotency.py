"""Idempotency-Key on the API's writes: a retried request gets its first answer again."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from helpers import make_user
from sqlalchemy import update
from sqlmodel import Session, func, select

from portal.api.models import IdempotencyKey
from portal.db import utcnow
from portal.procurement.models import BuyerCheck, Purchase
from portal.security import create_api_token

PURCHASE = {
    "supplier": "YNSD",
    "material": "al_primary_ingot",
    "quantity_t": "40",
    "date": "2026-03-02",
    "product_line": "alloy",
    "po_number": "PO-4711",
    "exception_reason": "trial lot",
}


def _count(session: Session, model: type) -> int:
    session.rollback()
    return int(session.exec(select(func.count()).select_from(model)).one())


def _post(client: TestClient, headers: dict[str, str], key: str | None, **changes: object):  # type: ignore[no-untyped-def]
    sent = {**headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post("/api/v1/purchases", json={**PURCHASE, **changes}, headers=sent)


def test_a_retry_with_the_key_gets_the_first_answer_and_records_nothing(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    first = _post(client, erp, "po-4711-1")
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    # The ERP never saw the answer (a timeout) and sends the request again, keys reordered.
    again = client.post(
        "/api/v1/purchases",
        json=dict(reversed(list(PURCHASE.items()))),
        headers={**erp, "Idempotency-Key": "po-4711-1"},
    )
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _count(session, Purchase) == 1 and _count(session, BuyerCheck) == 1
    # Without a key, the same request is carried out, and refused: the PO line is recorded.
    assert _post(client, erp, None).status_code == 409


def test_the_key_with_a_different_request_is_refused_naming_the_header(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    assert _post(client, erp, "po-4711-1").status_code == 201
    other = _post(client, erp, "po-4711-1", quantity_t="41")
    assert other.status_code == 422
    assert other.json()["field"] == "Idempotency-Key"
    assert "already used for a different request" in other.json()["detail"]
    assert _count(session, Purchase) == 1 and _count(session, BuyerCheck) == 1
    client.headers["Accept-Language"] = "zh-CN"
    assert "已用于另一个不同的请求" in _post(client, erp, "po-4711-1", po_line=2).json()["detail"]


def test_keys_belong_to_their_token(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    other_buyer = make_user(session, "buyer", "second.buyer@example.com")
    _token, plain = create_api_token(session, other_buyer, "second ERP")
    session.commit()
    assert _post(client, erp, "shared-key").status_code == 201
    # Another token's request with the same key is its own request: carried out, not replayed.
    second = _post(client, {"Authorization": f"Bearer {plain}"}, "shared-key")
    assert second.status_code == 409 and "Idempotent-Replayed" not in second.headers
    assert second.json()["field"] == "po_number"


def test_a_refusal_is_kept_and_replayed_too(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    refused = _post(client, erp, "bad-one", quantity_t="-3")
    assert refused.status_code == 422
    again = _post(client, erp, "bad-one", quantity_t="-3")
    assert again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == refused.json()
    assert _count(session, Purchase) == 0


def test_a_key_is_kept_for_its_period_then_may_be_used_again(
    client: TestClient,
    session: Session,
    settings,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    assert settings.idempotency_key_hours == 24
    assert _post(client, erp, "daily-key").status_code == 201
    row = session.exec(select(IdempotencyKey)).one()
    kept = row.expires_at - row.created_at
    assert kept == timedelta(hours=24)
    session.execute(update(IdempotencyKey).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    # Past its period the key is new again: the request is carried out (and the PO is taken).
    late = _post(client, erp, "daily-key")
    assert late.status_code == 409 and "Idempotent-Replayed" not in late.headers


def test_a_malformed_key_is_refused_naming_the_header(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    for key in ("k" * 256, "two words"):
        answer = _post(client, erp, key)
        assert answer.status_code == 422
        assert answer.json()["field"] == "Idempotency-Key"
    assert _count(session, Purchase) == 0


def test_a_key_without_a_valid_token_replays_nothing(
    client: TestClient,
    session: Session,
    plant,
    erp,  # type: ignore[no-untyped-def]
) -> None:
    assert _post(client, erp, "po-key").status_code == 201
    assert _post(client, {"Authorization": "Bearer pcp_not-a-token"}, "po-key").status_code == 401


def test_every_api_write_documents_the_header(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    writes = reads = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            if method in ("post", "put", "patch", "delete"):
                writes += 1
                assert "Idempotency-Key" in names, f"{method} {path}"
            else:
                reads += 1
                assert "Idempotency-Key" not in names, f"{method} {path}"
    assert writes >= 3 and reads >= 3
    record = schema["paths"]["/api/v1/purchases"]["post"]
    header = next(p for p in record["parameters"] if p["name"] == "Idempotency-Key")
    assert "24 hours" in header["description"]
    assert "200" in record["responses"] and "201" in record["responses"]
