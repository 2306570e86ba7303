"""Several bookings at once from the back office (approve, cancel with one reason, give to
another agent): each booking is still changed by the one-booking service, checked and
recorded on its own (its own transaction, history row, messages and webhooks), so one
refusal stops nothing else and is reported with its booking."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..actor import Actor
from ..errors import DomainError, FieldErrors
from ..models import Booking, BookingStatus
from ..read_models import by_ids
from ..validation import BadValue, parse_id
from .move import reschedule_booking
from .status_change import can_undo_cancel, cancel_booking, change_status, undo_cancellation

# A page of the bookings table holds at most this many.
MAX_BULK = 100
ACTIONS = {"approve": "Approve", "cancel": "Cancel", "reassign": "Give to another agent"}


@dataclass
class BulkRefusal:
    booking_id: int
    code: str  # the booking code, or "#id" when there is no such booking
    message: str


@dataclass
class BulkOutcome:
    action: str
    done: list[Booking] = field(default_factory=list)
    refused: list[BulkRefusal] = field(default_factory=list)


def parse_bulk(action: Any, ids: list[Any], agent_id: Any = None) -> tuple[str, list[int], int | None]:
    """The action, the distinct booking ids in the order given, and the agent (for
    reassign). Raises ValidationFailed naming what is wrong; nothing is changed then."""
    errors = FieldErrors()
    if action not in ACTIONS:
        errors.add("action", f"Choose one of: {', '.join(ACTIONS.values())}.")
    if not ids:
        errors.add("ids", "Tick at least one booking.")
    elif len(ids) > MAX_BULK:
        errors.add("ids", f"At most {MAX_BULK} bookings at once.")
    chosen: list[int] = []
    for value in ids[:MAX_BULK]:
        try:
            chosen.append(parse_id(value))
        except BadValue:
            errors.add("ids", "A ticked booking is not valid; reload the page.")
            break
    agent = None
    if action == "reassign":
        try:
            agent = parse_id(agent_id)
        except BadValue:
            errors.add("agent_id", "Choose the agent to give the bookings to.")
    errors.raise_if_any("Nothing was changed; check the highlighted fields.")
    return str(action), list(dict.fromkeys(chosen)), agent


def change_bookings(
    session: Session, action: str, booking_ids: list[int], *, actor: Actor, now: datetime,
    reason: str = "", agent_id: int | None = None,
) -> BulkOutcome:
    """Apply `action` to each booking in turn (ids already parsed by parse_bulk)."""
    outcome = BulkOutcome(action)
    already = {"approve": BookingStatus.APPROVED, "cancel": BookingStatus.CANCELLED}.get(action)
    for booking_id in booking_ids[:MAX_BULK]:
        current = session.get(Booking, booking_id)
        if current is not None and already is not None and current.status == already:
            # Cancelling a cancelled booking changes nothing; say so instead of counting it.
            outcome.refused.append(BulkRefusal(booking_id, current.booking_code, f"It is already {already.value}."))
            continue
        try:
            if action == "approve":
                outcome.done.append(change_status(session, booking_id, BookingStatus.APPROVED.value, actor=actor, now=now))
            elif action == "cancel":
                outcome.done.extend(cancel_booking(session, booking_id, actor=actor, now=now, reason=reason)[:1])
            elif action == "reassign":
                outcome.done.append(reschedule_booking(session, booking_id, actor=actor, now=now, agent_id=agent_id))
        except DomainError as error:
            _refused(session, outcome, booking_id, error)
    return outcome


def parse_ids(values: list[Any]) -> list[int]:
    """The distinct ids of a list the page sent back (at most MAX_BULK); anything that is
    not an id is left out (an Undo offer is dropped, never an error)."""
    ids: list[int] = []
    for value in values[:MAX_BULK]:
        try:
            ids.append(parse_id(value))
        except BadValue:
            continue
    return list(dict.fromkeys(ids))


def undoable_cancellations(session: Session, booking_ids: list[int], *, actor: Actor, now: datetime) -> list[Booking]:
    """Of these bookings, those whose cancellation `actor` may still undo (the table's
    Undo after a bulk cancel), in the order given."""
    found = {booking.id: booking for booking in by_ids(session, Booking, booking_ids[:MAX_BULK])}
    return [found[i] for i in booking_ids[:MAX_BULK] if i in found and can_undo_cancel(session, found[i], actor=actor, now=now)]


def undo_cancellations(session: Session, booking_ids: list[int], *, actor: Actor, now: datetime) -> BulkOutcome:
    """Undo the cancellation of each booking in turn (undo_cancellation(): its own
    transaction and history row); one refused, with its reason, stops nothing else."""
    outcome = BulkOutcome("undo_cancel")
    for booking_id in booking_ids[:MAX_BULK]:
        try:
            outcome.done.append(undo_cancellation(session, booking_id, actor=actor, now=now))
        except DomainError as error:
            _refused(session, outcome, booking_id, error)
    return outcome


def _refused(session: Session, outcome: BulkOutcome, booking_id: int, error: DomainError) -> None:
    """One booking refused: its change is rolled back and the refusal listed by its code."""
    session.rollback()
    booking = session.get(Booking, booking_id)
    code = booking.booking_code if booking is not None else f"#{booking_id}"
    outcome.refused.append(BulkRefusal(booking_id, code, error.message))
