"""The portal under gunicorn on loopback, on a test's database: for tests that drive it
with real clients (curl, Node, schemathesis)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(db_url: str, log_path: Path, **settings: str) -> Iterator[str]:
    """One worker serving `create_app()` with `settings` in its environment; yields its
    base URL once /healthz answers, and stops it after."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "live-test", **settings}
    with open(log_path, "w") as log:
        # No limit on the request line: generated requests may be long, and the app (not
        # gunicorn's HTML 414) is what they test.
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "1", "--limit-request-line", "0",
                                 "-b", f"127.0.0.1:{port}", "app:create_app()"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:  # until it answers, or has died
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
