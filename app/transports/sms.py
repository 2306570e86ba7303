"""Text-message transports: `FileSmsBackend` (development: each text a file under
instance/sms/) and `TwilioSmsBackend` (Twilio's Messages resource through the official
`twilio` SDK).

The SDK's own HTTP client (requests) bounds each socket read, not the whole exchange, and
cannot be interrupted; the SDK lets a caller bring its own `HttpClient`, so ours sends
each request with http.client under the delivery's watchdog (deadline.py): connect,
headers and body within the channel's deadline, given up at once when the worker stops.
"""
from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from ..domain.outbox import DeliveryFailed
from ..domain.sms import TextSent
from .deadline import shut, watchdog

# Twilio error codes no retry will change although the answer is not a 4xx of its own
# kind, and those that say the recipient opted out (https://www.twilio.com/docs/api/errors).
INVALID_NUMBER = 21211
UNSUBSCRIBED = 21610


@dataclass
class FileSmsBackend:
    """Writes each text as a small text file a person can read (what `make run` uses)."""

    directory: Path

    def send(self, *, to: str, body: str, reference: int, timeout: float = 10.0,
             stop: threading.Event | None = None) -> TextSent:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"sms-{reference:06d}.txt"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")
        tmp.replace(target)
        return TextSent(provider_id=None, status="written")


class _DeadlineHttpClient(HttpClient):
    """The SDK's HttpClient for one send: every request to `base` within the watchdog."""

    def __init__(self, base: str, timeout: float, stop: threading.Event | None) -> None:
        super().__init__(logger=None, is_async=False, timeout=timeout)  # type: ignore[arg-type]
        self.base = urlsplit(base)
        self.stop = stop

    def request(self, method: str, url: str, params: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        # The SDK builds its URLs on api.twilio.com; the path goes to the configured API.
        parts = urlsplit(url)
        target = parts.path + ("?" + urlencode(params or {}, doseq=True) if params else "")
        body = urlencode(data or {}, doseq=True).encode() if method.upper() == "POST" else None
        sent_headers = dict(headers or {})
        if auth is not None:
            sent_headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        if body is not None:
            sent_headers["Content-Type"] = "application/x-www-form-urlencoded"
        host, https = self.base.hostname or "", self.base.scheme == "https"
        port = self.base.port or (443 if https else 80)
        seconds = float(self.timeout or 10.0)
        with watchdog(seconds, self.stop) as watch:
            kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
            extra = {"context": ssl.create_default_context()} if https else {}
            connection = kind(host, port, timeout=max(watch.remaining(), 0.001), **extra)
            try:
                connection.connect()
                watch.attach(lambda: shut(connection.sock))
                connection.request(method.upper(), target, body=body, headers=sent_headers)
                answer = connection.getresponse()
                text = answer.read(1_000_000).decode("utf-8", "replace")
                if watch.fired:
                    raise socket.timeout("cut off")
                return Response(answer.status, text, dict(answer.getheaders()))
            except (OSError, http.client.HTTPException) as exc:
                if watch.fired == "stop":
                    raise DeliveryFailed("interrupted: the worker is stopping") from exc
                if watch.fired or isinstance(exc, TimeoutError):
                    raise DeliveryFailed(f"timed out: no complete answer from Twilio within {seconds:g} s",
                                         timed_out=True) from exc
                raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
            finally:
                connection.close()


@dataclass
class TwilioSmsBackend:
    """Sends through Twilio's Messages resource with a status callback URL."""

    account_sid: str
    auth_token: str
    sender: str
    status_callback: str
    api_url: str = "https://api.twilio.com"

    def send(self, *, to: str, body: str, reference: int, timeout: float = 10.0,
             stop: threading.Event | None = None) -> TextSent:
        if not (self.account_sid and self.auth_token and self.sender):
            raise DeliveryFailed("Twilio is not set up: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and SMS_FROM are needed")
        client = Client(self.account_sid, self.auth_token, http_client=_DeadlineHttpClient(self.api_url, timeout, stop))
        # A Messaging Service SID (MG…) sends from the service's pool of numbers.
        sender = {"messaging_service_sid": self.sender} if self.sender.startswith("MG") else {"from_": self.sender}
        try:
            message = client.messages.create(to=to, body=body, status_callback=self.status_callback, **sender)
        except TwilioRestException as exc:
            reason = f"Twilio {exc.status} error {exc.code}: {exc.msg}"
            # 4xx: this message is refused (invalid number 21211, unsubscribed 21610, …)
            # and will be refused again; 429 and 5xx are Twilio's trouble: retry.
            permanent = 400 <= exc.status < 500 and exc.status != 429
            raise DeliveryFailed(reason[:2000], permanent=permanent, status_code=exc.status) from exc
        return TextSent(provider_id=message.sid, status=message.status or "")
