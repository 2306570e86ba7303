"""What an agent with a login sees and may do: their own day, and the outcome and staff
notes of their own bookings. Nothing else of the office.

An agent's login is a user with the role `agent`, linked from `agents.user_id`. Every
function here finds the agent through that link and refuses another agent's booking
exactly as it refuses a missing one, so an agent cannot learn what others have.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .actor import Actor
from .booking import BookingChanges, change_status, update_booking
from .errors import BookingNotFound, FieldErrors, Forbidden, InvalidStatusTransition
from .models import Agent, Booking, BookingStatus
from .status import offered_transitions
from .timeutil import local_day_bounds, zone
from .validation import as_id


def agent_for(session: Session, actor: Actor) -> Agent:
    """The active agent linked to the actor's login; raises Forbidden without one."""
    agent = session.scalars(
        select(Agent).where(Agent.user_id == actor.id, Agent.active.is_(True)).options(selectinload(Agent.locations)).order_by(Agent.id)
    ).first() if actor.is_agent and actor.id is not None else None
    if agent is None:
        raise Forbidden("This login is not linked to an agent; ask the office to link it.")
    return agent


def agent_zone(agent: Agent, default: str) -> str:
    """Where the agent works (their first location), for their day's times."""
    return agent.locations[0].timezone if agent.locations else default


@dataclass
class AgentDay:
    agent: Agent
    day: date
    timezone: str
    bookings: list[Booking]
    next_job: Booking | None


def my_day(session: Session, actor: Actor, day: date, *, now: datetime, default_tz: str) -> AgentDay:
    """The agent's bookings on a local day (cancelled ones left out), in time order, and
    the next job: the first that has not ended and has no outcome yet. Raises Forbidden."""
    agent = agent_for(session, actor)
    tz = agent_zone(agent, default_tz)
    start, end = local_day_bounds(day, zone(tz))
    bookings = list(session.scalars(
        select(Booking)
        .where(Booking.agent_id == agent.id, Booking.start_at >= start, Booking.start_at < end, Booking.status != BookingStatus.CANCELLED)
        .options(selectinload(Booking.customer), selectinload(Booking.service), selectinload(Booking.location),
                 selectinload(Booking.field_values))
        .order_by(Booking.start_at, Booking.id)
    ))
    upcoming = [b for b in bookings if b.end_at > now and b.status in (BookingStatus.PENDING, BookingStatus.APPROVED)]
    return AgentDay(agent, day, tz, bookings, upcoming[0] if upcoming else None)


def own_booking(session: Session, actor: Actor, booking_id: object) -> Booking:
    """One of the agent's own bookings; any other is reported as missing."""
    agent = agent_for(session, actor)
    bid = as_id(FieldErrors(), "id", booking_id)
    booking = session.get(Booking, bid) if bid is not None else None
    if booking is None or booking.agent_id != agent.id:
        raise BookingNotFound(booking_id)
    return booking


def record_outcome(session: Session, actor: Actor, booking_id: object, status: str, *, expected_version: int, now: datetime) -> Booking:
    """Mark the agent's own booking completed or no-show (or undo a no-show), once it
    has started. Raises BookingNotFound, InvalidStatusTransition, PreconditionFailed."""
    booking = own_booking(session, actor, booking_id)
    if status not in [s.value for s in offered_transitions(booking.status, booking.start_at, actor, now)]:
        if status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW) and booking.start_at > now:
            raise InvalidStatusTransition("This visit has not started yet.", {"status": "This visit has not started yet."})
        raise InvalidStatusTransition(f"You cannot change a {booking.status.replace('_', ' ')} booking to {status.replace('_', ' ')}.",
                                      {"status": "Not allowed."})
    return change_status(session, booking.id, status, actor=actor, now=now, expected_version=expected_version)


def save_notes(session: Session, actor: Actor, booking_id: object, staff_notes: str, *, expected_version: int, now: datetime) -> Booking:
    """Replace the staff notes of the agent's own booking. Raises BookingNotFound,
    PreconditionFailed, ValidationFailed."""
    booking = own_booking(session, actor, booking_id)
    return update_booking(session, booking.id, BookingChanges(staff_notes=staff_notes), actor=actor, now=now,
                          expected_version=expected_version)
