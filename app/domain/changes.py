"""Change numbers and sync stamps, given in commit order.

A booking's `updated_at` used to be the writing request's start. A writer that waited on
a row lock then committed an older stamp than a change that committed before it, and a
poller following the (updated_at, id) cursor had already passed it: the change was lost
for good. So as soon as a transaction has written bookings (its row locks on them are
taken by then: the UPDATE waited for them), it takes one lock that only its commit or
rollback releases, and under it:

* the next change number (PostgreSQL: the sequence booking_change_numbers; SQLite allows
  one writer at a time, so max + 1), and
* a stamp just past every `updated_at` already committed (and not before the writer's
  own `now`), which every booking the transaction writes gets as its `updated_at`.

Transactions therefore get numbers and stamps in the order they commit, and a cursor
that has seen a change has seen every change committed before it. The webhook payloads
and messages written after the flush already show the final stamp and number.

Taking the lock at the first flush that writes bookings (not at commit) means every
booking writer holds it from its booking UPDATE to its commit; the writers take their
other locks (agents, codes) first, in begin_write, so the wait is only for commits.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select, text, update
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from .models import Booking

WRITTEN = "bookings_written"  # session.info: bookings this flush wrote, to number after it
NUMBERED = "bookings_numbered"  # session.info: (number, stamp) of this transaction
BEFORE = "bookings_stamp_before"  # session.info: the latest stamp the written bookings had before
# pg_advisory_xact_lock key for "numbering booking changes" (any constant unused elsewhere).
LOCK_KEY = 0x626F6F6B696E67  # "booking"
STEP = timedelta(microseconds=1)


def _collect(session: Session, _flush_context: Any) -> None:
    # after_flush: new and dirty still list what this flush wrote, with each booking's
    # stamp as it was before (the rows themselves already hold the new one).
    written = [obj for obj in (*session.new, *session.dirty)
               if isinstance(obj, Booking) and (obj in session.new or session.is_modified(obj))]
    if written:
        session.info.setdefault(WRITTEN, []).extend(written)
        overwritten = [s for s in map(_stamp_before, written) if s is not None]
        if BEFORE in session.info:
            overwritten.append(session.info[BEFORE])
        if overwritten:
            session.info[BEFORE] = max(overwritten)


def _stamp_before(booking: Booking) -> datetime | None:
    """The stamp this flush overwrote, if it wrote one (updated_at has active history, so
    the old value is known even when it was set without being read)."""
    deleted = inspect(booking).attrs.updated_at.history.deleted
    return deleted[0] if deleted else None


def _number(session: Session, _flush_context: Any) -> None:
    # Bookings inserted in a savepoint that was rolled back, or deleted, are not numbered.
    written = {b for b in session.info.pop(WRITTEN, []) if inspect(b).persistent}
    if not written:
        return
    connection = session.connection()
    ids = sorted(b.id for b in written)
    if NUMBERED not in session.info:
        if connection.dialect.name == "postgresql":
            # Released only by this transaction's end: whoever numbers next commits after us.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            number = int(connection.execute(text("SELECT nextval('booking_change_numbers')")).scalar_one())
        else:
            # This transaction has written bookings, so it holds SQLite's only write lock.
            number = int(connection.execute(select(func.coalesce(func.max(Booking.change_number), 0))).scalar_one()) + 1
        # Past every stamp committed so far: what the rows hold (ours hold their old stamp
        # or our own `now`) and what this transaction overwrote (it may be the latest).
        floors = [connection.execute(select(func.max(Booking.updated_at))).scalar_one(), session.info.get(BEFORE)]
        # Not before the writer's own `now`.
        candidates = [b.updated_at for b in written if b.updated_at is not None]
        candidates += [floor + STEP for floor in floors if floor is not None]
        session.info[NUMBERED] = (number, max(candidates, default=None))
    number, stamp = session.info[NUMBERED]
    values: dict[str, Any] = {"change_number": number} | ({"updated_at": stamp} if stamp is not None else {})
    # A plain UPDATE, not through the mapper: the booking's version (its ETag) stays as
    # the change left it.
    connection.execute(update(Booking).where(Booking.id.in_(ids)).values(**values))
    for booking in written:
        for name, value in values.items():
            set_committed_value(booking, name, value)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a savepoint's end changes nothing)
        for name in (WRITTEN, NUMBERED, BEFORE):
            session.info.pop(name, None)


def install(factory: sessionmaker[Session]) -> None:
    """Number booking changes in every session the factory makes."""
    event.listen(factory, "after_flush", _collect)
    event.listen(factory, "after_flush_postexec", _number)
    event.listen(factory, "after_transaction_end", _forget)
