"""Changing a booking's status and cancelling (one booking, or it and the rest of its
series). The transition table itself lives in app/domain/status.py."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actor import Actor
from ..concurrency import begin_write
from ..models import ACTIVE_STATUSES, Booking, BookingStatus
from .change import BookingChanges, apply_changes, load_for_change, update_booking
from .common import invalid, write_transaction


def change_status(
    session: Session, booking_id: object, status: str, *, actor: Actor, now: datetime,
    expected_version: int | None = None, reason: str = "", notify: bool = True,
) -> Booking:
    """Move a booking to another status (see status.TRANSITIONS)."""
    return update_booking(
        session, booking_id, BookingChanges(status=status, reason=reason),
        actor=actor, now=now, expected_version=expected_version, notify=notify,
    )


def later_visits(session: Session, booking: Booking) -> list[Booking]:
    """The later visits of the booking's series that are still on (what cancelling "this
    and all later visits" cancels besides it), in time order; none outside a series."""
    if booking.series_id is None:
        return []
    return list(session.scalars(
        select(Booking)
        .where(Booking.series_id == booking.series_id, Booking.occurrence_index > booking.occurrence_index,
               Booking.status.in_(ACTIVE_STATUSES))
        .order_by(Booking.start_at)
    ))


def cancel_booking(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, scope: str = "this",
    reason: str = "", expected_version: int | None = None, notify: bool = True,
) -> list[Booking]:
    """Cancel a booking, or it and the later occurrences of its series
    (scope="this_and_future"). Gives back slots and discount uses."""
    if scope not in ("this", "this_and_future"):
        raise invalid("scope", 'Must be "this" or "this_and_future".')
    with write_transaction(session):
        begin_write(session)
        booking = load_for_change(session, booking_id, actor, now, expected_version)
        targets = [booking] + (later_visits(session, booking) if scope == "this_and_future" else [])
        for target in targets:
            if target.status != BookingStatus.CANCELLED:
                apply_changes(session, target, BookingChanges(status=BookingStatus.CANCELLED, reason=reason), actor, now, notify)
        return targets
