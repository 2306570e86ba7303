"""Change numbers and sync stamps, given at commit in commit order.

A booking's `updated_at` used to be the writing request's start. A writer that waited on
a row lock then committed an older stamp than a change that committed before it, and a
poller following the (updated_at, id) cursor had already passed it: the change was lost
for good. So the last thing every transaction that touched bookings does before its
commit is, holding one lock that is released only by the commit:

* take the next change number (PostgreSQL: the sequence booking_change_numbers; SQLite
  allows one writer at a time, so max + 1), and
* raise the touched bookings' `updated_at` to just past every stamp already committed
  (at least the writer's own `now`).

Transactions therefore get numbers and stamps in the order they commit, and a cursor
that has seen a change has seen every change committed before it. The lock is held
only from that point to the commit (two short statements), and it is the last lock a
transaction takes, so it cannot close a cycle with the row locks taken before it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select, text, update
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from .models import Booking

TOUCHED = "bookings_touched"
# pg_advisory_xact_lock key for "numbering booking changes" (any constant unused elsewhere).
LOCK_KEY = 0x626F6F6B696E67  # "booking"
STEP = timedelta(microseconds=1)


def _collect(session: Session, _flush_context: Any, _instances: Any) -> None:
    touched: set[Booking] = session.info.setdefault(TOUCHED, set())
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Booking) and (obj in session.new or session.is_modified(obj)):
            touched.add(obj)


def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a savepoint's end changes nothing)
        session.info.pop(TOUCHED, None)


def _number(session: Session) -> None:
    touched: set[Booking] = session.info.get(TOUCHED) or set()
    if not touched:
        return
    session.flush()  # the last changes first: they are what gets numbered
    # Bookings inserted in a savepoint that was rolled back, or deleted, are not numbered.
    touched = {b for b in session.info.pop(TOUCHED, set()) if inspect(b).persistent}
    if not touched:
        return
    ids = sorted(b.id for b in touched)
    if session.connection().dialect.name == "postgresql":
        # Released by the commit itself: whoever numbers next commits after us.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        number = int(session.execute(text("SELECT nextval('booking_change_numbers')")).scalar_one())
    else:
        # This transaction has written the bookings, so it holds SQLite's only write lock.
        number = int(session.scalar(select(func.coalesce(func.max(Booking.change_number), 0))) or 0) + 1
    floor: datetime | None = session.scalar(select(func.max(Booking.updated_at)).where(Booking.id.not_in(ids)))
    # Not before the writer's own `now`, and past every stamp committed so far.
    candidates = [b.updated_at for b in touched if b.updated_at is not None]
    if floor is not None:
        candidates.append(floor + STEP)
    stamp = max(candidates, default=None)
    values: dict[str, Any] = {"change_number": number}
    if stamp is not None:
        values["updated_at"] = stamp
    # A plain UPDATE, not through the mapper: the booking's version (its ETag) stays as
    # the change left it.
    session.execute(update(Booking).where(Booking.id.in_(ids)).values(**values).execution_options(synchronize_session=False))
    for booking in touched:
        for name, value in values.items():
            set_committed_value(booking, name, value)


def install(factory: sessionmaker[Session]) -> None:
    """Number booking changes in every session the factory makes."""
    event.listen(factory, "before_flush", _collect)
    event.listen(factory, "before_commit", _number)
    event.listen(factory, "after_transaction_end", _forget)
