"""A throwaway redis-server on a free loopback port, for the shared-cache tests. CI
machines have redis-server (Debian's package); without it the caller skips, and says so."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def real_clock_env() -> dict[str, str]:
    """This environment without libfaketime's variables: a service the tests start
    (Redis) keeps the machine's real clock, as it would beside a deployed app, when
    the suite itself runs under `faketime` (see .ci/run)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith(("FAKETIME", "DONT_FAKE"))}


@contextmanager
def redis_server(workdir: Path) -> Iterator[str | None]:
    """Yields a redis:// URL, or None when redis-server is not installed."""
    server = shutil.which("redis-server")
    if server is None:
        yield None
        return
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir, env=real_clock_env())
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
