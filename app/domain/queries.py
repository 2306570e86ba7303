"""Reads the API and the pages share: filtered, paginated lists and single objects."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from .actor import Actor
from .errors import BookingNotFound, FieldErrors, NotFound
from .models import (
    Agent,
    Booking,
    BookingLine,
    BookingStatus,
    CustomField,
    Extra,
    FieldVisibility,
    Frequency,
    Location,
    PricingParameter,
    Service,
    User,
    agent_services,
)
from .settings import load_settings
from .timeutil import local_day_bounds, parse_instant, zone
from .validation import LIKE_ESCAPE, as_date, as_id, as_int, contains_pattern

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def total_pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


MAX_PAGE = 1_000_000

def read_paging(errors: FieldErrors, page: object, per_page: object) -> tuple[int, int]:
    number = as_int(errors, "page", page or 1, lo=1, hi=MAX_PAGE) or 1
    size = as_int(errors, "per_page", per_page or 20, lo=1, hi=MAX_PER_PAGE) or 20
    return number, size


def paginate(session: Session, query: Select[Any], page: int, per_page: int) -> Page[Any]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, total, page, per_page)


def _booking_query() -> Select[Any]:
    return select(Booking).options(
        selectinload(Booking.lines).selectinload(BookingLine.extras),
        selectinload(Booking.lines).selectinload(BookingLine.parameters),
        selectinload(Booking.field_values),
        selectinload(Booking.customer),
        selectinload(Booking.agent),
        selectinload(Booking.service),
        selectinload(Booking.location),
    )


def _listing_query() -> Select[Any]:
    """A list of bookings as a page shows them (service, agent, office): none of the
    lines, answers or customer the API's full bookings carry."""
    return select(Booking).options(selectinload(Booking.agent), selectinload(Booking.service), selectinload(Booking.location))


SORTS = {
    "start": (Booking.start_at.asc(), Booking.id.asc()),
    "-start": (Booking.start_at.desc(), Booking.id.desc()),
    "total": (Booking.total.asc(), Booking.id.asc()),
    "-total": (Booking.total.desc(), Booking.id.desc()),
    "status": (Booking.status.asc(), Booking.start_at.desc()),
    # For incremental sync: oldest change first, ties broken by id, so a client can
    # continue from the last (updated_at, id) it saw (see updated_since / after_id).
    "updated_at": (Booking.updated_at.asc(), Booking.id.asc()),
    "-updated_at": (Booking.updated_at.desc(), Booking.id.desc()),
}


def list_bookings(session: Session, filters: dict[str, Any], *, actor: Actor, listing: bool = False) -> Page[Booking]:
    """Bookings, newest start first; customers see only their own.

    Filters: status, agent_id, service_id, customer_id, location_id, from, to (local
    dates of the default time zone, inclusive), q (booking code, customer name, e-mail
    or phone: a phone matches by its digits, however it was typed or stored),
    updated_since (an ISO 8601 instant, inclusive) with optional after_id, sort
    (start, -start, total, -total, status, updated_at, -updated_at), page, per_page.
    `listing` loads only what a list page shows (service, agent, office; see
    `_listing_query`): a page of 100 reads four tables, not ten. Raises ValidationFailed.
    """
    query, errors = filtered_bookings(session, filters, actor=actor, listing=listing)
    page, per_page = read_paging(errors, filters.get("page"), filters.get("per_page"))
    errors.raise_if_any("The filters are not valid.")
    return paginate(session, query, page, per_page)


def export_bookings(session: Session, filters: dict[str, Any], *, actor: Actor, limit: int = 20_000) -> list[Booking]:
    """Every booking the filters select (for a CSV export), up to `limit`."""
    query, errors = filtered_bookings(session, filters, actor=actor)
    errors.raise_if_any("The filters are not valid.")
    return list(session.scalars(query.limit(limit)).unique())


def _digits_of(column: Any) -> Any:
    """The column with the separators people type in phone numbers taken out (SQL, both databases)."""
    for mark in ("+", "-", " ", "(", ")", ".", "/"):
        column = func.replace(column, mark, "")
    return column


def filtered_bookings(session: Session, filters: dict[str, Any], *, actor: Actor,
                      listing: bool = False) -> tuple[Select[Any], FieldErrors]:
    errors = FieldErrors()
    sort = filters.get("sort") or "-start"
    if sort not in SORTS:
        errors.add("sort", f"Sort by one of {', '.join(SORTS)}.")
        sort = "-start"
    query = (_listing_query() if listing else _booking_query()).order_by(*SORTS[sort])
    text = (filters.get("q") or "").strip()
    if text:
        like = contains_pattern(text.lower())
        matches = [
            func.lower(Booking.booking_code).like(like, escape=LIKE_ESCAPE), func.lower(User.email).like(like, escape=LIKE_ESCAPE),
            func.lower(User.first_name + " " + User.last_name).like(like, escape=LIKE_ESCAPE),
        ]
        digits = "".join(c for c in text if c in "0123456789")
        if len(digits) >= 4:  # "555-0142", "(555) 0142" and "+1 555 0142" all find +15550142
            pattern = f"%{digits}%"
            matches += [_digits_of(User.phone).like(pattern), _digits_of(Booking.phone).like(pattern)]
        query = query.join(User, User.id == Booking.customer_id).where(or_(*matches))
    status = filters.get("status")
    if status not in (None, ""):
        if status not in [s.value for s in BookingStatus]:
            errors.add("status", "Unknown status.")
        else:
            query = query.where(Booking.status == status)
    for name, column in (("agent_id", Booking.agent_id), ("service_id", Booking.service_id), ("customer_id", Booking.customer_id),
                         ("location_id", Booking.location_id)):
        if filters.get(name) not in (None, ""):
            value = as_id(errors, name, filters[name])
            if value is not None:
                query = query.where(column == value)
    tz = zone(load_settings(session).default_timezone)
    for name in ("from", "to"):
        if filters.get(name) not in (None, ""):
            day = as_date(errors, name, filters[name])
            if day is None:
                continue
            start, end = local_day_bounds(day, tz)
            query = query.where(Booking.start_at >= start) if name == "from" else query.where(Booking.start_at < end)
    query = _changed_since(query, filters, errors)
    if actor.is_customer:
        query = query.where(Booking.customer_id == actor.id)
    return query, errors


def _changed_since(query: Select[Any], filters: dict[str, Any], errors: FieldErrors) -> Select[Any]:
    """updated_since: bookings changed at or after an instant. With after_id, those
    changed exactly at that instant count only above that id, so (updated_at, id) of
    the last booking seen is a cursor that neither repeats nor skips a booking."""
    raw, after = filters.get("updated_since"), filters.get("after_id")
    if raw in (None, ""):
        if after not in (None, ""):
            errors.add("after_id", "Give after_id together with updated_since.")
        return query
    since = read_instant(errors, "updated_since", raw)
    after_id = as_int(errors, "after_id", after, lo=0, hi=2**31 - 1) if after not in (None, "") else None
    if since is None:
        return query
    if after_id is None:
        return query.where(Booking.updated_at >= since)
    return query.where(or_(Booking.updated_at > since, and_(Booking.updated_at == since, Booking.id > after_id)))


def read_instant(errors: FieldErrors, path: str, value: object) -> datetime | None:
    """An ISO 8601 instant with an offset or Z, as UTC; a field error otherwise."""
    if isinstance(value, str) and len(value) > 19 and value[-6] == " ":
        # An unencoded "+" in a query string arrives as a space: "...T10:00:00 01:00".
        value = value[:-6] + "+" + value[-5:]
    try:
        instant = parse_instant(value)
        # Inside the range every database stores, and representable in UTC.
        if not 1900 <= instant.year <= 9998:
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        errors.add(path, "Expected an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z.")
        return None
    return instant


def get_booking(session: Session, booking_id: object, *, actor: Actor) -> Booking:
    """One booking; another customer's is reported exactly like a missing one."""
    errors = FieldErrors()
    bid = as_id(errors, "id", booking_id)
    booking = session.scalars(_booking_query().where(Booking.id == bid)).first() if bid else None
    if booking is None or (actor.is_customer and booking.customer_id != actor.id):
        raise BookingNotFound(booking_id)
    return booking


def series_of(session: Session, booking: Booking) -> list[Booking]:
    if booking.series_id is None:
        return [booking]
    return list(session.scalars(select(Booking).where(Booking.series_id == booking.series_id).order_by(Booking.start_at)))


def series_places(session: Session, bookings: list[Booking]) -> dict[int, tuple[int, int]]:
    """Where each visit of a series stands among its series' visits in time order, as
    the booking page lists them: {booking id: (place from 1, number of visits)}. Not the
    occurrence index, which counts the dates that could not be booked too (a series of
    six booked visits would read "visit 7 of 6")."""
    series_ids = {b.series_id for b in bookings if b.series_id is not None}
    if not series_ids:
        return {}
    rows = session.execute(select(Booking.id, Booking.series_id).where(Booking.series_id.in_(series_ids))
                           .order_by(Booking.series_id, Booking.start_at, Booking.id)).all()
    members: dict[int, list[int]] = {}
    for booking_id, series_id in rows:
        members.setdefault(series_id, []).append(booking_id)
    return {booking_id: (place, len(ids)) for ids in members.values() for place, booking_id in enumerate(ids, 1)}


CATALOG: dict[str, Any] = {
    "services": (Service, [selectinload(Service.locations), selectinload(Service.extras), selectinload(Service.parameters), selectinload(Service.custom_fields)], Service.position),
    "extras": (Extra, [selectinload(Extra.services)], Extra.id),
    "pricing_parameters": (PricingParameter, [selectinload(PricingParameter.services)], PricingParameter.id),
    "custom_fields": (CustomField, [selectinload(CustomField.options), selectinload(CustomField.services)], CustomField.position),
    "frequencies": (Frequency, [], Frequency.position),
    "locations": (Location, [], Location.id),
    "agents": (Agent, [selectinload(Agent.services), selectinload(Agent.locations), selectinload(Agent.working_hours)], Agent.id),
}


def _shown(query: Select[Any], model: Any, *, include_inactive: bool, public: bool) -> Select[Any]:
    """Inactive objects only when asked for; the public (no credentials) never sees the
    questions only staff answer."""
    if not include_inactive:
        query = query.where(model.active.is_(True))
    if public and model is CustomField:
        query = query.where(CustomField.visibility != FieldVisibility.STAFF)
    return query


def list_catalog(
    session: Session, kind: str, *, include_inactive: bool, page: object = 1, per_page: object = 100, public: bool = False
) -> Page[Any]:
    model, options, order = CATALOG[kind]
    errors = FieldErrors()
    number, size = read_paging(errors, page, per_page)
    errors.raise_if_any("The paging parameters are not valid.")
    query = _shown(select(model).options(*options).order_by(order, model.id), model, include_inactive=include_inactive, public=public)
    return paginate(session, query, number, size)


def get_catalog(session: Session, kind: str, object_id: object, *, include_inactive: bool, public: bool = False) -> Any:
    model, options, _ = CATALOG[kind]
    errors = FieldErrors()
    oid = as_id(errors, "id", object_id)
    query = _shown(select(model).options(*options).where(model.id == oid), model, include_inactive=True, public=public)
    found = session.scalars(query).first() if oid else None
    if found is None or (not include_inactive and not found.active):
        raise NotFound(f"{kind.rstrip('s').replace('_', ' ').capitalize()} with ID {object_id} was not found")
    return found


def agent_ids_for_service(session: Session, service_id: int) -> list[int]:
    return list(session.scalars(select(agent_services.c.agent_id).where(agent_services.c.service_id == service_id).order_by(agent_services.c.agent_id)))


