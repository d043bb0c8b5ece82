"""What makes two requests the same request for an Idempotency-Key."""

from __future__ import annotations

from portal.api.idempotency import fingerprint, key_problem


def test_json_bodies_are_compared_by_value() -> None:
    one = fingerprint("POST", "/api/v1/purchases", b"", "application/json", b'{"a": 1, "b": [2]}')
    same = fingerprint("POST", "/api/v1/purchases", b"", "application/json", b'{"b":[2],"a":1}')
    other = fingerprint("POST", "/api/v1/purchases", b"", "application/json", b'{"a": 2, "b": [2]}')
    assert one == same != other


def test_method_path_and_query_belong_to_the_request() -> None:
    body = b"{}"
    base = fingerprint("POST", "/api/v1/checks", b"", "application/json", body)
    assert base != fingerprint("PUT", "/api/v1/checks", b"", "application/json", body)
    assert base != fingerprint("POST", "/api/v1/purchases", b"", "application/json", body)
    assert base != fingerprint("POST", "/api/v1/checks", b"x=1", "application/json", body)


def test_a_multipart_retry_with_a_new_boundary_is_the_same_request() -> None:
    def form(boundary: str, value: str) -> tuple[str, bytes]:
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="declaration"\r\n\r\n'
            f"{value}\r\n--{boundary}--\r\n"
        ).encode()
        return f"multipart/form-data; boundary={boundary}", body

    first = fingerprint("POST", "/api/v1/declarations", b"", *form("aaaa1111", "v"))
    retry = fingerprint("POST", "/api/v1/declarations", b"", *form("bbbb2222", "v"))
    changed = fingerprint("POST", "/api/v1/declarations", b"", *form("bbbb2222", "w"))
    assert first == retry != changed


def test_keys_are_1_to_255_visible_ascii_characters() -> None:
    assert key_problem("0b7c1f6e-7a51-4d1c-9d0e-5bd8f1a1c2e3") is None
    assert key_problem("k" * 255) is None
    for bad in ("", "k" * 256, "two words", "tab\there", "é"):
        assert key_problem(bad) is not None
