"""The booking history: every change, who made it, when, before -> after."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from .actor import Actor
from .models import Booking, BookingEvent


def plain(value: Any) -> Any:
    """A JSON-safe form of a value kept in history."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def record(session: Session, booking: Booking, *, actor: Actor, now: datetime, action: str, changes: dict[str, tuple[Any, Any]]) -> BookingEvent:
    event = BookingEvent(
        booking_id=booking.id,
        occurred_at=now,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        changes={k: [plain(before), plain(after)] for k, (before, after) in changes.items()},
    )
    session.add(event)
    return event


def diff(booking: Booking, new_values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set each attribute and return those that really changed, as before -> after."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in new_values.items():
        before = getattr(booking, name)
        if before != value:
            changes[name] = (before, value)
            setattr(booking, name, value)
    return changes
