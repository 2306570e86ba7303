"""How write services become atomic, and the database backstops behind them.

Every write service starts with `begin_write()`, which serialises writers that could
clash (same agents, same discount code) before anything is read for the re-check:

* PostgreSQL: `SELECT ... FOR UPDATE` on the agent rows and the discount-code row,
  ids sorted so two writers never wait on each other in opposite orders.
* SQLite: `BEGIN IMMEDIATE`, which takes the database's single write lock at the start
  of the transaction, so a second writer waits (busy timeout) instead of reading a state
  that is about to change. SQLAlchemy ignores `with_for_update()` on SQLite, so this is
  the lock there.

Behind the locks, the schema refuses a double booking or an overused code by itself,
so a bug in the application layer still cannot produce one (see BACKSTOPS). Their
violations are translated back into the domain's own errors.

Every flush also raises the cache generations of what it changes (`_raise_versions`),
in the same transaction: the schedule version of each agent whose bookings, time off
or hours change, and the catalog version when services, locations, agents, hours or
settings do. Cached answers are keyed by them (cache.py), and because the bump rides
on the flush itself, no write path can forget it.

`session.info["locks_enabled"] = False` turns the locks off; it exists only so the
concurrency tests can show that the race is real (pretix's pairs of tests).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from typing import Any

from sqlalchemy import Connection, event, func, inspect, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .cache import API_KEYS, CATALOG, mark_written
from .errors import DiscountCodeExhausted, DomainError, EmailTaken, SlotUnavailable
from .models.settings import new_generation
from .models import (
    Agent, ApiKey, Booking, CacheVersion, CustomField, CustomFieldOption, DiscountCode, Extra, Frequency, Location, PricingParameter,
    Service, Setting, TimeOff, WorkingHours,
)
from .models.enums import SLOT_HOLDING_STATUSES, sql_in

# Version 2 (0016_payments): a booking waiting for its payment holds its slot too.
_ACTIVE = sql_in(list(SLOT_HOLDING_STATUSES))


@dataclass(frozen=True)
class Backstop:
    name: str
    create: str
    drop: str


# The overlap rule: two active bookings of one agent may overlap only when they share a
# slot (same service and start, capacity > 1) and then never on the same seat.
PG_BACKSTOPS = (
    Backstop(
        "xc_bookings_agent_no_overlap",
        "ALTER TABLE bookings ADD CONSTRAINT xc_bookings_agent_no_overlap EXCLUDE USING gist "
        "(agent_id WITH =, tstzrange(occupied_start, occupied_end, '[)') WITH &&, slot_key WITH <>) "
        f"WHERE (status IN {_ACTIVE})",
        "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS xc_bookings_agent_no_overlap",
    ),
    Backstop(
        "uq_bookings_agent_slot_seat",
        "CREATE UNIQUE INDEX uq_bookings_agent_slot_seat ON bookings (agent_id, slot_key, seat) "
        f"WHERE status IN {_ACTIVE}",
        "DROP INDEX IF EXISTS uq_bookings_agent_slot_seat",
    ),
    Backstop(
        "ck_discount_codes_within_max_uses",
        "ALTER TABLE discount_codes ADD CONSTRAINT ck_discount_codes_within_max_uses "
        "CHECK (max_uses IS NULL OR uses_count <= max_uses)",
        "ALTER TABLE discount_codes DROP CONSTRAINT IF EXISTS ck_discount_codes_within_max_uses",
    ),
    Backstop(
        "ck_discount_codes_balance_not_negative",
        "ALTER TABLE discount_codes ADD CONSTRAINT ck_discount_codes_balance_not_negative "
        "CHECK (balance IS NULL OR balance >= 0)",
        "ALTER TABLE discount_codes DROP CONSTRAINT IF EXISTS ck_discount_codes_balance_not_negative",
    ),
)

# No booking occupies its agent longer than this (24 h at most plus two buffers of at
# most 4 h each); the overlap test relies on it, and the trigger refuses a longer one.
MAX_OCCUPANCY_HOURS = 48

# `occupied_start > NEW.occupied_start - MAX_OCCUPANCY` bounds the range read on
# (agent_id, occupied_start) to the agent's last two days: without it every earlier
# booking of the agent is visited, and a write slows down as the table grows.
_SQLITE_OVERLAP = (
    "SELECT RAISE(ABORT, 'booking_too_long') "
    f"WHERE NEW.occupied_end > datetime(NEW.occupied_start, '+{MAX_OCCUPANCY_HOURS} hours');"
    " SELECT RAISE(ABORT, 'slot_unavailable') WHERE EXISTS ("
    " SELECT 1 FROM bookings b WHERE b.agent_id = NEW.agent_id"
    f" AND b.occupied_start > datetime(NEW.occupied_start, '-{MAX_OCCUPANCY_HOURS} hours')"
    " AND b.occupied_start < NEW.occupied_end"
    f" AND b.status IN {_ACTIVE} AND b.id IS NOT NEW.id"
    " AND b.occupied_end > NEW.occupied_start"
    " AND (b.slot_key <> NEW.slot_key OR b.seat = NEW.seat));"
)

# SQLite stores the UTC instants as ISO text of one fixed width, so text comparison is
# time comparison. datetime() drops the fraction, which only widens the bound (by < 1 s).
SQLITE_BACKSTOPS = (
    Backstop(
        "tr_bookings_no_overlap_insert",
        "CREATE TRIGGER tr_bookings_no_overlap_insert BEFORE INSERT ON bookings "
        f"WHEN NEW.status IN {_ACTIVE} BEGIN {_SQLITE_OVERLAP} END",
        "DROP TRIGGER IF EXISTS tr_bookings_no_overlap_insert",
    ),
    Backstop(
        "tr_bookings_no_overlap_update",
        "CREATE TRIGGER tr_bookings_no_overlap_update BEFORE UPDATE ON bookings "
        f"WHEN NEW.status IN {_ACTIVE} BEGIN {_SQLITE_OVERLAP} END",
        "DROP TRIGGER IF EXISTS tr_bookings_no_overlap_update",
    ),
    Backstop(
        "tr_discount_codes_limits",
        "CREATE TRIGGER tr_discount_codes_limits BEFORE UPDATE ON discount_codes "
        "WHEN (NEW.max_uses IS NOT NULL AND NEW.uses_count > NEW.max_uses) "
        "OR (NEW.balance IS NOT NULL AND NEW.balance < 0) "
        "BEGIN SELECT RAISE(ABORT, 'discount_code_exhausted'); END",
        "DROP TRIGGER IF EXISTS tr_discount_codes_limits",
    ),
)


def backstops_for(dialect_name: str) -> tuple[Backstop, ...]:
    return PG_BACKSTOPS if dialect_name == "postgresql" else SQLITE_BACKSTOPS


def install_backstops(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
    for backstop in backstops_for(connection.dialect.name):
        connection.execute(text(backstop.create))


def drop_backstops(connection: Connection) -> None:
    for backstop in backstops_for(connection.dialect.name):
        connection.execute(text(backstop.drop))


# Seconds a PostgreSQL writer waits for another's locks before it gives up (pretix's
# lock_objects uses 3 s too): far below gunicorn's 30 s, so the person hears "busy,
# try again" instead of a killed worker.
DEFAULT_LOCK_TIMEOUT = 3.0


def locks_enabled(session: Session) -> bool:
    return bool(session.info.get("locks_enabled", True))


def begin_write(
    session: Session, *, agent_ids: Iterable[int] = (), discount_code_ids: Iterable[int] = ()
) -> None:
    """Start a write transaction holding the locks a booking change needs.

    Must be called before the reads that the change re-checks. Every lock wait in the
    transaction is bounded: on PostgreSQL by `lock_timeout` (session.info, from
    DATABASE_LOCK_TIMEOUT_SECONDS), set here for this transaction only; on SQLite by the
    busy timeout. A wait that runs out raises OperationalError (is_lock_failure).
    """
    if not locks_enabled(session):
        return
    connection = session.connection()
    # SET LOCAL outside a transaction would be a silent no-op, and so would the locks.
    if not connection.in_transaction():
        raise RuntimeError("begin_write needs an open transaction")
    if connection.dialect.name == "postgresql":
        lock_timeout = float(session.info.get("lock_timeout", DEFAULT_LOCK_TIMEOUT))
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'")
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        # pysqlite opens its own (deferred) transaction only at the first write; if that
        # has happened we already hold the write lock.
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    agents = sorted(set(agent_ids))
    if agents:
        session.execute(
            select(Agent.id).where(Agent.id.in_(agents)).order_by(Agent.id).with_for_update()
        ).all()
    codes = sorted(set(discount_code_ids))
    if codes:
        session.execute(
            select(DiscountCode.id)
            .where(DiscountCode.id.in_(codes))
            .order_by(DiscountCode.id)
            .with_for_update()
        ).all()


def lock_more(session: Session, *, agent_ids: Iterable[int] = (), discount_code_ids: Iterable[int] = ()) -> None:
    """Lock further rows inside a transaction begun with begin_write (PostgreSQL only;
    on SQLite the transaction already holds the database's write lock)."""
    if locks_enabled(session) and session.connection().dialect.name == "postgresql":
        begin_write(session, agent_ids=agent_ids, discount_code_ids=discount_code_ids)


def translate_integrity_error(exc: IntegrityError) -> DomainError | None:
    """The domain error a backstop's violation stands for, or None for a real bug."""
    text_ = str(exc.orig).lower()
    if "slot_unavailable" in text_ or "xc_bookings_agent_no_overlap" in text_ or (
        "uq_bookings_agent_slot_seat" in text_
    ) or "bookings.agent_id, bookings.slot_key, bookings.seat" in text_:
        return SlotUnavailable("That time is no longer available for this agent.")
    if "discount_code_exhausted" in text_ or "ck_discount_codes_" in text_:
        return DiscountCodeExhausted("This discount code has been used up.")
    if "users.email" in text_ or "uq_users_email" in text_:
        return EmailTaken("That e-mail address belongs to another customer.")
    return None


def is_lock_failure(exc: OperationalError) -> bool:
    """A deadlock, a serialization failure or a lock wait past lock_timeout (55P03)
    (PostgreSQL), or a busy timeout (SQLite)."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate in ("40P01", "40001", "55P03") or "database is locked" in str(exc.orig)


# The catalog version covers what the booking form offers too (read_models.booking_form_rows).
_CATALOG_KINDS = (Service, Location, Agent, WorkingHours, Setting, Extra, PricingParameter, Frequency, CustomField,
                  CustomFieldOption)
_SCHEDULE_KINDS = (Booking, TimeOff, WorkingHours)


def _agent_ids(obj: Any) -> set[int]:
    """The agent an object belongs to, before and after this flush's change."""
    ids: set[int] = set()
    state = inspect(obj)
    history = state.attrs.agent_id.history
    ids.update(i for i in (*history.added, *history.deleted, *history.unchanged) if i is not None)
    agent = getattr(obj, "agent", None) if "agent" in state.mapper.relationships else None
    if agent is not None and agent.id is not None:
        ids.add(agent.id)
    return ids


def listen(factory: sessionmaker[Session]) -> None:
    """Attach the generation bump to the app's sessions (app/db.py)."""
    event.listen(factory, "before_flush", _raise_versions)


def _raise_versions(session: Session, _context: Any, _instances: Any) -> None:
    """Raise the cache generations of what this flush changes, in its transaction."""
    agents: set[int] = set()
    catalog = keys = False
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    if not changed:
        return
    for obj in changed:
        if isinstance(obj, _CATALOG_KINDS):
            catalog = True
        elif isinstance(obj, ApiKey):
            keys = True
        if isinstance(obj, _SCHEDULE_KINDS):
            agents |= _agent_ids(obj)
        elif isinstance(obj, Agent) and obj.id is not None:
            agents.add(obj.id)
    mark_written(session)
    # Core statements on the flush's own connection: no autoflush, same transaction.
    # Ids sorted, as the locks are, so two writers never wait on each other in turn.
    # A generation goes to max(old + 1, now in microseconds): it always rises, and no
    # value is ever used twice, not after a deleted row (the upsert starts it again) nor
    # after a restored backup, so no cached entry can answer for other data.
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    later = func.greatest if postgres else func.max  # SQLite's max() of two is scalar
    now = new_generation()
    if agents:
        column = Agent.__table__.c.schedule_version
        connection.execute(
            update(Agent.__table__)
            .where(Agent.__table__.c.id.in_(sorted(agents)))
            .values(schedule_version=later(column + 1, now))
        )
    table = CacheVersion.__table__
    insert = pg_insert if postgres else sqlite_insert
    for name in [CATALOG] * catalog + [API_KEYS] * keys:
        connection.execute(
            insert(table).values(name=name, version=now)
            .on_conflict_do_update(index_elements=[table.c.name], set_={"version": later(table.c.version + 1, now)})
        )
