"""When an agent is free.

A start time is free for an agent when the whole booking, buffers included, lies inside
one of that agent's working-hour intervals for the local day, outside time off, clear
of the agent's pending and approved bookings (with their buffers), and honours the
service's minimum notice and maximum days ahead. Capacity > 1 lets bookings of the same
service at the same start share the agent, one seat each.

Slots are wall-clock times of the location's zone on a grid of `slot_interval` minutes
from local midnight, each resolved to a UTC instant: a time skipped when clocks go
forward is never offered, and the hour repeated when they fall back is offered once
(its first occurrence).

The same `DayPlan` answers "which slots are free" and "may this booking go here", so a
listed slot is exactly one a booking would be accepted in. A plan costs a fixed number
of queries, each an indexed range read of that day: its cost follows the bookings of
the day asked, not the size of the tables.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from . import pricing
from .cache import lookup, remember, versions
from .class_times import stored_times
from .concurrency import MAX_OCCUPANCY_HOURS
from .errors import FieldErrors, NotFound
from .inputs import ServiceLineInput
from .models import SLOT_HOLDING_STATUSES, Agent, Booking, Location, Service, TimeOff, agent_locations, agent_services
from .settings import load_settings
from .snapshot import LocationInfo, catalog
from .timeutil import fmt_hhmm, local_day_bounds, resolve_local, zone
from .validation import MAX_DURATION, MIN_DURATION, as_date, as_id, as_int

# No booking occupies an agent for longer than this (concurrency.py refuses longer
# ones); it bounds the range reads.
MAX_OCCUPANCY = timedelta(hours=MAX_OCCUPANCY_HOURS)
# How far ahead staff may book whatever a service allows customers (two years).
STAFF_HORIZON_DAYS = 730


@dataclass(frozen=True)
class SlotSpec:
    """What is being placed."""

    service_ids: tuple[int, ...]
    duration: int
    buffer_before: int
    buffer_after: int
    capacity: int
    min_notice: int
    max_days_ahead: int
    # A single service's fixed class start times (local), or () for the booking grid.
    class_times: tuple[time, ...] = ()

    @classmethod
    def for_services(cls, services: list[Service], duration: int, *, staff: bool = False) -> SlotSpec:
        """Several services in one booking: the strictest buffers, notice and horizon;
        only a single-service booking can share a slot. Staff are not held to the
        notice and the horizon, which protect the business from customers (an urgent
        same-day job is theirs to fit in); clashes, working hours and time off still hold."""
        spec = cls(
            service_ids=tuple(s.id for s in services),
            duration=duration,
            buffer_before=max(s.buffer_before_minutes for s in services),
            buffer_after=max(s.buffer_after_minutes for s in services),
            capacity=services[0].capacity if len(services) == 1 else 1,
            min_notice=max(s.min_notice_minutes for s in services),
            max_days_ahead=min(s.max_days_ahead for s in services),
            class_times=stored_times(services[0].class_times) if len(services) == 1 else (),
        )
        return spec.for_staff() if staff else spec

    def for_staff(self) -> SlotSpec:
        return replace(self, min_notice=0, max_days_ahead=max(self.max_days_ahead, STAFF_HORIZON_DAYS))

    def slot_key(self, start: datetime) -> str:
        services = "-".join(str(i) for i in self.service_ids)
        return f"{services}@{int(start.timestamp())}"

    def occupied(self, start: datetime) -> tuple[datetime, datetime]:
        return (
            start - timedelta(minutes=self.buffer_before),
            start + timedelta(minutes=self.duration + self.buffer_after),
        )


@dataclass
class Placement:
    agent: Agent
    seat: int
    free: int = 1  # the places still free in this agent's session at that start (capacity > 1)


@dataclass(frozen=True)
class Slot:
    time: str  # local HH:MM
    start_at: datetime
    agent_ids: tuple[int, ...]
    # For a group service (capacity > 1): the places left at this start, all agents
    # together; 0 for a service one customer takes whole.
    seats: int = 0


@dataclass(frozen=True, eq=False)
class FreeDay:
    """One local day's free starts before the rules that depend on the clock (past,
    notice, horizon): what the read-path cache keeps for a day.

    `views` holds what readers derive from the whole day (the API's encoded JSON of
    it), filled lazily on first use. An entry never changes once made (it is filed
    under the versions it was computed from), so what is derived from it never goes
    stale. Views are kept as bytes (small next to the slots) and are never pickled:
    another process builds its own."""

    slots: tuple[Slot, ...]
    views: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        return {"slots": self.slots}

    def __setstate__(self, state: dict[str, Any]) -> None:
        object.__setattr__(self, "slots", state["slots"])
        object.__setattr__(self, "views", {})

    def at(self, spec: SlotSpec, tz: ZoneInfo, now: datetime) -> tuple[Slot, ...]:
        """The starts still bookable at `now`: this very tuple when every one of them is
        (the refusals are monotonic in time: past and notice refuse the earliest starts,
        the horizon the latest, so the first and the last decide)."""
        if not self.slots or (
            time_refusal(spec, tz, self.slots[0].start_at, now) is None
            and time_refusal(spec, tz, self.slots[-1].start_at, now) is None
        ):
            return self.slots
        return tuple(s for s in self.slots if time_refusal(spec, tz, s.start_at, now) is None)


@dataclass
class _AgentDay:
    agent: Any  # an Agent, or a snapshot.AgentInfo on the read path
    intervals: list[tuple[datetime, datetime]] = field(default_factory=list)
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)
    bookings: list[Any] = field(default_factory=list)  # rows of _BOOKING_COLUMNS
    # (occupied_start, occupied_end, slot_key, seat, booking id) of each booking, for placements()
    spans: list[tuple[datetime, datetime, str, int, int]] = field(default_factory=list)
    day_count: int = 0


def time_refusal(spec: SlotSpec, tz: ZoneInfo, start: datetime, now: datetime) -> str | None:
    """Why `start` cannot be booked at `now` whoever is free: past, notice or too far."""
    if start < now:
        return "past"
    if start < now + timedelta(minutes=spec.min_notice):
        return "notice"
    today = now.astimezone(tz).date()
    if start.astimezone(tz).date() > today + timedelta(days=spec.max_days_ahead):
        return "too_far"
    return None


@dataclass(frozen=True)
class Blocked:
    """Why one agent cannot take a booking at a start (DayPlan.blocks): outside that
    day's working hours (`hours`), in time off, clashing with a booking, or a group
    session with no place left. Staff may set aside the first two, never the others."""

    agent: Any
    hours: list[tuple[datetime, datetime]]
    outside_hours: bool
    time_off: tuple[datetime, datetime] | None
    clash_booking_id: int | None
    full: bool = False

    @property
    def overridable(self) -> bool:
        return self.clash_booking_id is None and not self.full


class DayPlan:
    """One location's local day for a set of candidate agents."""

    def __init__(self, spec: SlotSpec, location: Location, day: date, agents: list[_AgentDay], tz: ZoneInfo):
        self.spec = spec
        self.location = location
        self.day = day
        self.tz = tz
        # "any" prefers the agent with the fewest bookings that day, then the lowest id.
        self.agents = sorted(agents, key=lambda a: (a.day_count, a.agent.id))

    def why_not(self, start: datetime, now: datetime) -> str | None:
        """None if some agent can take the booking at `start`, else the reason."""
        refusal = time_refusal(self.spec, self.tz, start, now)
        if refusal is not None:
            return refusal
        if not self.agents:
            return "no_agent"
        return None if self.placements(start) else "taken"

    def placements(self, start: datetime, *, schedule: bool = True) -> list[Placement]:
        """The agents free at `start`, best first, each with the seat it would give.
        `schedule=False` (staff who confirmed an override) sets aside working hours and
        time off; clashes with bookings always hold."""
        occ_start, occ_end = self.spec.occupied(start)
        shared = self.spec.capacity > 1
        key = self.spec.slot_key(start) if shared else None
        found = []
        # Plain loops over plain tuples: this runs for every agent at every grid time.
        for day in self.agents:
            if schedule:
                for ws, we in day.intervals:
                    if ws <= occ_start and occ_end <= we:
                        break
                else:
                    continue
            clash = False
            if schedule:
                for ts, te in day.time_off:
                    if ts < occ_end and occ_start < te:
                        clash = True
                        break
            if clash:
                continue
            seats_taken: set[int] = set()
            for b_start, b_end, b_key, b_seat, _ in day.spans:
                if b_start < occ_end and occ_start < b_end:
                    if shared and b_key == key:
                        seats_taken.add(b_seat)
                    else:
                        clash = True
                        break
            if clash:
                continue
            free_seats = [s for s in range(1, self.spec.capacity + 1) if s not in seats_taken]
            if free_seats:
                found.append(Placement(day.agent, free_seats[0], len(free_seats)))
        return found

    def blocks(self, start: datetime) -> list[Blocked]:
        """For each candidate agent who cannot take a booking at `start`, what stands in
        the way: the working hours it falls outside, the time off it falls in, the
        booking it clashes with (or a full session). The refusal staff read."""
        occ_start, occ_end = self.spec.occupied(start)
        shared = self.spec.capacity > 1
        key = self.spec.slot_key(start) if shared else None
        found = []
        for day in sorted(self.agents, key=lambda d: d.agent.id):
            outside = not any(ws <= occ_start and occ_end <= we for ws, we in day.intervals)
            off = next(((ts, te) for ts, te in day.time_off if ts < occ_end and occ_start < te), None)
            clash_id: int | None = None
            seats_taken: set[int] = set()
            for b_start, b_end, b_key, b_seat, b_id in day.spans:
                if b_start < occ_end and occ_start < b_end:
                    if shared and b_key == key:
                        seats_taken.add(b_seat)
                    else:
                        clash_id = b_id
                        break
            full = clash_id is None and len(seats_taken) >= self.spec.capacity
            if outside or off or clash_id is not None or full:
                found.append(Blocked(day.agent, sorted(day.intervals), outside, off, clash_id, full))
        return found

    def slots(self, now: datetime, interval: int) -> tuple[Slot, ...]:
        return self.free_day(interval).at(self.spec, self.tz, now)

    def free_day(self, interval: int) -> FreeDay:
        """Every start on the grid some agent can take, before the rules that depend on
        the clock (past, notice, horizon)."""
        result = []
        for local in self.grid(interval):
            start = resolve_local(self.day, local, self.tz)
            if start is None:
                continue
            places = self.placements(start)
            if places:
                seats = sum(p.free for p in places) if self.spec.capacity > 1 else 0
                result.append(Slot(local.strftime("%H:%M"), start, tuple(p.agent.id for p in places), seats))
        return FreeDay(tuple(result))

    def grid(self, interval: int) -> list[time]:
        """The local times of the grid from midnight on which a start could fit: from the
        first working-hours edge of any agent (the ones before it cannot be free)."""
        opens = min((ws for day in self.agents for ws, _ in day.intervals), default=None)
        if opens is None:
            return []
        if self.spec.class_times:
            return list(self.spec.class_times)
        first = 0
        local_open = opens.astimezone(self.tz)
        if local_open.date() == self.day:
            first = (local_open.hour * 60 + local_open.minute) // interval * interval
        return [(datetime.min + timedelta(minutes=m)).time() for m in range(first, 24 * 60, interval)]

    def offers(self, start: datetime, interval: int) -> bool:
        """Whether `start` is on the grid of offered start times (free or not)."""
        local = start.astimezone(self.tz)
        if self.spec.class_times:
            return local.date() == self.day and local.time() in self.spec.class_times
        return local.date() == self.day and (local.hour * 60 + local.minute) % interval == 0 and local.second == 0 \
            and local.microsecond == 0

    def local_time(self, start: datetime) -> str:
        return fmt_hhmm(start, self.tz)


def candidate_agents(session: Session, service_ids: tuple[int, ...], location_id: int, agent_id: int | None) -> list[Agent]:
    """Active agents who offer every one of the services at the location."""
    offers_all = (
        select(agent_services.c.agent_id)
        .where(agent_services.c.service_id.in_(service_ids))
        .group_by(agent_services.c.agent_id)
        .having(func.count() == len(set(service_ids)))
    )
    at_location = select(agent_locations.c.agent_id).where(agent_locations.c.location_id == location_id)
    query = (
        select(Agent)
        .where(Agent.active.is_(True), Agent.id.in_(offers_all), Agent.id.in_(at_location))
        .options(selectinload(Agent.working_hours))
        .order_by(Agent.id)
    )
    if agent_id is not None:
        query = query.where(Agent.id == agent_id)
    return list(session.scalars(query))


def plan_day(
    session: Session,
    spec: SlotSpec,
    location: Any,
    day: date,
    agents: list[Any],
    *,
    exclude_booking_ids: tuple[int, ...] = (),
) -> DayPlan:
    """Load what one local day looks like for `agents` (two range queries)."""
    return plan_days(session, spec, location, [day], agents, exclude_booking_ids=exclude_booking_ids)[day]


_BOOKING_COLUMNS = (
    Booking.id, Booking.agent_id, Booking.start_at, Booking.occupied_start, Booking.occupied_end, Booking.slot_key, Booking.seat,
)


def plan_days(
    session: Session,
    spec: SlotSpec,
    location: Any,
    days: list[date],
    agents: list[Any],
    *,
    exclude_booking_ids: tuple[int, ...] = (),
) -> dict[date, DayPlan]:
    """Load several local days at once: one range read of time off and one of bookings
    cover them all, and each day takes its share. `location` and `agents` may be
    models or their snapshot values."""
    tz = zone(location.timezone)
    bounds = {}
    for day in days:
        day_start, day_end = local_day_bounds(day, tz)
        window = (day_start - timedelta(minutes=spec.buffer_before), day_end + timedelta(minutes=spec.duration + spec.buffer_after))
        bounds[day] = (day_start, day_end, window)
    ids = [a.id for a in agents]
    time_off: list[Any] = []
    bookings: list[Any] = []
    if ids and days:
        first = min(b[2][0] for b in bounds.values())
        last = max(b[2][1] for b in bounds.values())
        time_off = list(session.execute(
            select(TimeOff.agent_id, TimeOff.start_at, TimeOff.end_at)
            .where(TimeOff.agent_id.in_(ids), TimeOff.start_at < last, TimeOff.end_at > first)
        ))
        query = select(*_BOOKING_COLUMNS).where(
            Booking.agent_id.in_(ids),
            Booking.status.in_(SLOT_HOLDING_STATUSES),
            # Lower bound keeps this an index range scan on (agent_id, occupied_start).
            and_(Booking.occupied_start > first - MAX_OCCUPANCY, Booking.occupied_start < last),
            Booking.occupied_end > first,
        )
        if exclude_booking_ids:
            query = query.where(Booking.id.not_in(exclude_booking_ids))
        bookings = sorted(session.execute(query), key=lambda row: row.occupied_start)
    starts = [row.occupied_start for row in bookings]
    plans = {}
    for day, (day_start, day_end, (window_start, window_end)) in bounds.items():
        by_agent = {a.id: _AgentDay(agent=a) for a in agents}
        weekday = day.weekday()
        for a in agents:
            for wh in a.working_hours:
                if wh.weekday == weekday:
                    by_agent[a.id].intervals.append(
                        (resolve_local_edge(day, wh.start_time, tz), resolve_local_edge(day, wh.end_time, tz))
                    )
        for off in time_off:
            if off.start_at < window_end and off.end_at > window_start:
                by_agent[off.agent_id].time_off.append((off.start_at, off.end_at))
        # Only the bookings starting in [window_start - MAX_OCCUPANCY, window_end) can
        # touch the day: a month's plans take their share without each scanning all.
        for booking in bookings[bisect_left(starts, window_start - MAX_OCCUPANCY):bisect_left(starts, window_end)]:
            if booking.occupied_start < window_end and booking.occupied_end > window_start:
                agent_day = by_agent[booking.agent_id]
                agent_day.bookings.append(booking)
                agent_day.spans.append((booking.occupied_start, booking.occupied_end, booking.slot_key, booking.seat, booking.id))
                if day_start <= booking.start_at < day_end:
                    agent_day.day_count += 1
        plans[day] = DayPlan(spec, location, day, list(by_agent.values()), tz)
    return plans


def day_key(kind: str, catalog_version: int, location: Any, day: date, spec: SlotSpec, interval: int,
            agent_versions: tuple[tuple[int, int], ...]) -> tuple[object, ...]:
    """The cache key of what is worked out for one local day: everything it depends on,
    the versions included (cache.py)."""
    return (kind, catalog_version, location.id, location.timezone, day.isoformat(), spec, interval, agent_versions)


def free_days_of(
    session: Session,
    spec: SlotSpec,
    location: Any,
    days: list[date],
    agents: list[Any],
    *,
    interval: int,
) -> dict[date, FreeDay]:
    """The free start times of each day before the clock rules, from the cache where the
    catalog's and the agents' versions still match; the days missing are loaded together."""
    if not days:
        return {}
    seen = versions(session)
    agent_versions = seen.of_agents([a.id for a in agents])  # the same for every day asked
    keys = {day: day_key("slots", seen.catalog, location, day, spec, interval, agent_versions) for day in days}
    free: dict[date, Any] = {}
    missing = []
    for day, key in keys.items():
        found = lookup(session, key)
        if found is None:
            missing.append(day)
        else:
            free[day] = found
    if missing:
        for day, plan in plan_days(session, spec, location, missing, agents).items():
            free[day] = remember(session, keys[day], plan.free_day(interval))
    return free


def resolve_local_edge(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A working-hours edge as an instant; an edge inside a skipped hour moves to the
    first instant after the gap, so the interval stays as long as the clock allows."""
    instant = resolve_local(day, at, tz)
    if instant is not None:
        return instant
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def default_location(session: Session) -> Location:
    location = session.scalars(
        select(Location).where(Location.active.is_(True)).order_by(Location.is_default.desc(), Location.id)
    ).first()
    if location is None:
        raise NotFound("No location is set up yet.")
    return location


@dataclass
class Availability:
    date: date
    service_id: int
    agent_id: int | str
    location_id: int
    duration: int
    slots: tuple[Slot, ...]
    timezone: str = "UTC"  # the location's zone: slot times are its wall-clock times
    # The cached day when every one of its starts is still bookable (then `slots` is
    # its `slots`): readers may keep what they derive from it in its `views`.
    whole: FreeDay | None = None

    @property
    def available_slots(self) -> list[str]:
        return [s.time for s in self.slots]


def available_slots(
    session: Session,
    *,
    service_id: object,
    day: object,
    now: datetime,
    agent_id: object = "any",
    duration: object = None,
    location_id: object = None,
    exclude_booking_id: int | None = None,
) -> Availability:
    """The free start times of one local day for one service.

    Raises ValidationFailed for bad parameters and NotFound for unknown ids.
    """
    return available_days(
        session, service_id=service_id, first=day, days=1, now=now, agent_id=agent_id, duration=duration,
        location_id=location_id, exclude_booking_id=exclude_booking_id,
    )[0]


def available_days(
    session: Session,
    *,
    service_id: object,
    first: object,
    days: int,
    now: datetime,
    agent_id: object = "any",
    duration: object = None,
    location_id: object = None,
    exclude_booking_id: int | None = None,
) -> list[Availability]:
    """The free start times of `days` local days from `first`, one Availability each.

    Warm, this reads no table but the versions (cache.py): the catalog and the day
    plans come from the cache. Raises ValidationFailed for bad parameters and NotFound
    for unknown ids.
    """
    errors = FieldErrors()
    sid = as_id(errors, "service_id", service_id)
    the_day = as_date(errors, "date", first)
    agent = parse_agent_choice(errors, "agent_id", agent_id)
    minutes = None if duration in (None, "") else as_int(errors, "duration", duration, lo=MIN_DURATION, hi=MAX_DURATION)
    loc_id = None if location_id in (None, "") else as_id(errors, "location_id", location_id)
    errors.raise_if_any("The availability request is not valid.")
    assert sid is not None and the_day is not None
    known = catalog(session)
    service = known.active_service(sid)
    location = known.location(loc_id)
    spec = SlotSpec.for_services([service], minutes or service.duration_minutes)
    agents = known.candidates(spec.service_ids, location.id, agent)
    if agent is not None and not agents:
        raise NotFound(f"Agent with ID {agent} does not offer this service here")
    interval = load_settings(session).slot_interval_minutes
    wanted = [the_day + timedelta(days=offset) for offset in range(days)]
    if exclude_booking_id:
        plans = plan_days(session, spec, location, wanted, agents, exclude_booking_ids=(exclude_booking_id,))
        by_day = {d: plan.free_day(interval) for d, plan in plans.items()}
    else:
        by_day = free_days_of(session, spec, location, wanted, agents, interval=interval)
    tz = zone(location.timezone)
    results = []
    for d in wanted:
        slots = by_day[d].at(spec, tz, now)
        results.append(Availability(
            date=d, service_id=service.id, agent_id=agent if agent is not None else "any", location_id=location.id,
            duration=spec.duration, slots=slots, timezone=location.timezone,
            whole=by_day[d] if slots is by_day[d].slots else None,
        ))
    return results


def parse_agent_choice(errors: FieldErrors, path: str, value: object) -> int | None:
    """An agent id, or None for automatic assignment ("any", -1 or nothing)."""
    if value in (None, "", "any", -1, "-1"):
        return None
    return as_id(errors, path, value)


def resolve_location(session: Session, location_id: int | None) -> Location:
    if location_id is None:
        return default_location(session)
    location = session.get(Location, location_id)
    if location is None or not location.active:
        raise NotFound(f"Location with ID {location_id} was not found")
    return location


def slots_for_services(
    session: Session,
    *,
    services: list[Service],
    duration: int,
    day: date,
    now: datetime,
    agent_id: int | None = None,
    location: Location | LocationInfo | None = None,
    exclude_booking_id: int | None = None,
    staff: bool = False,
) -> list[Slot]:
    """Free start times for a booking of several services (the booking form): the
    agents must offer all of them, with the strictest buffers and notice."""
    known = catalog(session)
    where = known.location(location.id if location is not None else None)
    spec = SlotSpec.for_services(services, duration, staff=staff)
    agents = known.candidates(spec.service_ids, where.id, agent_id)
    interval = load_settings(session).slot_interval_minutes
    if exclude_booking_id:
        plan = plan_day(session, spec, where, day, agents, exclude_booking_ids=(exclude_booking_id,))
        return list(plan.slots(now, interval))
    free = free_days_of(session, spec, where, [day], agents, interval=interval)[day]
    return list(free.at(spec, zone(where.timezone), now))


def slots_for_request(
    session: Session,
    services: list[ServiceLineInput],
    *,
    day: date,
    now: datetime,
    agent_id: object = "any",
    location_id: object = None,
    exclude_booking_id: int | None = None,
    staff: bool = False,
) -> list[Slot]:
    """Free start times for the services as a customer chose them (extras and
    parameters lengthen the booking); `staff` for the back office's form (no notice or
    horizon). Raises ValidationFailed or NotFound."""
    errors = FieldErrors()
    lines = pricing.load_lines(session, services, errors, staff=False)
    agent = parse_agent_choice(errors, "agent_id", agent_id)
    loc_id = None if location_id in (None, "") else as_id(errors, "location_id", location_id)
    errors.raise_if_any("Choose the services first.")
    return slots_for_services(
        session, services=[line.service for line in lines], duration=sum(line.duration for line in lines), day=day,
        now=now, agent_id=agent, location=catalog(session).location(loc_id), exclude_booking_id=exclude_booking_id, staff=staff,
    )
