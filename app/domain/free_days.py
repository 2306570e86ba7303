"""Which days have free times: the month calendar of the booking form.

Built on the day plans of `availability`: the same `DayPlan` decides every day, so a
day marked free has exactly the times the one-day answer lists. What differs is the
loading: `plan_days` reads time off and bookings once for the whole range, and each
day gets its share of them, so a month costs a fixed handful of queries instead of two per
day (`make bench` measures it against one day).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from . import pricing
from .availability import DayPlan, SlotSpec, day_key, free_days_of, parse_agent_choice, plan_days
from .cache import lookup, remember, versions
from .errors import FieldErrors
from .inputs import ServiceLineInput
from .settings import load_settings
from .snapshot import AgentInfo, LocationInfo, catalog
from .timeutil import local_day_bounds, resolve_local, zone
from .validation import as_id


# How far "next available" looks before saying there is nothing.
SEARCH_DAYS = 366
_NONE = ()  # a day with no free start, as the cache keeps it (None means "not cached")


@dataclass
class FreeDays:
    """The first free start time (local HH:MM) of each day of a range that has one."""

    first: date
    last: date
    location: LocationInfo
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
    fill_cache: bool = True,
    staff: bool = False,
) -> FreeDays:
    """Which local days from `first` to `last` have a free start time for the services
    as chosen (extras and parameters lengthen the booking), and the earliest one.

    A day that the clock does not cut into (it starts after the notice and lies within
    the horizon) has an earliest time that depends on its bookings alone: it is kept in
    the read-path cache under the catalog's and the agents' versions (cache.py), like
    the one-day answer, so a warm month reads no table. The other days, and the days
    missing from the cache, are decided by `DayPlan`s loaded together. `fill_cache=False`
    reads the cache without adding to it (a search over many months must not crowd it).

    The days the clock does not cut into are the ones that start after the notice and
    lie within the horizon, which `time_refusal` counts in whole local days; if the
    horizon ever becomes an instant, `clock_free` below must test it too.

    Raises ValidationFailed for bad choices and NotFound for unknown ids.
    """
    errors = FieldErrors()
    lines = pricing.load_lines(session, services, errors, staff=False)
    agent = parse_agent_choice(errors, "agent_id", agent_id)
    loc_id = None if location_id in (None, "") else as_id(errors, "location_id", location_id)
    errors.raise_if_any("Choose the services first.")
    known = catalog(session)
    location = known.location(loc_id)
    spec = SlotSpec.for_services([line.service for line in lines], sum(line.duration for line in lines), staff=staff)
    result = FreeDays(first, last, location)
    tz = zone(location.timezone)
    today = now.astimezone(tz).date()
    # Days before today or beyond the booking horizon cannot have times: skip their reads.
    start, end = max(first, today), min(last, today + timedelta(days=spec.max_days_ahead))
    if start > end:
        return result
    agents = known.candidates(spec.service_ids, location.id, agent)
    if not agents:
        return result
    # One page asks twice for the same days (the first free day, then its month).
    memo_key = (repr(services), start, end, now, agent, location.id, staff)
    memo = _request_memo(session)
    if memo_key in memo:
        result.earliest.update(memo[memo_key])
        return result
    _fill(session, result, spec, location, agents, start, end, now, fill_cache)
    memo[memo_key] = dict(result.earliest)
    return result


def _request_memo(session: Session) -> dict[tuple[object, ...], dict[date, str]]:
    """This transaction's answers, while it has written nothing (then they could change)."""
    memo = session.info.get("_free_days")
    transaction = session.get_transaction()
    if memo is None or memo[0] is not transaction or session.info.get("_wrote"):
        memo = session.info["_free_days"] = (transaction, {})
    return memo[1]


def _fill(session: Session, result: FreeDays, spec: SlotSpec, location: LocationInfo, agents: list[AgentInfo], start: date,
          end: date, now: datetime, fill_cache: bool) -> None:
    """The earliest time of each day from `start` to `end` into `result`."""
    tz = zone(location.timezone)
    interval = load_settings(session).slot_interval_minutes
    seen = versions(session)
    agent_versions = seen.of_agents([a.id for a in agents])
    notice_ends = now + timedelta(minutes=spec.min_notice)
    keys: dict[date, tuple[object, ...]] = {}
    missing = []
    cut: list[date] = []
    for day in _each_day(start, end):
        if local_day_bounds(day, tz)[0] < notice_ends:  # `end` already honours the horizon
            cut.append(day)
            continue
        keys[day] = day_key("earliest", seen.catalog, location, day, spec, interval, agent_versions)
        found = lookup(session, keys[day])
        if found is None:
            missing.append(day)
        elif found:
            result.earliest[day] = found
    # The days the clock cuts into (today, the notice): their free starts before the clock
    # rules are cached like the one-day answer's, and the clock is applied to them here.
    for day, free in free_days_of(session, spec, location, cut, agents, interval=interval).items():
        if starts := free.at(spec, tz, now):
            result.earliest[day] = starts[0].time
    for day, plan in plan_days(session, spec, location, missing, agents).items():
        earliest = _earliest(plan, now, interval)
        if fill_cache:
            remember(session, keys[day], earliest or _NONE)
        if earliest is not None:
            result.earliest[day] = earliest


def _earliest(plan: DayPlan, now: datetime, interval: int) -> str | None:
    """The day's first free time on the grid of DayPlan.slots(), stopping at the first:
    a calendar needs to know that a day has a time, not all of them."""
    for local in plan.grid(interval):
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
    staff: bool = False,
) -> date | None:
    """The first day from `after` on that has a free time, or None within a year."""
    # Month by month (the first from `after` to its month's end), as the form's calendar
    # asks, so the calendar of the month found is the answer already worked out.
    first, stop = after, after + timedelta(days=SEARCH_DAYS)
    while first < stop:
        last = min((first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1), stop)
        found = free_days(session, services, first=first, last=last, now=now, agent_id=agent_id,
                          location_id=location_id, fill_cache=first == after, staff=staff).days
        if found:
            return found[0]
        first = last + timedelta(days=1)
    return None


def _each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
