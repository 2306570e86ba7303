"""A loopback stand-in for Twilio's Messages resource, as Twilio documents it
(https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):

POST /2010-04-01/Accounts/{AccountSid}/Messages.json, HTTP basic auth with the account
SID and auth token, a form-encoded body with `To`, `From` (or `MessagingServiceSid`),
`Body` and `StatusCallback`; it answers 201 with the message's JSON (`sid` SM…, `status`
queued, `num_segments`), and refuses with Twilio's error JSON (`code`, `message`,
`more_info`, `status`): 20003 for bad credentials (401), 21211 for a number that is
not valid (400), 21610 for a recipient who replied STOP (400), 20500 for its own
trouble (5xx). It can be told to fail the next requests with a status, or to hold
them (a receiver too slow for the deadline)."""
from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "twilio-test-auth-token"
SENDER = "+12015550199"


@dataclass
class Twilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    # Numbers refused as not valid (21211) and as unsubscribed (21610).
    invalid: set[str] = field(default_factory=set)
    unsubscribed: set[str] = field(default_factory=set)
    # Statuses to answer the next requests with (500, 503), one each, before working again.
    fail_next: list[int] = field(default_factory=list)
    # Set: every request waits for it (at most 30 s) before answering.
    hold: threading.Event | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error(self, status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
        return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}

    def answer(self, path: str, headers: Any, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        auth = headers.get("Authorization", "")
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if auth != f"Basic {credentials}":
            return self.error(401, 20003, "Authenticate")
        if path != expected:
            return self.error(404, 20404, f"The requested resource {path} was not found")
        with self._lock:
            failure = self.fail_next.pop(0) if self.fail_next else None
        if failure is not None:
            return self.error(failure, 20500, "Internal Server Error")
        to, body = form.get("To", ""), form.get("Body", "")
        if not to:
            return self.error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self.error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message.")
        if not body:
            return self.error(400, 21602, "Message body is required.")
        if to in self.invalid:
            return self.error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if to in self.unsubscribed:
            return self.error(400, 21610, "Attempt to send to unsubscribed recipient")
        sid = "SM" + secrets.token_hex(16)
        stamp = format_datetime(datetime.now(UTC), usegmt=True)
        message = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": body, "date_created": stamp,
            "date_sent": None, "date_updated": stamp, "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": form.get("From"), "messaging_service_sid": form.get("MessagingServiceSid"), "num_media": "0",
            "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
            "to": to, "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "status_callback": form.get("StatusCallback"),
        }
        with self._lock:
            self.messages.append(message)
        return 201, message

    def start(self) -> Twilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
                with fake._lock:
                    fake.requests.append({"path": self.path, "form": form, "content_type": self.headers.get("Content-Type")})
                if fake.hold is not None:
                    fake.hold.wait(timeout=30)
                status, payload = fake.answer(self.path, self.headers, form)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (its deadline)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.hold is not None:
            self.hold.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def twilio():
    fake = Twilio().start()
    yield fake
    fake.stop()
