"""A real webhook receiver on loopback: verifies every request with the
standardwebhooks library, keeps each event once by webhook-id, and can be told to
answer 500, to hold a request until released (all of them: `hold`; one by one:
`holding` and `release`), or be stopped (connections refused)."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self) -> None:
        self.secret: str | None = None
        self.fail = False
        self.hold: threading.Event | None = None
        self.held = threading.Event()
        self.attempts: list[str] = []
        self.paths: list[str] = []
        self.accepted: dict[str, dict[str, Any]] = {}
        self.duplicates: list[str] = []
        self.bad_signatures = 0
        # While `holding`, each request arriving waits (its id in `waiting`) until released.
        self.holding = False
        self.waiting: list[str] = []
        self._released: set[str] = set()
        self._changed = threading.Condition()
        self.port = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks?from=portal"

    def _wait_for_release(self, event_id: str) -> None:
        with self._changed:
            self.waiting.append(event_id)
            self._changed.notify_all()
            self._changed.wait_for(lambda: event_id in self._released, timeout=30)

    def release(self, event_id: str) -> None:
        with self._changed:
            self._released.add(event_id)
            self._changed.notify_all()

    def wait_until(self, condition: Any, timeout: float = 30) -> bool:
        """Wait until `condition()` holds about the requests waiting (True), or give up."""
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event_id = self.headers.get("webhook-id", "")
                with receiver._lock:
                    receiver.attempts.append(event_id)
                    receiver.paths.append(self.path)
                if receiver.holding:
                    receiver._wait_for_release(event_id)
                if receiver.hold is not None:
                    receiver.held.set()
                    receiver.hold.wait(timeout=30)
                if receiver.fail:
                    self._answer(500)
                    return
                try:
                    payload = Webhook(receiver.secret or "").verify(body, dict(self.headers))
                except WebhookVerificationError:
                    with receiver._lock:
                        receiver.bad_signatures += 1
                    self._answer(400)
                    return
                with receiver._lock:
                    if event_id in receiver.accepted:
                        receiver.duplicates.append(event_id)
                    else:
                        receiver.accepted[event_id] = payload
                self._answer(204)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        # A short poll: stop() waits for the loop to see its flag (0.5 s by default).
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def types(self) -> list[str]:
        return sorted(p["type"] for p in self.accepted.values())

    @staticmethod
    def body(payload: dict[str, Any]) -> str:
        return json.dumps(payload)
