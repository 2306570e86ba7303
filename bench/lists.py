"""`make bench-lists`: what a long list in one request costs, as its length doubles.

Every list a client can send (custom-field answers in a booking and in a price estimate,
services, extras, pricing parameters, form fields on the booking form) is sent at
lengths n, 2n and 4n, in process with Flask's test client against a fresh SQLite
database, and the median time of each request is reported with the ratio to the one
before it. Linear work doubles (ratio ~2, or ~1 when the list is refused before it is
read); quadratic work quadruples. Figures are for comparing inside one run (the machine
may be shared); the tests never assert times.

    .venv/bin/python -m bench.lists
    BENCH_LIST_SIZES=2000,4000,8000 BENCH_LIST_RUNS=3 .venv/bin/python -m bench.lists
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from app import create_app
from app.cli import upgrade_database
from app.domain import accounts
from tests import builders as b

SIZES = [int(s) for s in os.environ.get("BENCH_LIST_SIZES", "2000,4000,8000").split(",")]
RUNS = int(os.environ.get("BENCH_LIST_RUNS", "3"))
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
DAY = "2026-12-08"


def _world(folder: Path) -> tuple[Any, dict[str, Any]]:
    url = f"sqlite:///{folder / 'lists.sqlite3'}"
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "NOW": NOW,
                      "MAIL_DIR": str(folder / "mail"), "API_RATE_LIMIT": "100000000 per minute"})
    with app.extensions["session_factory"]() as session:
        loc = b.location(session)
        svc = b.service(session, loc)
        extra = b.extra(session, [svc])
        param = b.parameter(session, [svc])
        b.agent(session, [svc], loc)
        once = b.frequency(session, "One time", None, 1, "0")
        b.field(session, [svc], "single_line", "Door code", required=True)
        optional = b.field(session, [svc], "single_line", "Anything else?")
        user = accounts.create_user(session, email="bench@example.com", password="bench-password-1", first_name="Bench",
                                    last_name="Customer", now=NOW)
        token = accounts.issue_token(session, user, now=NOW)[1]
        session.commit()
        ids = {"service": svc.id, "extra": extra.id, "param": param.id, "once": once.id, "optional": optional.id,
               "token": token}
    return app, ids


def _booking(ids: dict[str, Any], **over: Any) -> dict[str, Any]:
    return {"address": "1 Main St", "frequency_id": ids["once"], "service_date": f"{DAY}T09:00:00", "arrival_window": 0,
            "services": [{"id": ids["service"]}], "payment_method": "cash"} | over


def cases(ids: dict[str, Any]) -> dict[str, Callable[[int], tuple[str, str, dict[str, Any]]]]:
    """Each list by name: n -> (method, path, request keyword arguments)."""
    bearer = {"Authorization": f"Bearer {ids['token']}"}
    answer = {"id": ids["optional"], "value": "x"}

    def api(path: str, body: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
        return "POST", f"/api/v1{path}", {"json": body, "headers": bearer}

    return {
        "booking answers": lambda n: api("/customer/bookings", _booking(ids, custom_fields=[answer] * n)),
        "estimate answers": lambda n: api("/customer/bookings/price", {"services": [{"id": ids["service"]}], "custom_fields": [answer] * n}),
        "estimate services": lambda n: api("/customer/bookings/price", {"services": [{"id": ids["service"]}] * n}),
        "estimate extras": lambda n: api("/customer/bookings/price", {"services": [
            {"id": ids["service"], "extras": [{"id": ids["extra"], "quantity": 1}] * n}]}),
        "estimate parameters": lambda n: api("/customer/bookings/price", {"services": [
            {"id": ids["service"], "pricing_parameters": [{"id": ids["param"], "quantity": 1}] * n}]}),
        "form fields /book/price": lambda n: ("POST", "/book/price", {
            "data": urlencode([("services", ids["service"])] + [(f"junk{i}", "x") for i in range(n)]),
            "content_type": "application/x-www-form-urlencoded"}),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app, ids = _world(Path(folder))
        client = app.test_client()
        print(f"{'list':26} {'n':>7} {'status':>6} {'median ms':>10} {'ratio':>6}")
        for name, build in cases(ids).items():
            before = None
            for n in SIZES:
                method, path, kwargs = build(n)
                times, status = [], 0
                for _ in range(RUNS):
                    start = time.perf_counter()
                    status = client.open(path, method=method, **kwargs).status_code
                    times.append(time.perf_counter() - start)
                median = statistics.median(times) * 1000
                ratio = f"{median / before:6.2f}" if before else ""
                print(f"{name:26} {n:>7} {status:>6} {median:10.1f} {ratio:>6}", flush=True)
                before = median
        app.extensions["engine"].dispose()


if __name__ == "__main__":
    main()
