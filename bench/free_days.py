"""The month calendar against one day.

Builds a SQLite database with six agents and a busy month of approved bookings, then
measures one day's free times (available_slots) and a whole month of free days
(free_days) for one service. The figure that matters: a month must cost no more than a
few one-day calls, in time and in queries.

    .venv/bin/python -m bench.free_days
"""
from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

from app.cli import upgrade_database
from app.db import make_engine, make_session_factory
from app.domain.availability import available_slots
from app.domain.free_days import free_days
from app.domain.inputs import ServiceLineInput
from app.domain.models import Booking, Role, User
from tests import builders as b

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def measure(factory, engine, call: Callable, runs: int = 20) -> tuple[float, int]:
    queries = 0

    def count(*_args):
        nonlocal queries
        queries += 1

    timings = []
    event.listen(engine, "before_cursor_execute", count)
    for _ in range(runs):
        with factory() as session:
            start = time.perf_counter()
            call(session)
            timings.append(time.perf_counter() - start)
    event.remove(engine, "before_cursor_execute", count)
    return statistics.median(timings) * 1000, queries // runs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        factory = make_session_factory(engine, {})
        with factory() as session:
            loc = b.location(session)
            svc = b.service(session, loc, max_days_ahead=90)
            agents = [b.agent(session, [svc], loc, name=f"Agent {i}", email=f"a{i}@example.com") for i in range(6)]
            customer = User(email="bench@example.com", role=Role.CUSTOMER, first_name="B", last_name="Ench")
            session.add(customer)
            session.commit()
            svc_id, loc_id, customer_id, agent_ids = svc.id, loc.id, customer.id, [a.id for a in agents]
        rows = []
        # December: every agent has three one-hour bookings a day (10:00, 12:00, 14:00 New York).
        for day in range(31):
            for n, agent_id in enumerate(agent_ids):
                for hour in (15, 17, 19):
                    start = datetime(2026, 12, 1, hour, 0, tzinfo=UTC) + timedelta(days=day)
                    rows.append({
                        "booking_code": f"B{len(rows):07d}", "status": "approved", "version": 1, "customer_id": customer_id,
                        "agent_id": agent_id, "location_id": loc_id, "service_id": svc_id, "start_at": start,
                        "end_at": start + timedelta(hours=1), "occupied_start": start, "occupied_end": start + timedelta(hours=1),
                        "duration_minutes": 60, "slot_key": f"{svc_id}@{int(start.timestamp())}", "subtotal": 100, "total": 100,
                    })
        with engine.begin() as conn:
            conn.execute(insert(Booking), rows)
        one_day = measure(factory, engine, lambda s: available_slots(s, service_id=svc_id, day="2026-12-15", now=NOW))
        month = measure(factory, engine, lambda s: free_days(
            s, [ServiceLineInput(svc_id)], first=date(2026, 12, 1), last=date(2026, 12, 31), now=NOW))
        print(f"free days, 6 agents, {len(rows)} bookings in the month:")
        print(f"  one day  (available_slots): {one_day[0]:7.2f} ms median, {one_day[1]} queries")
        print(f"  31 days  (free_days):       {month[0]:7.2f} ms median, {month[1]} queries")
        print(f"  a month costs {month[0] / one_day[0]:.1f} one-day calls")
        engine.dispose()


if __name__ == "__main__":
    main()
