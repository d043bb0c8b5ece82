"""Hostile input against the real server: markup stays text in Chromium, oversized uploads get
their answer over a real socket."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any

from e2e_helpers import sign_in_as
from factories import make_declaration
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from portal import db
from portal.accounts import service as accounts
from portal.accounts.models import User
from portal.audit import Actor
from portal.security import create_api_token
from portal.suppliers.models import Supplier

MARKUP = {
    "product_name": '"><script>alert("product")</script>',
    "site_name": "<img src=x onerror=alert('site')>",
    "verifier_name": '<b hx-post="/logout" hx-trigger="load">verifier</b>',
    "comment": '<div hx-get="/admin/users" hx-trigger="load" hx-target="body">comment</div>',
}
COMPANY = '<img src=x onerror=alert("company")><i hx-post="/logout" hx-trigger="load">c</i>'


def arrange() -> int:
    """A company and a declaration in review whose texts are markup, as a supplier typed them."""
    with Session(db.get_engine()) as session:
        company = accounts.create_supplier(
            session, actor=Actor(label="test"), code="MARKUP", name_zh=COMPANY, name_en=COMPANY
        )
        session.commit()
        declaration = make_declaration(session, company, status="in_review", **MARKUP)
        return int(declaration.id or 0)


def test_markup_typed_by_a_supplier_stays_text_in_the_browser(
    page: Page,
    live_server,  # type: ignore[no-untyped-def]
) -> None:
    declaration = arrange()
    dialogs: list[str] = []
    htmx_calls: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "request",
        lambda request: (
            htmx_calls.append(request.url) if request.headers.get("hx-request") else None
        ),
    )
    sign_in_as(page, live_server.url, "esg@demo.portal")
    for path in ("/review", f"/review/{declaration}", f"/declarations/{declaration}", "/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        expect(page.locator("#current-user")).to_have_text("esg@demo.portal")  # not signed out
    page.goto(live_server.url + f"/declarations/{declaration}")
    for text in MARKUP.values():
        expect(page.get_by_text(text, exact=False).first).to_be_visible()
    expect(page.locator("img[src=x]")).to_have_count(0)
    page.context.clear_cookies()
    sign_in_as(page, live_server.url, "admin@demo.portal")
    for path in ("/admin/users", "/admin/suppliers"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    expect(page.locator("main").get_by_text(COMPANY).first).to_be_visible()
    assert dialogs == []
    assert htmx_calls == []  # no hx-trigger="load" came alive


def _supplier_token() -> str:
    with Session(db.get_engine()) as session:
        user = session.exec(select(User).where(User.email == "recycler@demo.portal")).one()
        _token, plain = create_api_token(session, user, "e2e")
        session.commit()
        assert session.exec(select(Supplier).where(Supplier.code == "JCHY")).one()
    return plain


def _send(url: str, head: list[str], body: bytes, *, chunked: bool) -> tuple[int, str]:
    """Send a whole request, then read the answer (as HTTP clients do); status and body."""

    async def exchange() -> tuple[int, str]:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(body)}"
        writer.write(("\r\n".join([*head, framing, "", ""])).encode())
        if chunked:
            for start in range(0, len(body), 1 << 20):
                piece = body[start : start + (1 << 20)]
                writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            writer.write(b"0\r\n\r\n")
        else:
            writer.write(body)
        with suppress(ConnectionError):
            await writer.drain()  # the answer may come first; it must still be readable
        try:
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            return status, (await reader.readexactly(length)).decode()
        finally:
            writer.close()

    # A thread of its own: Playwright keeps an event loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(exchange())).result()


def test_an_oversized_upload_gets_its_answer_not_a_reset_connection(live_server: Any) -> None:
    boundary = "hardening-boundary"
    head_part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="declaration_pdf"; '
        f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\n'
    ).encode()
    body = head_part + bytes(25 << 20) + f"\r\n--{boundary}--\r\n".encode()
    token = _supplier_token()
    for path, language, message in (
        ("/api/v1/declarations", "en", "Request too large: the limit is 20 MB."),
        ("/declarations", "zh-CN", "请求过大：上限为 20 MB。"),
    ):
        head = [
            f"POST {path} HTTP/1.1",
            f"Host: {live_server.url.removeprefix('http://')}",
            f"Authorization: Bearer {token}",
            f"Accept-Language: {language}",
            f"Content-Type: multipart/form-data; boundary={boundary}",
            "Connection: close",  # as Python's urllib sends: the server closes after answering
        ]
        for chunked in (False, True):
            status, text = _send(live_server.url, head, body, chunked=chunked)
            assert status == 413 and message in text, (path, chunked, status)
