"""Which days have free times: the month calendar of the booking form.

Built on the day plans of `availability`: the same `DayPlan` decides every day, so a
day marked free has exactly the times the one-day answer lists. What differs is the
loading: one read of time off and one of bookings cover the whole range, and each day
gets its share of them, so a month costs a fixed handful of queries instead of two per
day (bench/free_days.py measures it against one day).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

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
from .timeutil import local_day_bounds, resolve_local, zone
from .validation import as_id

T = TypeVar("T")

# How far "next available" looks before saying there is nothing.
SEARCH_DAYS = 366


@dataclass
class FreeDays:
    """The first free start time (local HH:MM) of each day of a range that has one."""

    first: date
    last: date
    location: Location
    earliest: dict[date, str] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        """The days with at least one free time, in order."""
        return sorted(self.earliest)


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
    """Which local days from `first` to `last` have a free start time for the services
    as chosen (extras and parameters lengthen the booking), and the earliest one.

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
    off_by_day = _by_day(time_off, lambda o: (o.start_at, o.end_at), tz)
    bookings_by_day = _by_day(bookings, lambda b: (b.occupied_start, b.occupied_end), tz)
    for day, (window_start, window_end) in windows.items():
        plan = _plan(spec, location, day, agents, tz, window_start, window_end, off_by_day.get(day, []), bookings_by_day.get(day, []))
        earliest = _earliest(plan, now, interval) if plan is not None else None
        if earliest is not None:
            result.earliest[day] = earliest
    return result


def _by_day(rows: list[T], span: Callable[[T], tuple[datetime, datetime]], tz: object) -> dict[date, list[T]]:
    """Rows under each local day they may touch (a day either side for the buffers and
    the booking's length); _plan keeps only those that really overlap its window."""
    found: dict[date, list[T]] = {}
    for row in rows:
        row_start, row_end = span(row)
        day = row_start.astimezone(tz).date() - timedelta(days=1)  # type: ignore[arg-type]
        while day <= row_end.astimezone(tz).date() + timedelta(days=1):  # type: ignore[arg-type]
            found.setdefault(day, []).append(row)
            day += timedelta(days=1)
    return found


def _earliest(plan: DayPlan, now: datetime, interval: int) -> str | None:
    """The day's first free time on the grid of DayPlan.slots(), stopping at the first:
    a calendar needs to know that a day has a time, not all of them."""
    for minute in range(0, 24 * 60, interval):
        local = (datetime.min + timedelta(minutes=minute)).time()
        start = resolve_local(plan.day, local, plan.tz)
        if start is not None and plan.why_not(start, now) is None:
            return local.strftime("%H:%M")
    return None


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
) -> tuple[list[TimeOff], list[Any]]:
    """Time off and active bookings touching the range: the same conditions as a day plan."""
    time_off = list(session.scalars(
        select(TimeOff).where(TimeOff.agent_id.in_(agent_ids), TimeOff.start_at < window_end, TimeOff.end_at > window_start)
    ))
    # Only the columns a day plan reads: a month of bookings as rows, not full objects.
    bookings = list(session.execute(
        select(Booking.agent_id, Booking.start_at, Booking.occupied_start, Booking.occupied_end, Booking.slot_key, Booking.seat).where(
            Booking.agent_id.in_(agent_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            and_(Booking.occupied_start > window_start - MAX_OCCUPANCY, Booking.occupied_start < window_end),
            Booking.occupied_end > window_start,
        )
    ))
    return time_off, bookings


def _plan(
    spec: SlotSpec, location: Location, day: date, agents: list[Agent], tz: object,
    window_start: datetime, window_end: datetime, time_off: list[TimeOff], bookings: list[Any],
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
