"""`make bench`: the portal against a minimal Flask app, side by side in one run.

For 1 k, 100 k and 1 M seeded bookings (bench/seed.py) it serves the portal with
`gunicorn -w 2` and a minimal Flask app doing one indexed SQLite SELECT (bench/reference.py)
the same way, loads both the same way (wrk -t1 -c4 when installed, else a small Python
load generator), and measures in process: SQL statements per warm request, booking
create/reschedule/cancel medians, the admin week view and a month of day-level
availability. It also loads the pages people open (bench/pages.py: the booking page, a
form refresh, home, My bookings, the move page, the admin week view). With a PostgreSQL
server answering at BENCH_PG_URL (default: the test server) the portal's figures are
taken there too. BENCH_BEFORE=<another checkout> serves that checkout's code on the same
files in the same run, in "before" columns (the other checkout needs this bench/ folder).

The machine may be shared, so absolute figures are noisy: the ratios inside one run
are what to compare.

    make bench
    BENCH_SIZES=1000,100000 BENCH_SECONDS=3 .venv/bin/python -m bench.run
    BENCH_BEFORE=/tmp/old-checkout BENCH_PG_SIZES= .venv/bin/python -m bench.run
"""
from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app import create_app
from app.domain.availability import available_slots
from app.domain.booking import cancel_booking, create_booking, reschedule_booking
from app.domain.inputs import BookingRequest, ServiceLineInput

from . import pages as page_loads
from .pages import Page, wrk_script
from .seed import PASSWORD, ROOT, TZ, Seeded, seed_postgres, seed_sqlite, working_copy

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,100000,1000000").split(",")]
PG_SIZES = [int(s) for s in os.environ.get("BENCH_PG_SIZES", "1000,100000").split(",") if s]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/booking_test")
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
# Another checkout (a folder with its own app/ and bench/serve.py) to serve beside this one
# on the same files in the same run: before-and-after columns under the same load.
BEFORE = Path(os.environ["BENCH_BEFORE"]) if os.environ.get("BENCH_BEFORE") else None
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(module: str, env: dict[str, str], root: Path = ROOT) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
        cwd=root, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "gunicorn exited")
                time.sleep(0.2)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def get(port: int, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET" if body is None else "POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def load(port: int, path: str, headers: dict[str, str], body: str | None = None) -> tuple[float, int, float | None]:
    """Requests per second over SECONDS, how many answers were not 200, and the median
    latency in ms (wrk only). `body` makes the requests POSTs of that form."""
    status, answer = get(port, path, headers, body)  # warm the workers and check the answer
    if status != 200:
        raise RuntimeError(f"{path}: {status} {answer[:300]!r}")
    for _ in range(20):
        get(port, path, headers, body)
    if shutil.which("wrk"):
        args = ["wrk", "-t1", "-c4", f"-d{SECONDS}s", "--latency"]
        for name, value in headers.items():
            args += ["-H", f"{name}: {value}"]
        with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
            args += wrk_script(Page(path, headers, body), Path(folder))
            out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                                 check=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
        median = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)] if p50 else None
        return rate, int(bad.group(1)) if bad else 0, median
    return (*_python_load(port, path, headers, body), None)


def _python_load(port: int, path: str, headers: dict[str, str], body: str | None) -> tuple[float, int]:
    done, bad = [0], [0]
    stop = time.monotonic() + SECONDS

    def worker() -> None:
        while time.monotonic() < stop:
            status, _ = get(port, path, headers, body)
            done[0] += 1
            bad[0] += status != 200

    threads = [threading.Thread(target=worker) for _ in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - start), bad[0]


def worker_rss_mb(master: subprocess.Popen[bytes]) -> float:
    """The largest resident size among the gunicorn workers, in MB."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)  # type: ignore[union-attr]
    return max(sizes)


def availability_paths(seeded: Seeded) -> dict[str, str]:
    day = (seeded.today + timedelta(days=2)).isoformat()
    return {
        "day": f"/api/v1/availability?service_id={seeded.service_id}&date={day}",
        "days14": f"/api/v1/availability?service_id={seeded.service_id}&date={day}&days=14",
    }


@contextlib.contextmanager
def counting(engine: Any) -> Iterator[list[int]]:
    count = [0]

    def hook(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def in_process(seeded: Seeded) -> dict[str, Any]:
    """Statements per warm request, booking writes, week view and month vs day."""
    app = create_app({"DATABASE_URL": seeded.url, "API_RATE_LIMIT": "100000000 per minute", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "PUBLIC_URL": "http://127.0.0.1"})
    engine = app.extensions["engine"]
    client = app.test_client()
    headers = {"X-API-Key": seeded.api_key}
    out: dict[str, Any] = {}
    for name, path in availability_paths(seeded).items():
        client.get(path, headers=headers)
        with counting(engine) as count:
            assert client.get(path, headers=headers).status_code == 200
        out[f"statements_{name}"] = count[0]
    out |= page_loads.statements(app, seeded, counting)
    out |= writes(app, seeded)
    out |= week_view(app, client, seeded)
    out |= month_vs_day(app, seeded)
    engine.dispose()
    return out


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def writes(app: Any, seeded: Seeded, runs: int = 30) -> dict[str, float]:
    from tests.builders import STAFF

    factory = app.extensions["session_factory"]
    created, moved, cancelled = [], [], []
    for i in range(runs):
        day = seeded.today + timedelta(days=20 + i // len(seeded.agent_ids))
        agent = seeded.agent_ids[i % len(seeded.agent_ids)]
        start = datetime.combine(day, dtime(9), TZ).astimezone(UTC)
        request = BookingRequest(services=[ServiceLineInput(id=seeded.service_id)], start_at=start, agent_id=agent,
                                 customer_id=seeded.customer_ids[i % len(seeded.customer_ids)])
        with factory() as session:
            t = time.perf_counter()
            booking = create_booking(session, request, actor=STAFF, now=datetime.now(UTC)).booking
            created.append(time.perf_counter() - t)
            booking_id = booking.id
        with factory() as session:
            t = time.perf_counter()
            reschedule_booking(session, booking_id, actor=STAFF, now=datetime.now(UTC), start_at=start + timedelta(hours=2))
            moved.append(time.perf_counter() - t)
        with factory() as session:
            t = time.perf_counter()
            cancel_booking(session, booking_id, actor=STAFF, now=datetime.now(UTC))
            cancelled.append(time.perf_counter() - t)
    return {"create_ms": median_ms(created), "reschedule_ms": median_ms(moved), "cancel_ms": median_ms(cancelled)}


def week_view(app: Any, client: Any, seeded: Seeded, runs: int = 20) -> dict[str, float]:
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    if response.status_code not in (200, 302):
        return {}
    week = seeded.today.isoformat()
    path = f"/admin/calendar?view=week&date={week}"
    client.get(path)
    timings = []
    for _ in range(runs):
        t = time.perf_counter()
        body = client.get(path).get_data()
        timings.append(time.perf_counter() - t)
    with counting(app.extensions["engine"]) as count:
        client.get(path)
    timings.sort()
    return {"week_p95_ms": timings[int(0.95 * (len(timings) - 1))] * 1000, "week_kb": len(body) / 1024,
            "week_statements": count[0]}


def month_vs_day(app: Any, seeded: Seeded, runs: int = 10) -> dict[str, float]:
    """The booking form's month calendar (free_days) against one day, warm and cold (no
    cache). "One day" is measured twice: as the same form asks for it (slots_for_request,
    the same service lines, so the same validation of them), and as the API's
    available_slots (no service lines to validate)."""
    from app.domain.availability import slots_for_request
    from app.domain.free_days import free_days

    factory = app.extensions["session_factory"]
    first = seeded.today + timedelta(days=1)
    lines = [ServiceLineInput(id=seeded.service_id)]

    def session_for(cold: bool) -> Any:
        session = factory()
        if cold:
            session.info["cache"] = None
        return session

    def form_day(cold: bool) -> Callable[[], None]:
        def run() -> None:
            with session_for(cold) as session:
                slots_for_request(session, lines, day=first, now=datetime.now(UTC))
        return run

    def api_day(cold: bool) -> Callable[[], None]:
        def run() -> None:
            with session_for(cold) as session:
                available_slots(session, service_id=seeded.service_id, day=first, now=datetime.now(UTC))
        return run

    def month(cold: bool) -> Callable[[], None]:
        def run() -> None:
            with session_for(cold) as session:
                free_days(session, lines, first=first, last=first + timedelta(days=29), now=datetime.now(UTC))
        return run

    out = {}
    for label, cold in (("", False), ("_cold", True)):
        month_ms = timed(month(cold), runs)
        out[f"month{label}_ms"] = month_ms
        out[f"month{label}_ratio"] = month_ms / timed(form_day(cold), runs)
        out[f"month{label}_api_ratio"] = month_ms / timed(api_day(cold), runs)
    return out


def timed(fn: Callable[[], None], runs: int) -> float:
    fn()
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


def measure(seeded: Seeded, reference_rate: float | None, root: Path = ROOT) -> dict[str, Any]:
    """The served figures; with the in-process ones unless `root` is another checkout
    (BENCH_BEFORE), whose app is served from its own folder."""
    headers = {"X-API-Key": seeded.api_key}
    result: dict[str, Any] = {}
    # Plain http on loopback: PUBLIC_URL says so, so the session cookie is not Secure-only.
    with served("bench.serve:app", {"DATABASE_URL": seeded.url, "PUBLIC_URL": "http://127.0.0.1"}, root) as (port, proc):
        for name, path in availability_paths(seeded).items():
            rate, bad, _ = load(port, path, headers)
            result[f"rate_{name}"] = rate
            result[f"bad_{name}"] = bad
            if reference_rate:
                result[f"ratio_{name}"] = rate / reference_rate
        for name, page in page_loads.pages(port, seeded).items():
            rate, bad, median = load(port, page.path, page.headers, page.body)
            result[f"page_{name}"] = rate
            result[f"page_{name}_p50"] = median
            result[f"bad_page_{name}"] = bad
            if reference_rate:
                result[f"page_{name}_ratio"] = rate / reference_rate
        result["rss_mb"] = worker_rss_mb(proc)
    if root == ROOT:
        result |= in_process(seeded)
    return result


def reference(seeded: Seeded) -> dict[str, Any]:
    with served("bench.reference:app", {"BENCH_DB": seeded.url}) as (port, proc):
        rate, bad, _ = load(port, "/ref", {})
        return {"rate": rate, "bad": bad, "rss_mb": worker_rss_mb(proc)}


def pg_answers() -> bool:
    try:
        import psycopg

        base = PG_URL.replace("postgresql+psycopg://", "postgresql://").rpartition("/")[0]
        with psycopg.connect(f"{base}/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means "no server here"
        return False


ROWS = [
    ("reference (minimal Flask + 1 SELECT) req/s", "ref_rate", "{:.0f}"),
    ("free times, one day, req/s", "rate_day", "{:.0f}"),
    ("  ratio to reference", "ratio_day", "{:.0%}"),
    ("free times, days=14, req/s", "rate_days14", "{:.0f}"),
    ("  ratio to reference", "ratio_days14", "{:.0%}"),
    *[row for name, title in (("book", "booking page GET /book?service=N"), ("refresh", "form refresh (POST, day changed)"),
                              ("home", "home page /"), ("my_bookings", "My bookings"), ("move", "move page"),
                              ("week", "admin week view"))
      for row in ((f"{title}, req/s", f"page_{name}", "{:.0f}"), ("  ratio to reference", f"page_{name}_ratio", "{:.0%}"),
                  ("  median latency ms (wrk)", f"page_{name}_p50", "{:.1f}"),
                  ("  statements per request (warm)", f"pst_{name}", "{}"))],
    ("non-200 answers under load", "bad", "{}"),
    ("statements per request, one day (warm)", "statements_day", "{}"),
    ("statements per request, days=14 (warm)", "statements_days14", "{}"),
    ("create booking, median ms", "create_ms", "{:.1f}"),
    ("  ratio to 1 k", "create_x", "{:.2f}x"),
    ("reschedule, median ms", "reschedule_ms", "{:.1f}"),
    ("  ratio to 1 k", "reschedule_x", "{:.2f}x"),
    ("cancel, median ms", "cancel_ms", "{:.1f}"),
    ("  ratio to 1 k", "cancel_x", "{:.2f}x"),
    ("admin week view p95 ms", "week_p95_ms", "{:.0f}"),
    ("admin week view KB", "week_kb", "{:.0f}"),
    ("admin week view statements", "week_statements", "{}"),
    ("month of day-level availability, ms (warm)", "month_ms", "{:.1f}"),
    ("  / one day as the form asks (warm)", "month_ratio", "{:.1f}x"),
    ("  / one day as the API asks (warm)", "month_api_ratio", "{:.1f}x"),
    ("month of day-level availability, ms (cold)", "month_cold_ms", "{:.1f}"),
    ("  / one day as the form asks (cold)", "month_cold_ratio", "{:.1f}x"),
    ("  / one day as the API asks (cold)", "month_cold_api_ratio", "{:.1f}x"),
    ("worker RSS after load, MB (reference)", "ref_rss_mb", "{:.0f}"),
    ("worker RSS after load, MB (portal)", "rss_mb", "{:.0f}"),
]


def table(columns: dict[str, dict[str, Any]]) -> str:
    names = list(columns)
    width = max(len(r[0]) for r in ROWS)
    lines = ["| measure".ljust(width + 2) + " | " + " | ".join(names) + " |",
             "|" + "-" * (width + 2) + "|" + "|".join("-" * (len(n) + 2) for n in names) + "|"]
    for label, key, fmt in ROWS:
        cells = []
        for name in names:
            value = columns[name].get(key)
            cells.append((fmt.format(value) if value is not None else "–").rjust(len(name)))
        lines.append(f"| {label.ljust(width)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def with_ratios(columns: dict[str, dict[str, Any]], prefix: str) -> None:
    base = next((c for n, c in columns.items() if n.startswith(prefix)), None)
    for name, col in columns.items():
        if base and name.startswith(prefix):
            for key in ("create", "reschedule", "cancel"):
                if f"{key}_ms" in col:
                    col[f"{key}_x"] = col[f"{key}_ms"] / base[f"{key}_ms"]
        col["bad"] = sum(v for k, v in col.items() if k.startswith("bad_"))


def label(size: int) -> str:
    return f"{size // 1_000_000} M" if size >= 1_000_000 else f"{size // 1000} k"


def main() -> None:
    started = time.monotonic()
    columns: dict[str, dict[str, Any]] = {}
    ref_rate = None
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for size in SIZES:
            t = time.monotonic()
            cached = seed_sqlite(size)
            print(f"seeded {size} bookings in {time.monotonic() - t:.1f}s", file=sys.stderr, flush=True)
            ref = reference(cached)
            ref_rate = ref["rate"]
            copy = working_copy(cached, Path(tmp) / f"bench-{size}.sqlite3")
            col = {"ref_rate": ref["rate"], "ref_rss_mb": ref["rss_mb"], "bad_ref": ref["bad"]} | measure(copy, ref_rate)
            columns[f"SQLite {label(size)}"] = col
            if BEFORE:
                # The same file, pages and load, served by the other checkout's code.
                before = working_copy(cached, Path(tmp) / f"before-{size}.sqlite3")
                columns[f"before {label(size)}"] = {"ref_rate": ref["rate"]} | measure(before, ref_rate, BEFORE)
                Path(before.url.removeprefix("sqlite:///")).unlink()
            Path(copy.url.removeprefix("sqlite:///")).unlink()
            print(f"measured SQLite {size} ({time.monotonic() - started:.0f}s so far)", file=sys.stderr, flush=True)
        if PG_SIZES and pg_answers():
            for size in PG_SIZES:
                seeded = seed_postgres(PG_URL, size)
                columns[f"PG {label(size)}"] = {"ref_rate": ref_rate} | measure(seeded, ref_rate)
                print(f"measured PostgreSQL {size} ({time.monotonic() - started:.0f}s so far)", file=sys.stderr, flush=True)
        elif PG_SIZES:
            print(f"No PostgreSQL answered at {PG_URL}: SQLite figures only.", file=sys.stderr)
    with_ratios(columns, "SQLite")
    with_ratios(columns, "PG")
    loader = "wrk -t1 -c4" if shutil.which("wrk") else "Python load generator, 4 threads"
    print(f"\nLoad: {loader}, {SECONDS}s per endpoint, gunicorn -w 2, loopback; reference = a minimal Flask app "
          "doing one indexed SQLite SELECT on the same file, in the same run (PG columns compare to the last SQLite "
          "reference).\nShared machine: absolute figures are noisy, the ratios within this run are what count.\n")
    print(table(columns))
    print(f"\n({time.monotonic() - started:.0f}s in all)")


if __name__ == "__main__":
    main()
