"""A real SMTP server (aiosmtpd) on a loopback port, keeping every message it accepted."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from portal_serving import free_port


@dataclass(frozen=True)
class Mail:
    """One message as the server received it."""

    to: list[str]
    subject: str
    text: str
    language: str


class MailServer:
    """The messages accepted, and a switch that holds (then refuses) the next message."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []
        self.hold = threading.Event()  # set: the next message waits until `release`
        self.held = threading.Event()  # set once a message is waiting
        self._release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        """Keep the message (aiosmtpd's hook); a held one is refused and not kept."""
        if self.hold.is_set():
            self.hold.clear()
            self.held.set()
            import asyncio

            while not self._release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        with self.lock:
            self.messages.append(
                Mail(
                    to=list(envelope.rcpt_tos),
                    subject=str(message["Subject"]),
                    text=body.get_content() if body is not None else "",
                    language=str(message["Content-Language"] or ""),
                )
            )
        return "250 OK"

    def release(self) -> None:
        """Let the held message go (it is refused)."""
        self._release.set()

    def to(self, address: str) -> list[Mail]:
        """The messages to ADDRESS."""
        with self.lock:
            return [mail for mail in self.messages if address in mail.to]


@contextmanager
def mail_server() -> Iterator[tuple[MailServer, int]]:
    """A real SMTP server on a free loopback port until the block ends."""
    handler = MailServer()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release()
        controller.stop()
