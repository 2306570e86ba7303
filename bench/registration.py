"""What a flood of registrations from one address costs everyone else.

Two threads register new accounts (distinct e-mails, one client address, the app's real
Argon2 settings) while a third times `/healthz`; in process with Flask's test client
against a fresh SQLite database. Prints how many registrations were answered 302 (a
confirmation e-mail queued; the Argon2 hash now waits for the link) and 429
(throttled), the flood's wall time, and the
median and worst `/healthz` time during it. Figures are for comparing runs on one
machine (it may be shared); the tests never assert times.

    .venv/bin/python -m bench.registration
    BENCH_REGISTRATIONS=40 .venv/bin/python -m bench.registration
"""
from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from app import create_app
from app.cli import upgrade_database

REGISTRATIONS = int(os.environ.get("BENCH_REGISTRATIONS", "30"))
FLOODERS = 2


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'registration.sqlite3'}"
        upgrade_database(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "MAIL_DIR": str(Path(folder) / "mail")})
        answers: Counter[int] = Counter()
        health: list[float] = []
        done = threading.Event()

        def flood(worker: int) -> None:
            client = app.test_client()
            for i in range(worker, REGISTRATIONS, FLOODERS):
                status = client.post("/register", data={
                    "first_name": "Flood", "last_name": str(i), "email": f"flood{i}@example.com"}).status_code
                answers[status] += 1

        def probe() -> None:
            client = app.test_client()
            while not done.is_set():
                start = time.perf_counter()
                client.get("/healthz")
                health.append(time.perf_counter() - start)
                done.wait(0.05)

        prober = threading.Thread(target=probe)
        prober.start()
        start = time.perf_counter()
        flooders = [threading.Thread(target=flood, args=(w,)) for w in range(FLOODERS)]
        for t in flooders:
            t.start()
        for t in flooders:
            t.join()
        seconds = time.perf_counter() - start
        done.set()
        prober.join()
        app.extensions["engine"].dispose()
    print(f"registrations: {dict(sorted(answers.items()))} in {seconds:.1f} s")
    print(f"/healthz during the flood: median {statistics.median(health) * 1000:.1f} ms, "
          f"worst {max(health) * 1000:.1f} ms ({len(health)} probes)")


if __name__ == "__main__":
    main()
