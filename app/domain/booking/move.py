"""Moving a booking by hand: the move itself (a change that needs an active booking) and
the agents and free start times the move form offers."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..actor import Actor
from ..availability import SlotSpec, candidate_agents, parse_agent_choice, plan_days, slots_for_services
from ..concurrency import begin_write
from ..errors import DomainError, FieldErrors, Forbidden
from ..free_days import SEARCH_DAYS
from ..models import Agent, Booking
from ..settings import load_settings
from ..snapshot import catalog
from ..timeutil import resolve_local, zone
from ..validation import as_date, as_time
from .change import UNSET, BookingChanges, apply_changes, load_for_change, update_booking
from .common import invalid, line_services, write_transaction
from .status_change import later_visits


def reschedule_booking(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, start_at: Any = UNSET,
    start_date: Any = UNSET, start_time: Any = UNSET, agent_id: Any = UNSET, duration: Any = UNSET,
    expected_version: int | None = None, notify: bool = True, override_hours: bool = False,
) -> Booking:
    """Move a booking to another time and/or agent; `override_hours` (staff, confirmed)
    may put it outside the agent's working hours or in their time off, never on another booking."""
    changes = BookingChanges(start_at=start_at, start_date=start_date, start_time=start_time, agent_id=agent_id, duration=duration,
                             require_active=True, override_hours=override_hours)
    return update_booking(session, booking_id, changes, actor=actor, now=now, expected_version=expected_version, notify=notify)


class SeriesVisitRefused(DomainError):
    """A visit of a series could not move with the others, so none moved: the visit
    (details: booking_id, booking_code, start_at) and its own refusal's code and reason."""

    def __init__(self, visit: Booking, error: DomainError):
        super().__init__(
            f"Visit {visit.booking_code} cannot move: {error.message} Nothing was moved.",
            {"booking_id": visit.id, "booking_code": visit.booking_code, "start_at": visit.start_at.isoformat(),
             "reason": error.message},
            code=error.code,
        )
        self.status = error.status
        self.reason = error.message


def move_series(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, start_date: Any, start_time: Any,
    agent_id: Any = UNSET, expected_version: int | None = None, notify: bool = True,
) -> list[Booking]:
    """Move a visit and all later visits of its series (staff): each by the same change
    of local day and time as this one (so the weekday and time change alike, whatever
    the clocks do), and to `agent_id` if given. Each visit is checked like a single staff
    move and recorded in its own history; all move or none (one transaction). Raises
    SeriesVisitRefused naming the visit that cannot move, ValidationFailed, Forbidden,
    BookingNotFound, PreconditionFailed."""
    if not actor.is_staff:
        raise Forbidden("Only staff can move the visits of a series together.")
    errors = FieldErrors()
    day, at = as_date(errors, "start_date", start_date), as_time(errors, "start_time", start_time)
    chosen = parse_agent_choice(errors, "agent_id", agent_id) if agent_id is not UNSET else None
    errors.raise_if_any("The visits could not be moved; check the highlighted fields.")
    assert day is not None and at is not None  # raise_if_any() above
    with write_transaction(session):
        begin_write(session)
        booking = load_for_change(session, booking_id, actor, now, expected_version, also_lock=[chosen] if chosen else None)
        tz = zone(booking.location.timezone)
        shift = datetime.combine(day, at) - booking.start_at.astimezone(tz).replace(tzinfo=None)
        visits = [booking, *later_visits(session, booking)]
        # Later first when moving later (and earlier first when moving earlier), so no visit
        # lands on the time a sibling still holds until it has moved itself.
        for visit in reversed(visits) if shift > timedelta(0) else visits:
            local = visit.start_at.astimezone(zone(visit.location.timezone)).replace(tzinfo=None) + shift
            changes = BookingChanges(start_date=local.date(), start_time=local.time(), agent_id=agent_id, require_active=True)
            try:
                apply_changes(session, visit, changes, actor, now, notify)
            except DomainError as error:
                raise SeriesVisitRefused(visit, error) from error
        return visits


def move_agents(session: Session, booking: Booking) -> list[Agent]:
    """The agents who can take `booking` at its location: all its services (its own
    agent always among them)."""
    services = line_services(booking)
    agents = candidate_agents(session, tuple(sorted({s.id for s in services})), booking.location_id, None)
    if booking.agent not in agents:
        agents.append(booking.agent)
    return agents


def move_choices(
    session: Session, booking: Booking, *, day: date, agent_id: int | None, now: datetime, staff: bool = False,
) -> tuple[list[Agent], list[Any]]:
    """For moving a booking (the staff panel, and the customer's move page with the
    booking's own agent): the agents who can do all its services here (its own agent
    included) and the free start times on `day` for the chosen one. It asks the question
    the move re-checks: that agent, the booking's services and duration, the booking
    itself not counted as taken; where the booking already is (same agent, same start)
    is no move and is not offered. `staff`: without the customers' notice and horizon,
    as a staff move is checked."""
    services = line_services(booking)
    agents = move_agents(session, booking)
    chosen = agent_id or booking.agent_id
    slots = slots_for_services(session, services=services, duration=booking.duration_minutes, day=day, now=now,
                               agent_id=chosen, location=booking.location, exclude_booking_id=booking.id, staff=staff)
    if chosen == booking.agent_id:
        slots = [s for s in slots if s.start_at != booking.start_at]
    return agents, slots


def move_times(
    session: Session, booking: Booking, *, first: date, days: int, agent_id: int | None, now: datetime, staff: bool = False,
) -> list[tuple[date, list[Any]]]:
    """The free times to move `booking` to, day by day from `first` (the API's
    availability of a booking being moved): move_choices() for each day, so exactly the
    times the move accepts. `agent_id` must be one of the agents who can take the
    booking (move_choices' first answer); None keeps its own agent."""
    if agent_id is not None and agent_id not in {a.id for a in move_agents(session, booking)}:
        raise invalid("agent_id", "This agent does not do all of this booking's services at its location.")
    return [(day, move_choices(session, booking, day=day, agent_id=agent_id, now=now, staff=staff)[1])
            for day in (first + timedelta(days=n) for n in range(days))]


def move_days(session: Session, booking: Booking, *, first: date, last: date, now: datetime) -> dict[date, str]:
    """The local days from `first` to `last` on which `booking` can move with its own
    agent, each with its first such time (local HH:MM): the month calendar of the
    customer's move page. The same question as move_choices() asks of one day (its
    agent, services and duration, itself not counted, its own start no move), asked of
    the range with one load of time off and bookings (availability.plan_days)."""
    services = line_services(booking)
    spec = SlotSpec.for_services(services, booking.duration_minutes)
    known = catalog(session)
    location = known.locations.get(booking.location_id)
    if location is None or not location.active:
        return {}  # an office that closed takes no moves (move_choices says why)
    agents = known.candidates(spec.service_ids, location.id, booking.agent_id)
    tz = zone(location.timezone)
    today = now.astimezone(tz).date()
    first, last = max(first, today), min(last, today + timedelta(days=spec.max_days_ahead))
    if not agents or first > last:
        return {}
    interval = load_settings(session).slot_interval_minutes
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found: dict[date, str] = {}
    for day, plan in plan_days(session, spec, location, days, agents, exclude_booking_ids=(booking.id,)).items():
        for local in plan.grid(interval):
            start = resolve_local(day, local, tz)
            if start is not None and start != booking.start_at and plan.why_not(start, now) is None:
                found[day] = local.strftime("%H:%M")
                break
    return found


def first_move_day(session: Session, booking: Booking, *, after: date, now: datetime) -> date | None:
    """The first day from `after` on that move_days() marks free, or None within a year."""
    chunk = 31
    for offset in range(0, SEARCH_DAYS, chunk):
        start = after + timedelta(days=offset)
        found = move_days(session, booking, first=start, last=start + timedelta(days=chunk - 1), now=now)
        if found:
            return min(found)
    return None
