"""A local SMTP server (aiosmtpd) that keeps what it receives, for the e-mail delivery tests."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Keep:
    def __init__(self, inbox: list):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.inbox.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """`with SmtpServer() as smtp:` serves on smtp.url; smtp.inbox holds (recipients, message)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.inbox: list[tuple[list[str], EmailMessage]] = []
        self.controller = Controller(_Keep(self.inbox), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[list[str], EmailMessage]]:
        """The inbox once it holds `count` messages (mail sent from a thread arrives late)."""
        deadline = time.monotonic() + timeout
        while len(self.inbox) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.inbox)} of {count} messages arrived")
            time.sleep(0.02)
        return list(self.inbox)
