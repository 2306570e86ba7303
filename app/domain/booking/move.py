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
    """For moving a booking (the staff panel, and the customer's move page with the
    booking's own agent): the agents who can do all its services here (its own agent
    included) and the free start times on `day` for the chosen one. It asks the question
    the move re-checks: that agent, the booking's services and duration, the booking
    itself not counted as taken; where the booking already is (same agent, same start)
    is no move and is not offered."""
    services = line_services(booking)
    agents = candidate_agents(session, tuple(sorted({s.id for s in services})), booking.location_id, None)
    if booking.agent not in agents:
        agents.append(booking.agent)
    chosen = agent_id or booking.agent_id
    slots = slots_for_services(session, services=services, duration=booking.duration_minutes, day=day, now=now,
                               agent_id=chosen, location=booking.location, exclude_booking_id=booking.id)
    if chosen == booking.agent_id:
        slots = [s for s in slots if s.start_at != booking.start_at]
    return agents, slots
