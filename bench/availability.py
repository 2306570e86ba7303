"""Availability cost against table size.

Builds a SQLite database with the demo-like catalog, measures one day's availability
with a small bookings table, then again after adding many bookings on other days.
The figure that matters: time and query count per call should stay flat as the table
grows, because availability reads one day by an indexed range.

    make bench            # or: .venv/bin/python -m bench.availability [bookings]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, insert

from app.cli import upgrade_database
from app.db import make_engine, make_session_factory
from app.domain.availability import available_slots
from app.domain.models import Booking, Role, User
from tests import builders as b

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def measure(factory, engine, service_id: int, runs: int = 50) -> tuple[float, int]:
    queries = 0

    def count(*_args):
        nonlocal queries
        queries += 1

    timings = []
    event.listen(engine, "before_cursor_execute", count)
    for _ in range(runs):
        with factory() as session:
            start = time.perf_counter()
            available_slots(session, service_id=service_id, day="2026-11-24", now=NOW)
            timings.append(time.perf_counter() - start)
    event.remove(engine, "before_cursor_execute", count)
    return statistics.median(timings) * 1000, queries // runs


def main(extra_bookings: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade_database(url)
        engine = make_engine(url)
        factory = make_session_factory(engine, {})
        with factory() as session:
            loc = b.location(session)
            svc = b.service(session, loc)
            agents = [b.agent(session, [svc], loc, name=f"Agent {i}", email=f"a{i}@example.com") for i in range(6)]
            customer = User(email="bench@example.com", role=Role.CUSTOMER, first_name="B", last_name="Ench")
            session.add(customer)
            session.commit()
            ids = (svc.id, loc.id, customer.id, [a.id for a in agents])
        small = measure(factory, engine, ids[0])

        rows = []
        day0 = datetime(2024, 1, 1, 14, 0, tzinfo=UTC)
        for i in range(extra_bookings):
            agent_id = ids[3][i % 6]
            start = day0 + timedelta(days=(i // 6) // 4, hours=2 * ((i // 6) % 4))
            if start.date() == datetime(2026, 11, 24).date():
                continue
            rows.append({
                "booking_code": f"B{i:07d}", "status": "completed", "version": 1, "customer_id": ids[2],
                "agent_id": agent_id, "location_id": ids[1], "service_id": ids[0], "start_at": start,
                "end_at": start + timedelta(hours=1), "occupied_start": start, "occupied_end": start + timedelta(hours=1),
                "duration_minutes": 60, "slot_key": f"{ids[0]}@{int(start.timestamp())}", "subtotal": 100, "total": 100,
            })
        with engine.begin() as conn:
            for chunk in range(0, len(rows), 5000):
                conn.execute(insert(Booking), rows[chunk:chunk + 5000])
        large = measure(factory, engine, ids[0])
        print("availability, one day, 6 agents:")
        print(f"  {0:>7} other bookings: {small[0]:6.2f} ms median, {small[1]} queries")
        print(f"  {len(rows):>7} other bookings: {large[0]:6.2f} ms median, {large[1]} queries")
        engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
