"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for tests that
read the delivered messages. Use the `smtp_server` fixture: `from tests.mailbox import smtp_server`."""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """Keeps each message with its envelope recipients; refuses when told to: `refuse`
    answers every DATA with a 451 (try later), `unknown` refuses those recipients for
    good (550)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.envelopes: list[list[str]] = []
        self.refuse = False
        self.unknown: set[str] = set()
        self._arrived = threading.Condition()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if address in self.unknown:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return "451 Try again later"
        with self._arrived:
            self.messages.append(envelope.content)
            self.envelopes.append(list(envelope.rcpt_tos))
            self._arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        """Wait until `count` messages have arrived (True), or give up after `timeout`."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout)

    def parsed(self) -> list[EmailMessage]:
        """The messages, with the Subject as mail clients show it: a long subject is
        folded onto the next line, and unfolding leaves a leading space clients drop."""
        messages = [message_from_bytes(m, policy=policy.default) for m in self.messages]
        for message in messages:
            if message["Subject"] is not None:
                message.replace_header("Subject", str(message["Subject"]).strip())
        return messages  # type: ignore[return-value]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()
