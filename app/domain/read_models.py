"""Named reads the pages use: the catalog's active rows, the filter choices, the
calendar's booking rows. Pages call these instead of building queries, so what "active"
means and the order things are listed in are decided here, once."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from . import cache
from .models import (
    Agent,
    Base,
    Booking,
    BookingEvent,
    BookingLine,
    BookingStatus,
    CustomField,
    FieldVisibility,
    Frequency,
    Location,
    Service,
    TimeOff,
    User,
)

M = TypeVar("M", bound=Base)
T = TypeVar("T")


def database_answers(session: Session) -> None:
    """Ask the database the smallest question (the health check); raises its error if it cannot answer."""
    session.execute(select(1))


def active_services(session: Session, *, with_form_parts: bool = False, by_name: bool = False) -> list[Service]:
    """Services offered, in the business's order (ties by id, or by name for the home page).

    `with_form_parts` loads each service's extras and pricing parameters with them."""
    query = select(Service).where(Service.active.is_(True)).order_by(Service.position, Service.name if by_name else Service.id)
    if with_form_parts:
        query = query.options(selectinload(Service.extras), selectinload(Service.parameters))
    return list(session.scalars(query))


def active_agents(session: Session, *, with_services: bool = False, with_locations: bool = False) -> list[Agent]:
    """Agents taking work, by name; optionally with the services they do and where."""
    query = select(Agent).where(Agent.active.is_(True)).order_by(Agent.name)
    if with_services:
        query = query.options(selectinload(Agent.services))
    if with_locations:
        query = query.options(selectinload(Agent.locations))
    return list(session.scalars(query))


def active_locations(session: Session, *, by_name: bool = False) -> list[Location]:
    """Open offices: the default one first (the pickers' choice), or by name."""
    order = (Location.name,) if by_name else (Location.is_default.desc(), Location.id)
    return list(session.scalars(select(Location).where(Location.active.is_(True)).order_by(*order)))


def active_frequencies(session: Session) -> list[Frequency]:
    """How often a booking may repeat, in the business's order."""
    return list(session.scalars(select(Frequency).where(Frequency.active.is_(True)).order_by(Frequency.position, Frequency.id)))


def active_fields(session: Session, *, staff: bool) -> list[CustomField]:
    """The booking form's questions with their options and services; staff also get the staff-only ones."""
    query = select(CustomField).where(CustomField.active.is_(True))
    if not staff:
        query = query.where(CustomField.visibility == FieldVisibility.CUSTOMER)
    return list(session.scalars(
        query.order_by(CustomField.position, CustomField.id).options(selectinload(CustomField.options), selectinload(CustomField.services))
    ))


class FormCatalogRows(NamedTuple):
    """What the booking form offers, as rows: see `booking_form_rows`."""

    services: list[Service]
    frequencies: list[Frequency]
    locations: list[Location]
    agents: list[Agent]
    fields: list[CustomField]


def booking_form_rows(session: Session, *, staff: bool = False) -> FormCatalogRows:
    """The booking form's catalog: active services with their extras and parameters, how
    often, offices, agents with their services and offices, and the questions (staff
    also get the staff-only ones). Kept per catalog version (`_kept`)."""
    def load(reader: Session) -> FormCatalogRows:
        return FormCatalogRows(
            services=active_services(reader, with_form_parts=True),
            frequencies=active_frequencies(reader),
            locations=active_locations(reader),
            agents=active_agents(reader, with_services=True, with_locations=True),
            fields=active_fields(reader, staff=staff),
        )

    return _kept(session, ("form-catalog", staff), load)


def priced_services(session: Session) -> dict[int, Service]:
    """Every service (inactive ones too: staff may book them) by id, with what pricing
    and the booking's checks read of it (extras, parameters, offices), kept per catalog
    version (`_kept`). Only for pages that render (see `rendering`)."""
    def load(reader: Session) -> dict[int, Service]:
        query = select(Service).options(selectinload(Service.extras), selectinload(Service.parameters),
                                        selectinload(Service.locations))
        return {s.id: s for s in reader.scalars(query)}

    return _kept(session, ("priced-services",), load)


@contextmanager
def rendering(session: Session) -> Iterator[None]:
    """While a page renders (the booking form, its refreshes and previews), the services
    it prices come from `priced_services` instead of a query per render (pricing.load_lines).
    Renders only read them; writes keep reading their own rows."""
    before = session.info.get(RENDERING)
    session.info[RENDERING] = True
    try:
        yield
    finally:
        session.info[RENDERING] = before


RENDERING = "rendering_page"


class HomeRows(NamedTuple):
    """The home page: the services someone offers (by name, with their offices), the
    offices by name, and each service's starting price (pricing.starting_quotes)."""

    services: list[Service]
    locations: list[Location]
    starting: dict[int, Any]


def home_rows(session: Session) -> HomeRows:
    """What the home page shows, kept per catalog version (`_kept`)."""
    from . import pricing

    def load(reader: Session) -> HomeRows:
        services = list(reader.scalars(
            select(Service).where(Service.active.is_(True)).order_by(Service.position, Service.name)
            .options(selectinload(Service.locations), selectinload(Service.extras), selectinload(Service.parameters))
        ))
        # A service is offered when an active agent does it somewhere.
        bookable = {s.id for a in active_agents(reader, with_services=True) for s in a.services}
        offered = [s for s in services if s.id in bookable]
        return HomeRows(offered, active_locations(reader, by_name=True), pricing.starting_quotes(reader, offered))

    return _kept(session, ("home",), load)


def _kept(session: Session, name: tuple[Any, ...], load: Callable[[Session], T]) -> T:
    """What `load` reads, kept in this process per catalog version: every page render
    needs the same catalog, so it is read once per change. The rows are read in a
    session of their own after the versions (so never older than their key, cache.py)
    and detached with everything the pages read loaded (every change to these tables
    raises the catalog version, concurrency.py). They are shared by requests and must
    only be read: a page never changes them or adds them to its session. A transaction
    that has written reads its own rows (`fallback`)."""
    def detached() -> T:
        with Session(bind=session.get_bind(), expire_on_commit=False, autoflush=False) as reader:
            rows = load(reader)
            reader.expunge_all()
        return rows

    return cache.local_cached(session, (*name, cache.versions(session).catalog), detached, fallback=lambda: load(session))


class FilterChoices(NamedTuple):
    """Every agent, service and location, by name (old bookings may name inactive ones)."""

    agents: list[Agent]
    services: list[Service]
    locations: list[Location]


def filter_choices(session: Session) -> FilterChoices:
    """What the bookings table's filters offer."""
    return FilterChoices(
        list(session.scalars(select(Agent).order_by(Agent.name))),
        list(session.scalars(select(Service).order_by(Service.name))),
        list(session.scalars(select(Location).order_by(Location.name))),
    )


def by_ids(session: Session, model: type[M], ids: Iterable[int]) -> list[M]:
    """The rows of `model` with these ids, in one query (none asked, no query)."""
    wanted = set(ids)
    if not wanted:
        return []
    return list(session.scalars(select(model).where(model.id.in_(wanted))))  # type: ignore[attr-defined]


def booking_events(session: Session, booking_id: int) -> list[BookingEvent]:
    """A booking's history rows, oldest first."""
    return list(session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id).order_by(BookingEvent.id)))


# The calendar


class CalendarFilter(NamedTuple):
    """The calendar's filters, already checked: None means all."""

    agent_id: int | None = None
    service_id: int | None = None
    status: BookingStatus | None = None


def calendar_agents(session: Session, location_id: int, agent_id: int | None = None) -> list[Agent]:
    """Active agents who work at the location (or only the one asked for), by name, with their hours."""
    query = (
        select(Agent).where(Agent.active.is_(True), Agent.locations.any(Location.id == location_id))
        .options(selectinload(Agent.working_hours)).order_by(Agent.name)
    )
    if agent_id:
        query = query.where(Agent.id == agent_id)
    return list(session.scalars(query))


class CalendarRow(NamedTuple):
    agent_id: int
    booking_id: int
    status: BookingStatus
    version: int
    start_at: datetime
    end_at: datetime
    first_name: str | None
    last_name: str | None
    email: str | None
    workers: int | None = 1  # the most workers any of its lines needs (Booking.workers)


def _calendar_filter(query: Select[Any], filters: CalendarFilter) -> Select[Any]:
    """The status asked for, or every status but cancelled: a cancelled booking frees
    its time and would only crowd the calendar."""
    if filters.service_id:
        query = query.where(Booking.service_id == filters.service_id)
    if filters.status:
        return query.where(Booking.status == filters.status)
    return query.where(Booking.status != BookingStatus.CANCELLED)


def calendar_rows(session: Session, location_id: int, start: datetime, end: datetime, agent_ids: Sequence[int],
                  filters: CalendarFilter) -> list[CalendarRow]:
    """The bookings starting in [start, end) at the location for these agents, in time
    order: one statement for a few columns with the customer's name, no Booking objects."""
    query = (
        select(Booking.agent_id, Booking.id, Booking.status, Booking.version, Booking.start_at, Booking.end_at,
               User.first_name, User.last_name, User.email,
               select(func.max(BookingLine.workers)).where(BookingLine.booking_id == Booking.id).scalar_subquery())
        .join(User, User.id == Booking.customer_id)
        .where(Booking.location_id == location_id, Booking.start_at >= start, Booking.start_at < end, Booking.agent_id.in_(agent_ids))
        .order_by(Booking.start_at, Booking.id)
    )
    return [CalendarRow(*row) for row in session.execute(_calendar_filter(query, filters))]


def calendar_starts(session: Session, location_id: int, start: datetime, end: datetime,
                    filters: CalendarFilter) -> list[tuple[datetime, BookingStatus]]:
    """(start, status) of each booking starting in [start, end) at the location: the month's counts."""
    query = select(Booking.start_at, Booking.status).where(Booking.location_id == location_id, Booking.start_at >= start, Booking.start_at < end)
    if filters.agent_id:
        query = query.where(Booking.agent_id == filters.agent_id)
    return [(start_at, status) for start_at, status in session.execute(_calendar_filter(query, filters))]


def time_off_between(session: Session, agent_ids: Sequence[int], start: datetime, end: datetime) -> list[TimeOff]:
    """These agents' time off overlapping [start, end)."""
    return list(session.scalars(
        select(TimeOff).where(TimeOff.agent_id.in_(agent_ids), TimeOff.start_at < end, TimeOff.end_at > start)
    ))
