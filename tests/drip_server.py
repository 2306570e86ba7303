"""A real server on loopback that answers as slowly as a hostile receiver can: it
sends a first line, then another line every `interval` seconds for as long as the
client listens, never finishing its answer. As an HTTP server it drips header lines
(`HTTP/1.1 200 OK`, then `X-Wait: n`); as an SMTP server, greeting continuation lines
(`220-...`). Every per-read timeout is met; only a total deadline ends the exchange."""
from __future__ import annotations

import socket
import threading

HTTP = ("HTTP/1.1 200 OK\r\n", "X-Wait: {n}\r\n")
SMTP = ("220-mail.test ESMTP\r\n", "220-still greeting {n}\r\n")


class DripServer:
    def __init__(self, lines: tuple[str, str] = HTTP, interval: float = 0.2) -> None:
        self.first, self.more = lines
        self.interval = interval
        self.connections = 0
        self.open = 0
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> DripServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._changed:
                self.connections += 1
                self.open += 1
                self._changed.notify_all()
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        n = 0
        try:
            conn.sendall(self.first.encode())
            # The server's own pace; the client's deadline is what must end this.
            while not self._stop.wait(self.interval):
                n += 1
                conn.sendall(self.more.format(n=n).encode())
        except OSError:
            pass  # the client hung up
        finally:
            conn.close()
            with self._changed:
                self.open -= 1
                self._changed.notify_all()

    def wait_until(self, condition, timeout: float = 30) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout)

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
