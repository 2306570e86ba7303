"""A total deadline for one delivery: connect, headers and body together.

A socket timeout bounds each read, not the whole exchange: a receiver that drips a
header line every few seconds never trips it. A watchdog thread therefore shuts the
connection's socket down when the deadline passes, or when the worker is told to stop;
the blocked read returns at once and the transport reports why."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# How often the watchdog looks at the worker's stop flag.
STOP_POLL_SECONDS = 0.05


def shut(sock: socket.socket | None) -> None:
    """Wake whatever is blocked on `sock`, TLS or not (the base class's shutdown works
    on the descriptor and leaves an SSL object alone for its reader to fail on)."""
    if sock is None:
        return
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


class Watchdog:
    """Calls the attached abort when `seconds` have passed or `stop` is set, whichever
    comes first, unless the delivery finished before."""

    def __init__(self, seconds: float, stop: threading.Event | None) -> None:
        # Elapsed time, not the time of day: a monotonic clock is what measures it.
        self._end = time.monotonic() + seconds
        self._stop = stop
        self._done = threading.Event()
        self._abort: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self.fired: str | None = None  # "deadline" or "stop"

    def remaining(self) -> float:
        return max(self._end - time.monotonic(), 0.0)

    def attach(self, abort: Callable[[], None]) -> None:
        with self._lock:
            self._abort = abort
            if self.fired:
                abort()

    def _run(self) -> None:
        while not self._done.is_set():
            left = self._end - time.monotonic()
            if left <= 0:
                self._fire("deadline")
                return
            if self._stop is not None and self._stop.is_set():
                self._fire("stop")
                return
            self._done.wait(min(left, STOP_POLL_SECONDS) if self._stop is not None else left)

    def _fire(self, why: str) -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.fired = why
            if self._abort is not None:
                self._abort()

    def close(self) -> None:
        with self._lock:
            self._done.set()


@contextmanager
def watchdog(seconds: float, stop: threading.Event | None) -> Iterator[Watchdog]:
    watch = Watchdog(seconds, stop)
    if stop is not None and stop.is_set():
        watch.fired = "stop"
    thread = threading.Thread(target=watch._run, name="delivery-deadline", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch.close()
