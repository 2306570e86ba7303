"""Changing a booking's status and cancelling (one booking, or it and the rest of its
series). The transition table itself lives in app/domain/status.py."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actor import Actor
from ..concurrency import begin_write
from ..errors import Forbidden, InvalidStatusTransition
from ..models import ACTIVE_STATUSES, Booking, BookingEvent, BookingStatus, Payment, PaymentKind, PaymentStatus
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


# How long staff may take back a cancellation they just made (the app's clock decides).
UNDO_CANCEL_WINDOW = timedelta(minutes=10)
# The history action of a cancellation taken back (the panel reads "Cancellation undone").
CANCELLATION_UNDONE = "cancellation_undone"
# Money a cancellation moves (a refund, a late-cancellation fee): once queued, bringing the
# booking back is a new booking's job, not an undo.
_CANCEL_MONEY = (PaymentKind.REFUND, PaymentKind.LATE_CANCEL_FEE)


def undo_refusal(session: Session, booking: Booking, *, actor: Actor, now: datetime) -> str | None:
    """Why `actor` may not undo the cancellation of `booking` now, or None if they may:
    staff only, the booking's last change must be their own cancellation, made less than
    UNDO_CANCEL_WINDOW ago, from pending or approved, with no money moved by it."""
    return _undo_check(session, booking, actor, now)[0]


def _undo_check(session: Session, booking: Booking, actor: Actor, now: datetime) -> tuple[str | None, BookingStatus | None]:
    """(why not, None) or (None, the status the cancellation took the booking from)."""
    if not actor.is_staff:
        return "Only staff can undo a cancellation.", None
    if booking.status != BookingStatus.CANCELLED:
        return f"This booking is {booking.status.replace('_', ' ')}, not cancelled.", None
    last = _last_event(session, booking.id)
    before, after = (last.changes.get("status") or [None, None]) if last is not None else (None, None)
    if last is None or after != BookingStatus.CANCELLED or (last.actor_kind, last.actor_id) != (actor.kind, actor.id):
        return "Only a cancellation you just made can be undone; change the status instead.", None
    if now - last.occurred_at > UNDO_CANCEL_WINDOW:
        minutes = int(UNDO_CANCEL_WINDOW.total_seconds() // 60)
        return f"A cancellation can be undone for {minutes} minutes; change the status instead.", None
    if before not in (BookingStatus.PENDING, BookingStatus.APPROVED):
        return f"It was {str(before).replace('_', ' ')} before; change the status instead.", None
    moved_money = session.scalars(select(Payment.id).where(
        Payment.booking_id == booking.id, Payment.kind.in_(_CANCEL_MONEY),
        Payment.status.not_in((PaymentStatus.FAILED, PaymentStatus.CANCELLED)),
    ).limit(1)).first()
    if moved_money is not None:
        return "Money was refunded or a fee charged when it was cancelled; book it again instead.", None
    return None, BookingStatus(before)


def _last_event(session: Session, booking_id: int) -> BookingEvent | None:
    return session.scalars(
        select(BookingEvent).where(BookingEvent.booking_id == booking_id).order_by(BookingEvent.id.desc()).limit(1)
    ).first()


def can_undo_cancel(session: Session, booking: Booking, *, actor: Actor, now: datetime) -> bool:
    """Whether the panel offers Undo for this booking's cancellation (undo_refusal())."""
    return booking.status == BookingStatus.CANCELLED and undo_refusal(session, booking, actor=actor, now=now) is None


def undo_cancellation(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, expected_version: int | None = None, notify: bool = True,
) -> Booking:
    """Take back a cancellation staff just made: the booking returns to the status it had,
    if its time is still free (the same check as any reactivation), recorded in its history
    as "Cancellation undone". Raises Forbidden, InvalidStatusTransition (no longer
    undoable, with the reason), SlotUnavailable (the time was taken meanwhile),
    BookingNotFound, PreconditionFailed."""
    if not actor.is_staff:
        raise Forbidden("Only staff can undo a cancellation.")
    with write_transaction(session):
        begin_write(session)
        booking = load_for_change(session, booking_id, actor, now, expected_version)
        refusal, before = _undo_check(session, booking, actor, now)
        if refusal is not None or before is None:
            raise InvalidStatusTransition(refusal or "This cancellation cannot be undone.", {"status": refusal or ""})
        apply_changes(session, booking, BookingChanges(status=before), actor, now, notify)
        # apply_changes names every status change "status"; this one is the undo of the
        # cancellation recorded just before it, and the history says so.
        event = _last_event(session, booking.id)
        if event is not None and event.changes.get("status") == [BookingStatus.CANCELLED, before]:
            event.action = CANCELLATION_UNDONE
        return booking
