"""Which days have free times: the month calendar of the booking form.

Built on the day plans of `availability`: the same `DayPlan` decides every day, so a
day marked free has exactly the times the one-day answer lists. What differs is the
loading: one read of time off and one of bookings cover the whole range, and each day
gets its share of them, so a month costs a fixed handful of queries instead of two per
day (bench/free_days.py measures it against one day).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from . import pricing
from .availability import (
    MAX_OCCUPANCY,
    DayPlan,
    SlotSpec,
    _AgentDay,
    candidate_agents,
    parse_agent_choice,
    resolve_local_edge,
    resolve_location,
)
from .errors import FieldErrors
from .inputs import ServiceLineInput
from .models import ACTIVE_STATUSES, Agent, Booking, Location, TimeOff
from .settings import load_settings
from .timeutil import local_day_bounds, zone
from .validation import as_id

# How far "next available" looks before saying there is nothing.
SEARCH_DAYS = 366


@dataclass
class FreeDays:
    """Free start times counted per local day of a range at one location."""

    first: date
    last: date
    location: Location
    counts: dict[date, int] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        """The days with at least one free time, in order."""
        return sorted(d for d, n in self.counts.items() if n)


def free_days(
    session: Session,
    services: list[ServiceLineInput],
    *,
    first: date,
    last: date,
    now: datetime,
    agent_id: object = "any",
    location_id: object = None,
) -> FreeDays:
    """How many free start times each local day from `first` to `last` has for the
    services as chosen (extras and parameters lengthen the booking).

    Raises ValidationFailed for bad choices and NotFound for unknown ids.
    """
    errors = FieldErrors()
    lines = pricing.load_lines(session, services, errors, staff=False)
    agent = parse_agent_choice(errors, "agent_id", agent_id)
    loc_id = None if location_id in (None, "") else as_id(errors, "location_id", location_id)
    errors.raise_if_any("Choose the services first.")
    location = resolve_location(session, loc_id)
    spec = SlotSpec.for_services([line.service for line in lines], sum(line.duration for line in lines))
    result = FreeDays(first, last, location)
    tz = zone(location.timezone)
    today = now.astimezone(tz).date()
    # Days before today or beyond the booking horizon cannot have times: skip their reads.
    start, end = max(first, today), min(last, today + timedelta(days=spec.max_days_ahead))
    if start > end:
        return result
    agents = candidate_agents(session, spec.service_ids, location.id, agent)
    if not agents:
        return result
    interval = load_settings(session).slot_interval_minutes
    windows = {day: _window(spec, day, tz) for day in _each_day(start, end)}
    time_off, bookings = _load_range(session, [a.id for a in agents], windows[start][0], windows[end][1])
    for day, (window_start, window_end) in windows.items():
        plan = _plan(spec, location, day, agents, tz, window_start, window_end, time_off, bookings)
        result.counts[day] = len(plan.slots(now, interval)) if plan is not None else 0
    return result


def first_free_day(
    session: Session,
    services: list[ServiceLineInput],
    *,
    after: date,
    now: datetime,
    agent_id: object = "any",
    location_id: object = None,
) -> date | None:
    """The first day from `after` on that has a free time, or None within a year."""
    chunk = 31
    for offset in range(0, SEARCH_DAYS, chunk):
        first = after + timedelta(days=offset)
        found = free_days(session, services, first=first, last=first + timedelta(days=chunk - 1), now=now,
                          agent_id=agent_id, location_id=location_id).days
        if found:
            return found[0]
    return None


def _each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _window(spec: SlotSpec, day: date, tz: object) -> tuple[datetime, datetime]:
    """What a plan of `day` reads: the local day widened by the buffers and the length."""
    day_start, day_end = local_day_bounds(day, tz)  # type: ignore[arg-type]
    return day_start - timedelta(minutes=spec.buffer_before), day_end + timedelta(minutes=spec.duration + spec.buffer_after)


def _load_range(
    session: Session, agent_ids: list[int], window_start: datetime, window_end: datetime
) -> tuple[list[TimeOff], list[Booking]]:
    """Time off and active bookings touching the range: the same conditions as a day plan."""
    time_off = list(session.scalars(
        select(TimeOff).where(TimeOff.agent_id.in_(agent_ids), TimeOff.start_at < window_end, TimeOff.end_at > window_start)
    ))
    bookings = list(session.scalars(
        select(Booking).where(
            Booking.agent_id.in_(agent_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            and_(Booking.occupied_start > window_start - MAX_OCCUPANCY, Booking.occupied_start < window_end),
            Booking.occupied_end > window_start,
        )
    ))
    return time_off, bookings


def _plan(
    spec: SlotSpec, location: Location, day: date, agents: list[Agent], tz: object,
    window_start: datetime, window_end: datetime, time_off: list[TimeOff], bookings: list[Booking],
) -> DayPlan | None:
    """One day's plan from the range's rows; None when nobody works that day."""
    weekday = day.weekday()
    day_start, day_end = local_day_bounds(day, tz)  # type: ignore[arg-type]
    days: dict[int, _AgentDay] = {}
    for agent in agents:
        intervals = [
            (resolve_local_edge(day, wh.start_time, tz), resolve_local_edge(day, wh.end_time, tz))  # type: ignore[arg-type]
            for wh in agent.working_hours if wh.weekday == weekday
        ]
        days[agent.id] = _AgentDay(agent=agent, intervals=intervals)
    if not any(d.intervals for d in days.values()):
        return None
    for off in time_off:
        if off.start_at < window_end and off.end_at > window_start:
            days[off.agent_id].time_off.append((off.start_at, off.end_at))
    for booking in bookings:
        if booking.occupied_start < window_end and booking.occupied_end > window_start:
            agent_day = days[booking.agent_id]
            agent_day.bookings.append(booking)
            if day_start <= booking.start_at < day_end:
                agent_day.day_count += 1
    return DayPlan(spec, location, day, list(days.values()), tz)  # type: ignore[arg-type]
