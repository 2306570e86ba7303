"""Creating many bookings in one request (LatePoint's bulk create).

All items are checked and placed inside one transaction, each in a savepoint: an item
that fails (bad fields, unknown ids, a past date, no free agent, a clash with an
earlier item of the same request) is rolled back to its savepoint and reported; the
others are committed together at the end. Nothing is committed before every item has
been checked, and a failed item leaves no rows behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from . import booking as booking_service
from .actor import Actor
from .concurrency import begin_write, is_lock_failure, lock_more, translate_integrity_error
from .errors import Conflict, DomainError, EmailTaken
from .inputs import BookingRequest
from .booking import BookingResult
from .models import Agent

MAX_ITEMS = 50


class TooManyBookings(DomainError):
    code = "too_many_bookings"
    status = 400


@dataclass
class BulkResult:
    created: list[tuple[int, BookingResult]] = field(default_factory=list)
    failed: list[tuple[int, DomainError]] = field(default_factory=list)


def check_size(count: int) -> None:
    """Raises TooManyBookings for a request of more than MAX_ITEMS items."""
    if count > MAX_ITEMS:
        raise TooManyBookings(f"At most {MAX_ITEMS} bookings per request; this one has {count}.")


def create_bookings_bulk(
    session: Session, requests: list[BookingRequest], *, actor: Actor, now: datetime
) -> BulkResult:
    """Create up to MAX_ITEMS bookings; each item succeeds or fails on its own. Items
    whose values are wrong never get here: the caller's request model refuses them,
    every problem at once.

    Raises TooManyBookings (nothing is created) for more than MAX_ITEMS items.
    """
    check_size(len(requests))
    result = BulkResult()
    with booking_service.write_transaction(session):
        begin_write(session)
        # A bulk import may touch any agent: lock them all, in id order, once.
        lock_more(session, agent_ids=session.scalars(select(Agent.id).where(Agent.active.is_(True))).all())
        for index, request in enumerate(requests):
            outcome = _one_item(session, request, actor=actor, now=now)
            if isinstance(outcome, DomainError):
                result.failed.append((index, outcome))
            else:
                result.created.append((index, outcome))
    return result


def _one_item(
    session: Session, request: BookingRequest, *, actor: Actor, now: datetime
) -> BookingResult | DomainError:
    """Create one item in a savepoint; a failure rolls back only this item.

    A new customer's e-mail can clash with a customer another transaction inserted and
    committed while this one waited on the unique index (PostgreSQL): the savepoint is
    rolled back and the item tried once more, when that customer is found and reused.
    A deadlock with that transaction fails this item only.
    """
    for attempt in (1, 2):
        savepoint = session.begin_nested()
        try:
            created = booking_service.create_in_transaction(session, request, actor=actor, now=now)
            savepoint.commit()
            return created
        except DomainError as error:
            savepoint.rollback()
            return error
        except IntegrityError as exc:
            savepoint.rollback()
            translated = translate_integrity_error(exc)
            if translated is None:
                raise
            if attempt == 1 and isinstance(translated, EmailTaken):
                continue
            return translated
        except OperationalError as exc:
            savepoint.rollback()
            if not is_lock_failure(exc):
                raise
            return Conflict("This booking clashed with another change made at the same moment; send it again.")
    raise AssertionError("unreachable")
