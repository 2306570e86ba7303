"""Mail transports: .eml files for development, SMTP for production. Each sends one
message within a total deadline and reports failures as DeliveryFailed: permanent when
the server refused this message's recipient or content for good, temporary otherwise."""
from __future__ import annotations

import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from ..domain.outbox import DeliveryFailed
from .deadline import shut, watchdog


@dataclass
class FileBackend:
    """Writes each message as an .eml file a person can open (the default)."""

    directory: Path

    def send(self, message: EmailMessage, *, timeout: float = 10.0, stop: threading.Event | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        target = self.directory / f"{name}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(target)


def refused_for_good(exc: Exception) -> bool:
    """A refusal that no retry will change: the server refused this message's recipient
    or content with a 5xx. Refusals of our sender or login (also 5xx) are not the
    message's fault and would refuse every message, so those are retried instead."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return isinstance(exc, smtplib.SMTPNotSupportedError)  # e.g. a non-ASCII address the server cannot take


@dataclass
class SmtpBackend:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    # Each read's timeout; the whole exchange is bounded by the deadline send() is given.
    timeout: float = 10.0

    def send(self, message: EmailMessage, *, timeout: float = 10.0, stop: threading.Event | None = None) -> None:
        """Send within `timeout` seconds in all. Raises DeliveryFailed."""
        with watchdog(timeout, stop) as watch:
            try:
                if watch.fired:
                    raise socket.timeout("not started")
                smtp = smtplib.SMTP(timeout=min(self.timeout, max(watch.remaining(), 0.001)))
                # smtp.sock is replaced by STARTTLS: shut whichever it is when time is up.
                watch.attach(lambda: shut(smtp.sock))
                try:
                    smtp.connect(self.host, self.port)
                    if self.use_tls:
                        smtp.starttls(context=ssl.create_default_context())
                    if self.username:
                        smtp.login(self.username, self.password or "")
                    smtp.send_message(message)
                    try:
                        smtp.quit()
                    except (OSError, smtplib.SMTPException):
                        pass  # sent: a lost goodbye does not make it unsent
                finally:
                    try:
                        smtp.close()
                    except OSError:
                        pass
            except (OSError, smtplib.SMTPException) as exc:
                if watch.fired == "stop":
                    raise DeliveryFailed("interrupted: the worker is stopping") from exc
                if watch.fired or isinstance(exc, TimeoutError):
                    raise DeliveryFailed(f"timed out: the mail server took more than {timeout:g} s", timed_out=True) from exc
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}", permanent=refused_for_good(exc)) from exc
