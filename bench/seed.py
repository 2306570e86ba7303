"""Seeded databases for the benchmarks: 10 agents, 5 services, one location, and N
bookings inserted in bulk (straight rows, not through the booking service, so a million
takes seconds rather than hours).

Every agent works 08:00-20:00 every day. Past days are full (12 one-hour bookings per
agent, ~840 for the whole team's week); the next 7 days are half full (every other
hour), so availability has real work to do. Seeded SQLite files are kept under
instance/bench/ (ignored by git) and reused while the day and the code's schema match.
"""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from app.cli import upgrade_database
from app.db import make_engine, make_session_factory
from app.domain import accounts
from app.domain.models import Booking, Role, User
from tests import builders as b

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "instance" / "bench"
TZ = ZoneInfo("America/New_York")
AGENTS = 10
SERVICES = 5
CUSTOMERS = 1000
HOURS = range(8, 20)
FUTURE_DAYS = 7
# Bump when the seeded layout changes, so cached files are rebuilt.
LAYOUT = 5
PASSWORD = "bench-password-1"


@dataclass(frozen=True)
class Seeded:
    url: str
    bookings: int
    api_key: str
    service_id: int
    agent_ids: list[int]
    customer_ids: list[int]
    today: date


def schema_fingerprint() -> str:
    """Changes whenever a migration is added or edited, so a cached file is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "app" / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _catalog(url: str, today: date) -> dict[str, Any]:
    engine = make_engine(url)
    factory = make_session_factory(engine, {})
    now = datetime.now(UTC)
    with factory() as session:
        loc = b.location(session, "America/New_York")
        services = [
            b.service(session, loc, name=f"Service {i}", duration_minutes=60, max_days_ahead=365)
            for i in range(SERVICES)
        ]
        hours = {d: [("08:00", "20:00")] for d in range(7)}
        agents = [
            b.agent(session, services, loc, hours=hours, name=f"Agent {i}", email=f"agent{i}@example.com")
            for i in range(AGENTS)
        ]
        session.commit()
        ids = {"location": loc.id, "services": [s.id for s in services], "agents": [a.id for a in agents]}
    with factory() as session:
        # The first customer can sign in (My bookings, the move page of a booking four days
        # ahead: _rows gives them row 201); the rest are rows.
        accounts.create_user(session, email="customer@example.com", password=PASSWORD, first_name="Bench",
                             last_name="Customer", now=now)
    with engine.begin() as conn:
        conn.execute(insert(User), [
            {"email": f"customer{i}@example.com", "role": Role.CUSTOMER, "first_name": "Bench", "last_name": f"C{i}",
             "phone": "", "address": "1 Main St", "city": "", "state": "", "zip": "", "sms_notifications": False,
             "active": True, "created_at": now, "session_version": 1}
            for i in range(CUSTOMERS)
        ])
    with factory() as session:
        accounts.create_user(session, email="admin@example.com", password=PASSWORD, role="admin",
                             first_name="Bench", last_name="Admin", now=now)
        _, secret = accounts.create_api_key(session, name="bench", scope="write", now=now)
        ids["customers"] = list(session.scalars(User.__table__.select().with_only_columns(User.id)
                                                .where(User.role == Role.CUSTOMER).order_by(User.id)))
    engine.dispose()
    ids["api_key"] = secret
    return ids


def _rows(total: int, ids: dict[str, Any], today: date):
    """Booking rows as dicts of column values; active future rows first."""
    future = [(today + timedelta(days=d), "approved", h) for d in range(1, FUTURE_DAYS + 1) for h in HOURS if h % 2 == 0]
    made = 0
    base = {
        "version": 1, "frequency_id": None, "series_id": None, "occurrence_index": 0, "original_booking_id": None,
        "requested_agent_id": None, "duration_minutes": 60, "arrival_window": 0, "seat": 1, "slot_capacity": 1,
        "subtotal": 10000, "frequency_discount": 0, "discount": 0, "gift_card": 0, "tip": 0, "total": 10000,
        "price_overridden": False, "discount_code_id": None, "payment_method": "cash", "customer_notes": "",
        "staff_notes": "", "address": "1 Main St", "city": "", "state": "", "zip": "", "phone": "",
        "sms_notifications": False, "cancelled_at": None, "cancellation_reason": "", "reminder_sent_at": None, "sms_reminder_sent_at": None,
        "location_id": ids["location"],
    }
    customers, services = ids["customers"], ids["services"]

    def row(day: date, hour: int, agent_id: int, status: str) -> dict[str, Any]:
        nonlocal made
        start = datetime.combine(day, time(hour), TZ).astimezone(UTC)
        end = start + timedelta(hours=1)
        service_id = services[made % len(services)]
        made += 1
        return base | {
            "booking_code": f"BENCH{made:09d}", "status": status, "customer_id": customers[(made - 201) % len(customers)],
            "agent_id": agent_id, "service_id": service_id, "start_at": start, "end_at": end,
            "occupied_start": start, "occupied_end": end, "slot_key": f"{service_id}@{int(start.timestamp())}",
            "created_at": start - timedelta(days=3), "updated_at": start - timedelta(days=3), "change_number": made,
        }

    for day, status, hour in future:
        for agent_id in ids["agents"]:
            if made < total:
                yield row(day, hour, agent_id, status)
    day = today
    while made < total:
        for hour in HOURS:
            for agent_id in ids["agents"]:
                if made < total:
                    yield row(day, hour, agent_id, "completed" if day < today else "approved")
        day -= timedelta(days=1)


COLUMNS = [c.name for c in Booking.__table__.columns if c.name != "id"]
# Every booking has its service line (as the booking service writes it): the pages that
# show or move a booking read its lines. One statement after the rows, on both databases.
LINES = (
    "INSERT INTO booking_lines (booking_id, position, service_id, name, pricing_mode, unit_price, workers, minutes, amount,"
    " duration_minutes) SELECT b.id, 0, b.service_id, s.name, 'fixed', 10000, 1, 60, 10000, 60"
    " FROM bookings b JOIN services s ON s.id = b.service_id"
)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, bool):
        return int(value)
    return value


def seed_sqlite(total: int, today: date | None = None) -> Seeded:
    """A seeded SQLite file for `total` bookings (cached); callers copy it before writing."""
    today = today or datetime.now(TZ).date()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"bookings-{total}-{today.isoformat()}-{schema_fingerprint()}-{LAYOUT}.sqlite3"
    meta = path.with_suffix(".key")
    if not (path.exists() and meta.exists()):
        for old in CACHE.glob(f"bookings-{total}-*"):
            old.unlink()
        work = path.with_suffix(".tmp")
        work.unlink(missing_ok=True)
        url = f"sqlite:///{work}"
        upgrade_database(url)
        ids = _catalog(url, today)
        conn = sqlite3.connect(work)
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        sql = f"INSERT INTO bookings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
        batch: list[tuple[Any, ...]] = []
        with conn:
            for r in _rows(total, ids, today):
                batch.append(tuple(_sqlite_value(r[c]) for c in COLUMNS))
                if len(batch) == 20_000:
                    conn.executemany(sql, batch)
                    batch.clear()
            conn.executemany(sql, batch)
        with conn:
            conn.execute(LINES)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
        work.rename(path)
        meta.write_text(ids["api_key"])
    return _describe(f"sqlite:///{path}", total, meta.read_text(), today)


def seed_postgres(admin_url: str, total: int, today: date | None = None) -> Seeded:
    """A fresh PostgreSQL database `booking_bench_<total>` seeded with COPY."""
    import psycopg

    today = today or datetime.now(TZ).date()
    base, _, _ = admin_url.replace("postgresql+psycopg://", "postgresql://").rpartition("/")
    name = f"booking_bench_{total}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://{base.removeprefix('postgresql://')}/{name}"
    upgrade_database(url)
    ids = _catalog(url, today)
    with psycopg.connect(f"{base}/{name}") as conn:
        with conn.cursor() as cur, cur.copy(f"COPY bookings ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for r in _rows(total, ids, today):
                copy.write_row([r[c] for c in COLUMNS])
        conn.execute(LINES)
        conn.execute("ANALYZE")
    return _describe(url, total, ids["api_key"], today)


def _describe(url: str, total: int, api_key: str, today: date) -> Seeded:
    engine = make_engine(url)
    with engine.connect() as conn:
        agents = [r[0] for r in conn.exec_driver_sql("SELECT id FROM agents ORDER BY id")]
        services = [r[0] for r in conn.exec_driver_sql("SELECT id FROM services ORDER BY id")]
        customers = [r[0] for r in conn.exec_driver_sql("SELECT id FROM users WHERE role = 'customer' ORDER BY id LIMIT 50")]
    engine.dispose()
    return Seeded(url, total, api_key, services[0], agents, customers, today)


def working_copy(seeded: Seeded, target: Path) -> Seeded:
    """A copy of a seeded SQLite file to write to (the cached file stays pristine)."""
    source = Path(seeded.url.removeprefix("sqlite:///"))
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    return Seeded(f"sqlite:///{target}", seeded.bookings, seeded.api_key, seeded.service_id, seeded.agent_ids,
                  seeded.customer_ids, seeded.today)
