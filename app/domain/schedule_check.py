"""Which of an agent's bookings their schedule no longer covers: outside their working
hours or inside their time off. Asked before staff save new hours or time off (so a
change never strands a customer silently) and when a stranded booking is approved.

A booking is covered when the time it holds the agent (its buffers included) lies in one
working-hours interval of its local day and touches no time off, the rule the day plan
applies to new bookings (availability.DayPlan.placements)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .availability import resolve_local_edge
from .errors import DomainError
from .models import ACTIVE_STATUSES, Agent, Booking, TimeOff
from .timeutil import zone

class StrandsBookings(DomainError):
    """A schedule change that would leave bookings outside the agent's hours or in their
    time off, not saved: `stranded` lists them with the reasons."""

    code = "strands_bookings"
    status = 409

    def __init__(self, stranded: list[tuple[Booking, str]]):
        count = len(stranded)
        super().__init__(f"This change would leave {count} booking{'' if count == 1 else 's'} outside the schedule. "
                         "Move or reassign them first, or save anyway.")
        self.stranded = stranded


# The bookings looked at: the coming year, at most this many (a list to act on, not a report).
LOOK_AHEAD = timedelta(days=366)
MAX_LISTED = 200


def uncovered(booking: Booking, agent: Agent, time_off: list[TimeOff]) -> str | None:
    """Why `agent`'s schedule does not cover `booking` ("outside working hours", "time
    off"), or None when it does."""
    for off in time_off:
        if off.start_at < booking.occupied_end and booking.occupied_start < off.end_at:
            return f"in time off{f' ({off.reason})' if off.reason else ''}"
    tz = zone(booking.location.timezone)
    day = booking.start_at.astimezone(tz).date()
    for wh in agent.working_hours:
        if wh.weekday == day.weekday():
            start, end = resolve_local_edge(day, wh.start_time, tz), resolve_local_edge(day, wh.end_time, tz)
            if start <= booking.occupied_start and booking.occupied_end <= end:
                return None
    return "outside working hours"


def stranded_bookings(session: Session, agent: Agent, now: datetime) -> list[tuple[Booking, str]]:
    """The agent's coming pending and approved bookings that their hours and time off (as
    they are in this session, saved or not) do not cover, each with the reason."""
    bookings = session.scalars(
        select(Booking).options(selectinload(Booking.location), selectinload(Booking.customer))
        .where(Booking.agent_id == agent.id, Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now,
               Booking.start_at < now + LOOK_AHEAD)
        .order_by(Booking.start_at).limit(MAX_LISTED)
    ).all()
    if not bookings:
        return []
    time_off = list(session.scalars(select(TimeOff).where(TimeOff.agent_id == agent.id, TimeOff.end_at > now)))
    found = []
    for booking in bookings:
        reason = uncovered(booking, agent, time_off)
        if reason is not None:
            found.append((booking, reason))
    return found


def booking_uncovered(session: Session, booking: Booking) -> str | None:
    """Why the booking's own agent's schedule does not cover it now, or None."""
    agent = session.get(Agent, booking.agent_id)
    if agent is None:
        return None
    time_off = list(session.scalars(select(TimeOff).where(
        TimeOff.agent_id == agent.id, TimeOff.start_at < booking.occupied_end, TimeOff.end_at > booking.occupied_start)))
    return uncovered(booking, agent, time_off)
