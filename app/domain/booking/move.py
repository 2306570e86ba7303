"""Moving a booking by hand: the move itself (a change that needs an active booking) and
the agents and free start times the move form offers."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..actor import Actor
from ..availability import candidate_agents, slots_for_services
from ..models import Agent, Booking
from .change import UNSET, BookingChanges, update_booking
from .common import line_services


def reschedule_booking(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, start_at: Any = UNSET,
    start_date: Any = UNSET, start_time: Any = UNSET, agent_id: Any = UNSET, duration: Any = UNSET,
    expected_version: int | None = None, notify: bool = True,
) -> Booking:
    """Move a booking to another time and/or agent."""
    changes = BookingChanges(start_at=start_at, start_date=start_date, start_time=start_time, agent_id=agent_id, duration=duration,
                             require_active=True)
    return update_booking(session, booking_id, changes, actor=actor, now=now, expected_version=expected_version, notify=notify)


def move_choices(session: Session, booking: Booking, *, day: date, agent_id: int | None, now: datetime) -> tuple[list[Agent], list[Any]]:
    """For moving a booking by hand: the agents who can do all its services here (its own
    agent included) and the free start times on `day` for the chosen one, the booking's
    own slot counted as free. Uses the same plan as the move itself re-checks."""
    services = line_services(booking)
    agents = candidate_agents(session, tuple(sorted({s.id for s in services})), booking.location_id, None)
    if booking.agent not in agents:
        agents.append(booking.agent)
    slots = slots_for_services(session, services=services, duration=booking.duration_minutes, day=day, now=now,
                               agent_id=agent_id or booking.agent_id, location=booking.location, exclude_booking_id=booking.id)
    return agents, slots
