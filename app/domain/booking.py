"""Creating and changing bookings: the one path every caller (form, API, bulk, admin,
CLI) goes through.

Each public function is one transaction: take the locks (concurrency.begin_write),
re-read and re-check what the change depends on, write the booking with its history
and outbox rows, commit. Any error rolls everything back, and the database backstops
turn a clash that slipped past the application into the same domain error.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import discounts, history, notifications, pricing
from .accounts import find_or_create_customer, find_user_by_email
from .actor import Actor
from .availability import (
    DayPlan,
    Placement,
    SlotSpec,
    candidate_agents,
    parse_agent_choice,
    plan_day,
    resolve_location,
    slots_for_services,
)
from .concurrency import begin_write, is_lock_failure, lock_more, translate_integrity_error
from .errors import (
    BookingNotFound,
    Conflict,
    DiscountCodeExhausted,
    DomainError,
    EmailTaken,
    FieldErrors,
    InvalidStatusTransition,
    PastDate,
    PreconditionFailed,
    PriceChanged,
    SlotUnavailable,
    TooLate,
    ValidationFailed,
)
from .fields import CleanAnswer, clean_answers, fields_for_services
from .inputs import BookingRequest, CustomerInput, ExtraInput, FieldAnswer, HourlyInput, OptionAnswer, ParameterInput, ServiceLineInput
from .models import (
    ACTIVE_STATUSES,
    Agent,
    Booking,
    BookingExtra,
    BookingFieldValue,
    BookingLine,
    BookingParameter,
    BookingSeries,
    BookingStatus,
    DiscountCode,
    Location,
    PaymentMethod,
    Role,
    Service,
    User,
)
from .recurrence import later_dates
from .settings import load_settings
from .status import check_transition
from .timeutil import resolve_local, zone
from .validation import as_bool, as_date, as_email, as_id, as_instant, as_int, as_money, as_text, as_time

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
MAX_DURATION = 24 * 60

UNAVAILABLE = {
    "past": "That time has already passed.",
    "notice": "That time is too soon: this service needs more notice.",
    "too_far": "That date is too far ahead to book yet.",
    "no_agent": "Nobody offers this service at this location.",
    "taken": "That time is not available: the agent is busy, off or outside working hours.",
    "nonexistent": "That time does not exist that day (the clocks go forward).",
}


@dataclass
class SkippedOccurrence:
    date: date
    time: str
    reason: str


@dataclass
class BookingResult:
    booking: Booking
    occurrences: list[Booking] = field(default_factory=list)
    skipped: list[SkippedOccurrence] = field(default_factory=list)

    @property
    def bookings(self) -> list[Booking]:
        return [self.booking, *self.occurrences]


@contextmanager
def write_transaction(session: Session) -> Iterator[None]:
    """Commit on success; on any error roll back, translating backstop violations and
    lost-update detection into domain errors."""
    try:
        yield
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        error = translate_integrity_error(exc)
        if error is None:
            raise
        raise error from exc
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("Someone else changed this booking at the same moment; reload and try again.") from exc
    except OperationalError as exc:
        # A deadlock (two moves locking each other's agents) or a lock wait that timed
        # out: nothing was written, and trying again is the right answer.
        session.rollback()
        if is_lock_failure(exc):
            raise Conflict("The schedule is busy with another change right now; please try again.") from exc
        raise
    except BaseException:
        session.rollback()
        raise


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


# --- create -------------------------------------------------------------------------


@dataclass
class _Details:
    """The request values every occurrence of a series shares."""

    status: BookingStatus
    payment_method: str
    arrival_window: int
    customer_notes: str
    staff_notes: str
    address: dict[str, str]
    sms: bool
    answers: list[CleanAnswer]
    requested_agent_id: int | None
    original: Booking | None


def create_booking(session: Session, request: BookingRequest, *, actor: Actor, now: datetime) -> BookingResult:
    """Create a booking (and, for a recurring frequency, its series).

    Raises ValidationFailed, PastDate, SlotUnavailable, DiscountCodeInvalid,
    DiscountCodeExhausted, EmailTaken, PriceChanged; nothing is written then.
    """
    with write_transaction(session):
        return _create(session, request, actor, now)


def create_in_transaction(session: Session, request: BookingRequest, *, actor: Actor, now: datetime) -> BookingResult:
    """create_booking inside a transaction the caller owns and commits (bulk create)."""
    return _create(session, request, actor, now)


def _create(session: Session, request: BookingRequest, actor: Actor, now: datetime) -> BookingResult:
    # SQLite: the write lock is taken here, before anything the re-check reads.
    begin_write(session)
    errors = FieldErrors()
    staff = actor.is_staff
    lines, frequency, tip, tip_recurring = pricing.read_price_inputs(
        session, request.services, request.frequency_id, request.tip, request.tip_recurring, errors, staff=staff
    )
    agent_choice = parse_agent_choice(errors, "agent_id", request.agent_id)
    location_id = None if request.location_id in (None, "") else as_id(errors, "location_id", request.location_id)
    duration = None
    if request.duration not in (None, ""):
        if staff:
            duration = as_int(errors, "duration", request.duration, lo=5, hi=MAX_DURATION)
        else:
            errors.add("duration", "The length of a booking follows from the services chosen.")
    expected_total = None
    if request.expected_total not in (None, ""):
        expected_total = as_money(errors, "expected_total", request.expected_total)
    customer = _resolve_customer(session, request, actor, errors, now)
    original = _resolve_original(session, request.original_booking_id, customer, actor, errors)
    start = _read_start(request, errors)
    details = _read_details(request, actor, customer, original, errors)
    errors.raise_if_any("The booking could not be made; check the highlighted fields.")

    location = resolve_location(session, location_id)
    services = [line.service for line in lines]
    for i, service in enumerate(services):
        if service.locations and location.id not in {loc.id for loc in service.locations}:
            errors.add(f"services[{i}].id", f"{service.name} is not offered at {location.name}.")
    start_at = _resolve_start(start, location, errors)
    fields = fields_for_services(session, [s.id for s in services], include_staff=staff)
    details.answers = clean_answers(fields, request.custom_fields, errors, enforce_required=not staff)
    errors.raise_if_any("The booking could not be made; check the highlighted fields.")
    assert start_at is not None and customer is not None

    if start_at < now:
        raise PastDate("Bookings cannot be made in the past.", {"start_time": "That time has already passed."})
    code_text = request.discount_code if request.discount_code not in (None, "") else None
    code_id = discounts.find_code_id(session, code_text) if isinstance(code_text, str) else None

    first_quote = pricing.price_lines(lines, frequency=frequency, code=None, tip=tip, tip_recurring=tip_recurring)
    spec = SlotSpec.for_services(services, duration or first_quote.duration)
    if spec.duration > MAX_DURATION:
        raise _invalid("services", "That is more than one day of work; split it into several bookings.")
    candidates = candidate_agents(session, spec.service_ids, location.id, agent_choice)
    if agent_choice is not None and not candidates:
        raise _invalid("agent_id", "This agent does not offer the chosen services here.")
    # PostgreSQL: lock the agents and the code, ids sorted, before the re-check.
    lock_more(session, agent_ids=[a.id for a in candidates], discount_code_ids=[code_id] if code_id else [])
    code = None
    if code_text is not None:
        code = pricing.resolve_code(session, code_text, lines=lines, customer_id=customer.id, now=now)
    quote = pricing.price_lines(lines, frequency=frequency, code=code, tip=tip, tip_recurring=tip_recurring)
    if expected_total is not None and expected_total != quote.total:
        raise PriceChanged(
            f"The price is now {quote.total}, not {expected_total}. Please check it and book again.",
            {"total": str(quote.total)},
        )

    tz = zone(location.timezone)
    plan = plan_day(session, spec, location, start_at.astimezone(tz).date(), candidates)
    _check_offered(session, plan, start_at, actor)
    reason = plan.why_not(start_at, now)
    if reason is not None:
        raise SlotUnavailable(UNAVAILABLE[reason])
    preferred = details.requested_agent_id or (original.requested_agent_id if original else None)
    placement = _choose(plan.placements(start_at), preferred)
    booking = _insert(session, quote, spec, placement, start_at, location, customer, details, frequency, actor, now)
    if code is not None:
        discounts.redeem(
            session, code, booking_id=booking.id, customer_id=customer.id, amount=quote.discount + quote.gift_card, now=now
        )
    result = BookingResult(booking)
    if frequency is not None and frequency.recurs:
        _place_series(session, result, quote, spec, duration, location, customer, details, candidates, actor, now)
    if request.send_notifications:
        notifications.queue_booking_message(session, booking, "booking.created", now)
    return result


def _check_offered(session: Session, plan: DayPlan, start_at: datetime, actor: Actor) -> None:
    """Customers book the start times the form offers; staff and imports may book any
    minute that fits the agent's hours. Raises ValidationFailed on start_time."""
    if actor.is_customer and not plan.offers(start_at, load_settings(session).slot_interval_minutes):
        raise _invalid("start_time", "Pick one of the offered start times.")


def _invalid(path: str, message: str) -> DomainError:
    errors = FieldErrors()
    errors.add(path, message)
    return ValidationFailed(message, errors.errors)


def _choose(placements: list[Placement], preferred_agent_id: int | None) -> Placement:
    for placement in placements:
        if placement.agent.id == preferred_agent_id:
            return placement
    return placements[0]


def _resolve_customer(session: Session, request: BookingRequest, actor: Actor, errors: FieldErrors, now: datetime) -> User | None:
    if actor.is_customer:
        if request.customer_id not in (None, actor.id):
            errors.add("customer_id", "You can only book for yourself.")
            return None
        return session.get(User, actor.id)
    if request.customer_id not in (None, ""):
        cid = as_id(errors, "customer_id", request.customer_id)
        if cid is None:
            return None
        customer = session.get(User, cid)
        if customer is None or customer.role != Role.CUSTOMER:
            errors.add("customer_id", f"There is no customer with id {cid}.")
            return None
        return customer
    if request.customer is None:
        errors.add("customer", "Give a customer_id or the customer's first name, last name and e-mail.")
        return None
    if not isinstance(request.customer, CustomerInput):
        errors.add("customer", "Must be an object with first_name, last_name, email and phone.")
        return None
    return find_or_create_customer(session, request.customer, errors, "customer", now=now)


def _resolve_original(session: Session, value: Any, customer: User | None, actor: Actor, errors: FieldErrors) -> Booking | None:
    """Book this again: the original must be the customer's own booking. Another's id
    gets the same answer as an unknown one, so nothing is revealed."""
    if value in (None, ""):
        return None
    oid = as_id(errors, "original_booking_id", value)
    if oid is None:
        return None
    original = session.get(Booking, oid)
    if original is None or customer is None or original.customer_id != customer.id:
        errors.add("original_booking_id", "This is not one of your bookings.")
        return None
    return original


def _read_start(request: BookingRequest, errors: FieldErrors) -> datetime | tuple[date, Any] | None:
    if request.start_at not in (None, ""):
        return as_instant(errors, "start_at", request.start_at)
    day = as_date(errors, "start_date", request.start_date)
    at = as_time(errors, "start_time", request.start_time)
    if day is None or at is None:
        return None
    return (day, at)


def _resolve_start(start: datetime | tuple[date, Any] | None, location: Location, errors: FieldErrors) -> datetime | None:
    if start is None or isinstance(start, datetime):
        return start
    day, at = start
    instant = resolve_local(day, at, zone(location.timezone))
    if instant is None:
        errors.add("start_time", UNAVAILABLE["nonexistent"])
    return instant


def _read_details(request: BookingRequest, actor: Actor, customer: User | None, original: Booking | None, errors: FieldErrors) -> _Details:
    staff = actor.is_staff
    status = BookingStatus.APPROVED if staff else BookingStatus.PENDING
    if request.status not in (None, ""):
        allowed = (BookingStatus.PENDING, BookingStatus.APPROVED) if staff else (BookingStatus.PENDING,)
        if request.status not in [s.value for s in allowed]:
            errors.add("status", f"A new booking can be {' or '.join(s.value for s in allowed)}.")
        else:
            status = BookingStatus(request.status)
    payment = request.payment_method or PaymentMethod.CASH
    if payment not in [p.value for p in PaymentMethod]:
        errors.add("payment_method", "Choose cash or check.")
    elif payment in (PaymentMethod.STRIPE, PaymentMethod.PAYPAL):
        errors.add("payment_method", "Card payments are not set up for this business; choose cash or check.")
    arrival = as_int(errors, "arrival_window", request.arrival_window or 0, lo=0, hi=1440)
    notes = as_text(errors, "customer_notes", request.customer_notes)
    staff_notes = ""
    if request.staff_notes not in (None, ""):
        if staff:
            staff_notes = as_text(errors, "staff_notes", request.staff_notes) or ""
        else:
            errors.add("staff_notes", "Only staff can write staff notes.")
    profile = customer
    address = {}
    for name, limit in (("address", 255), ("city", 100), ("state", 40), ("zip", 20), ("phone", 40)):
        given = getattr(request, name)
        if given is None:
            address[name] = getattr(profile, name, "") if profile is not None else ""
        else:
            address[name] = as_text(errors, name, given, max_length=limit, single_line=True) or ""
    sms = as_bool(errors, "sms_notifications", request.sms_notifications, default=bool(profile and profile.sms_notifications))
    requested = None
    if request.agent_id not in (None, "", "any", -1, "-1"):
        requested = as_id(errors, "agent_id", request.agent_id)
    if original is not None:
        # Book this again copies what only staff can set on the original booking.
        staff_notes = staff_notes or original.staff_notes
        requested = requested or original.requested_agent_id
    return _Details(
        status=status,
        payment_method=str(payment),
        arrival_window=arrival or 0,
        customer_notes=notes or "",
        staff_notes=staff_notes,
        address=address,
        sms=bool(sms),
        answers=[],
        requested_agent_id=requested,
        original=original,
    )


def _insert(
    session: Session,
    quote: pricing.Quote,
    spec: SlotSpec,
    placement: Placement,
    start_at: datetime,
    location: Location,
    customer: User,
    details: _Details,
    frequency: Any,
    actor: Actor,
    now: datetime,
    *,
    series_id: int | None = None,
    occurrence_index: int = 0,
) -> Booking:
    occupied_start, occupied_end = spec.occupied(start_at)
    booking = Booking(
        booking_code=new_booking_code(),
        status=details.status,
        customer_id=customer.id,
        agent_id=placement.agent.id,
        location_id=location.id,
        service_id=quote.lines[0].service.id,
        frequency_id=frequency.id if frequency is not None else None,
        series_id=series_id,
        occurrence_index=occurrence_index,
        original_booking_id=details.original.id if details.original else None,
        requested_agent_id=details.requested_agent_id,
        start_at=start_at,
        end_at=start_at + timedelta(minutes=spec.duration),
        occupied_start=occupied_start,
        occupied_end=occupied_end,
        duration_minutes=spec.duration,
        arrival_window=details.arrival_window,
        slot_key=spec.slot_key(start_at),
        seat=placement.seat,
        slot_capacity=spec.capacity,
        subtotal=quote.subtotal,
        frequency_discount=quote.frequency_discount,
        discount=quote.discount,
        gift_card=quote.gift_card,
        tip=quote.tip,
        total=quote.total,
        discount_code_id=quote.code.id if quote.code is not None else None,
        payment_method=details.payment_method,
        customer_notes=details.customer_notes,
        staff_notes=details.staff_notes,
        sms_notifications=details.sms,
        created_at=now,
        updated_at=now,
        **details.address,
    )
    for position, line in enumerate(quote.lines):
        booking.lines.append(
            BookingLine(
                position=position,
                service_id=line.service.id,
                name=line.service.name,
                pricing_mode=line.service.pricing_mode,
                unit_price=line.service.price,
                workers=line.workers,
                minutes=line.minutes,
                amount=line.amount,
                duration_minutes=line.duration,
                extras=[
                    BookingExtra(
                        extra_id=e.extra.id,
                        name=e.extra.name,
                        unit_price=e.extra.price,
                        quantity=e.quantity,
                        minutes=e.minutes,
                        amount=e.amount,
                        recurring=e.recurring,
                    )
                    for e in line.extras
                ],
                parameters=[
                    BookingParameter(
                        parameter_id=p.parameter.id,
                        name=p.parameter.name,
                        unit_price=p.parameter.price,
                        quantity=p.quantity,
                        minutes=p.minutes,
                        amount=p.amount,
                    )
                    for p in line.parameters
                ],
            )
        )
    answered = set()
    for answer in details.answers:
        answered.add(answer.field.id)
        booking.field_values.append(_field_value(answer.field, answer.value, answer.options))
    if details.original is not None:
        for value in details.original.field_values:
            if value.staff_only and value.field_id not in answered:
                booking.field_values.append(
                    BookingFieldValue(
                        field_id=value.field_id, label=value.label, field_type=value.field_type,
                        staff_only=True, value=value.value, options=value.options,
                    )
                )
    session.add(booking)
    session.flush()
    history.record(
        session,
        booking,
        actor=actor,
        now=now,
        action="created",
        changes={
            "status": (None, booking.status),
            "agent_id": (None, booking.agent_id),
            "start_at": (None, booking.start_at),
            "total": (None, booking.total),
        },
    )
    return booking


def _field_value(field: Any, value: str | None, options: list[dict[str, Any]] | None) -> BookingFieldValue:
    return BookingFieldValue(
        field_id=field.id, label=field.label, field_type=field.field_type, staff_only=field.staff_only, value=value, options=options
    )


def _place_series(
    session: Session,
    result: BookingResult,
    quote: pricing.Quote,
    first_spec: SlotSpec,
    duration_override: int | None,
    location: Location,
    customer: User,
    details: _Details,
    candidates: list[Any],
    actor: Actor,
    now: datetime,
) -> None:
    """Book each later occurrence that can be placed; report the others."""
    first = result.booking
    series = BookingSeries(frequency_id=first.frequency_id, customer_id=customer.id, created_at=now)
    session.add(series)
    session.flush()
    first.series_id = series.id
    repeat = pricing.repeat_quote(quote)
    spec = SlotSpec.for_services([ln.service for ln in repeat.lines], duration_override or repeat.duration)
    tz = zone(location.timezone)
    local_first = first.start_at.astimezone(tz)
    horizon = load_settings(session).horizon_weeks
    for index, day in enumerate(later_dates(local_first.date(), quote.frequency, horizon), start=1):  # type: ignore[arg-type]
        wall = local_first.time().strftime("%H:%M")
        start_at = resolve_local(day, local_first.time(), tz)
        if start_at is None:
            result.skipped.append(SkippedOccurrence(day, wall, UNAVAILABLE["nonexistent"]))
            continue
        plan: DayPlan = plan_day(session, spec, location, day, candidates)
        reason = plan.why_not(start_at, now)
        if reason is not None:
            result.skipped.append(SkippedOccurrence(day, wall, UNAVAILABLE[reason]))
            continue
        # Keep the same agent across the series when they are free.
        placement = _choose(plan.placements(start_at), first.agent_id)
        occurrence = _insert(
            session, repeat, spec, placement, start_at, location, customer, details, quote.frequency, actor, now,
            series_id=series.id, occurrence_index=index,
        )
        result.occurrences.append(occurrence)


# --- change -------------------------------------------------------------------------


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass
class BookingChanges:
    """A partial update; fields left UNSET are not touched."""

    service_id: Any = UNSET
    agent_id: Any = UNSET
    location_id: Any = UNSET
    start_at: Any = UNSET
    start_date: Any = UNSET
    start_time: Any = UNSET
    duration: Any = UNSET
    status: Any = UNSET
    customer_id: Any = UNSET
    customer: dict[str, Any] | Any = UNSET  # first_name, last_name, email, phone
    price: Any = UNSET
    notes: Any = UNSET
    staff_notes: Any = UNSET
    reason: Any = ""
    # A reschedule (a move by hand) is for bookings that hold their slot; a general
    # update may still correct the time of a finished booking's record.
    require_active: bool = False


def update_booking(
    session: Session,
    booking_id: object,
    changes: BookingChanges,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
    notify: bool = True,
) -> Booking:
    """Apply a partial change to one booking.

    Moving it (date, time, duration, service, agent, location) re-checks availability
    ignoring its own slot; status changes follow the transition table. Raises
    BookingNotFound, PreconditionFailed, ValidationFailed, InvalidStatusTransition,
    PastDate, SlotUnavailable, EmailTaken, TooLate, Forbidden, DiscountCodeExhausted.
    Writing what the booking already has is a no-op.
    """
    with write_transaction(session):
        begin_write(session)
        booking = _load_for_change(
            session, booking_id, actor, now, expected_version, also_lock=_agents_a_change_may_need(session, changes)
        )
        return _apply(session, booking, changes, actor, now, notify)


def _agents_a_change_may_need(session: Session, changes: BookingChanges) -> list[int]:
    """Agents a move could land on, locked together with the booking's own agent (ids
    sorted, one statement) so two moves between the same agents cannot deadlock."""
    if changes.agent_id is UNSET:
        return []
    chosen = parse_agent_choice(FieldErrors(), "agent_id", changes.agent_id)
    if chosen is not None:
        return [chosen]
    return list(session.scalars(select(Agent.id).where(Agent.active.is_(True))))


def change_status(
    session: Session, booking_id: object, status: str, *, actor: Actor, now: datetime,
    expected_version: int | None = None, reason: str = "", notify: bool = True,
) -> Booking:
    """Move a booking to another status (see status.TRANSITIONS)."""
    return update_booking(
        session, booking_id, BookingChanges(status=status, reason=reason),
        actor=actor, now=now, expected_version=expected_version, notify=notify,
    )


def reschedule_booking(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, start_at: Any = UNSET,
    start_date: Any = UNSET, start_time: Any = UNSET, agent_id: Any = UNSET, duration: Any = UNSET,
    expected_version: int | None = None, notify: bool = True,
) -> Booking:
    """Move a booking to another time and/or agent."""
    changes = BookingChanges(start_at=start_at, start_date=start_date, start_time=start_time, agent_id=agent_id, duration=duration,
                             require_active=True)
    return update_booking(session, booking_id, changes, actor=actor, now=now, expected_version=expected_version, notify=notify)


def cancel_booking(
    session: Session, booking_id: object, *, actor: Actor, now: datetime, scope: str = "this",
    reason: str = "", expected_version: int | None = None, notify: bool = True,
) -> list[Booking]:
    """Cancel a booking, or it and the later occurrences of its series
    (scope="this_and_future"). Gives back slots and discount uses."""
    if scope not in ("this", "this_and_future"):
        raise _invalid("scope", 'Must be "this" or "this_and_future".')
    with write_transaction(session):
        begin_write(session)
        booking = _load_for_change(session, booking_id, actor, now, expected_version)
        targets = [booking]
        if scope == "this_and_future" and booking.series_id is not None:
            targets += list(
                session.scalars(
                    select(Booking)
                    .where(
                        Booking.series_id == booking.series_id,
                        Booking.occurrence_index > booking.occurrence_index,
                        Booking.status.in_(ACTIVE_STATUSES),
                    )
                    .order_by(Booking.start_at)
                )
            )
        for target in targets:
            if target.status != BookingStatus.CANCELLED:
                _apply(session, target, BookingChanges(status=BookingStatus.CANCELLED, reason=reason), actor, now, notify)
        return targets


def _load_for_change(
    session: Session, booking_id: object, actor: Actor, now: datetime, expected_version: int | None, also_lock: list[int] | None = None
) -> Booking:
    errors = FieldErrors()
    bid = as_id(errors, "id", booking_id)
    if bid is None:
        raise BookingNotFound(booking_id)
    booking = session.scalars(
        select(Booking).where(Booking.id == bid).execution_options(populate_existing=True)
    ).first()
    if booking is None or (actor.is_customer and booking.customer_id != actor.id):
        raise BookingNotFound(bid)
    # PostgreSQL: serialise with other writers of this agent, then re-read.
    lock_more(session, agent_ids=[booking.agent_id, *(also_lock or [])])
    session.refresh(booking)
    if expected_version is not None and expected_version != booking.version:
        raise PreconditionFailed(
            f"The booking has changed since version {expected_version} (it is now at {booking.version}); reload it.",
            {"version": booking.version},
        )
    if actor.is_customer:
        refusal = customer_change_refusal(session, booking, now)
        if refusal is not None:
            raise refusal
    return booking


def customer_change_refusal(session: Session, booking: Booking, now: datetime) -> DomainError | None:
    """Why the customer may not change or cancel this booking online now (the error
    the change would raise), or None if they may."""
    if booking.status not in ACTIVE_STATUSES:
        return InvalidStatusTransition(f"This booking is {booking.status.replace('_', ' ')}; it cannot be changed online.")
    hours = load_settings(session).cancellation_cutoff_hours
    if booking.start_at - now < timedelta(hours=hours):
        return TooLate(
            f"Bookings can be changed or cancelled online until {hours} hours before the start. Please call us to change this one."
        )
    return None


def _apply(session: Session, booking: Booking, changes: BookingChanges, actor: Actor, now: datetime, notify: bool) -> Booking:
    if changes.require_active and booking.status not in ACTIVE_STATUSES:
        raise InvalidStatusTransition(
            f"This booking is {booking.status.replace('_', ' ')}; only pending and approved bookings can be moved."
        )
    errors = FieldErrors()
    staff = actor.is_staff
    if actor.is_customer:
        for name in ("service_id", "location_id", "duration", "customer_id", "customer", "price", "staff_notes", "agent_id"):
            if getattr(changes, name) is not UNSET:
                errors.add(name, "Only staff can change this.")
        if changes.status is not UNSET and changes.status != BookingStatus.CANCELLED:
            errors.add("status", "You can cancel a booking; other changes are made by staff.")
    errors.raise_if_any("This change is not allowed.")
    values: dict[str, Any] = {}

    # Status
    target_status = BookingStatus(booking.status)
    if changes.status is not UNSET and changes.status != booking.status:
        target_status = check_transition(booking.status, changes.status, actor)

    # Where and when
    service = booking.service
    if changes.service_id is not UNSET:
        sid = as_id(errors, "service_id", changes.service_id)
        if sid is not None and sid != booking.service_id:
            new_service = session.get(Service, sid)
            if new_service is None or not new_service.active:
                errors.add("service_id", f"There is no service with id {sid}.")
            else:
                service = new_service
    location = booking.location
    if changes.location_id is not UNSET:
        lid = as_id(errors, "location_id", changes.location_id)
        if lid is not None and lid != booking.location_id:
            location = session.get(Location, lid)
            if location is None or not location.active:
                errors.add("location_id", f"There is no location with id {lid}.")
                location = booking.location
    agent_id = booking.agent_id
    if changes.agent_id is not UNSET:
        chosen = parse_agent_choice(errors, "agent_id", changes.agent_id)
        agent_id = chosen if chosen is not None else -1
    duration = booking.duration_minutes
    if changes.duration is not UNSET:
        duration = as_int(errors, "duration", changes.duration, lo=5, hi=MAX_DURATION) or duration
    start_at = booking.start_at
    tz = zone(location.timezone)
    if changes.start_at is not UNSET:
        start_at = as_instant(errors, "start_at", changes.start_at) or start_at
    elif changes.start_date is not UNSET or changes.start_time is not UNSET:
        local = booking.start_at.astimezone(tz)
        day, at = local.date(), local.time().replace(tzinfo=None)
        if changes.start_date is not UNSET:
            day = as_date(errors, "start_date", changes.start_date) or day
        if changes.start_time is not UNSET:
            at = as_time(errors, "start_time", changes.start_time) or at
        if not errors:
            resolved = resolve_local(day, at, tz)
            if resolved is None:
                errors.add("start_time", UNAVAILABLE["nonexistent"])
            else:
                start_at = resolved
    errors.raise_if_any("The booking could not be changed; check the highlighted fields.")

    moved = (
        start_at != booking.start_at
        or duration != booking.duration_minutes
        or service.id != booking.service_id
        or agent_id != booking.agent_id
        or location.id != booking.location_id
    )
    if moved and start_at != booking.start_at and start_at < now:
        raise PastDate("A booking cannot be moved into the past.", {"start_time": "That time has already passed."})
    reactivating = booking.status not in ACTIVE_STATUSES and target_status in ACTIVE_STATUSES
    if target_status in ACTIVE_STATUSES and (moved or reactivating):
        spec = _spec_after_change(booking, service, duration)
        if spec is None:
            raise _invalid("service_id", "The agent cannot do this booking's services.")
        candidates = candidate_agents(session, spec.service_ids, location.id, None if agent_id == -1 else agent_id)
        if agent_id != -1 and not candidates:
            raise SlotUnavailable("This agent does not offer this service at this location.")
        lock_more(session, agent_ids=[a.id for a in candidates])
        plan = plan_day(session, spec, location, start_at.astimezone(tz).date(), candidates, exclude_booking_ids=(booking.id,))
        # A move must respect notice and the horizon; bringing back a cancelled booking
        # at its old time only needs the agent to be free.
        if moved:
            _check_offered(session, plan, start_at, actor)
        reason = plan.why_not(start_at, now) if moved else (None if plan.placements(start_at) else "taken")
        if reason == "past":
            raise PastDate("A booking cannot be moved into the past.", {"start_time": "That time has already passed."})
        if reason is not None:
            raise SlotUnavailable(UNAVAILABLE[reason])
        placement = _choose(plan.placements(start_at), booking.agent_id)
        occupied_start, occupied_end = spec.occupied(start_at)
        values |= {
            "agent_id": placement.agent.id,
            "location_id": location.id,
            "service_id": service.id,
            "start_at": start_at,
            "end_at": start_at + timedelta(minutes=spec.duration),
            "occupied_start": occupied_start,
            "occupied_end": occupied_end,
            "duration_minutes": spec.duration,
            "slot_key": spec.slot_key(start_at),
            "seat": placement.seat,
            "slot_capacity": spec.capacity,
        }
    elif moved:
        values |= {"agent_id": booking.agent_id if agent_id == -1 else agent_id, "location_id": location.id,
                   "service_id": service.id, "start_at": start_at, "duration_minutes": duration,
                   "end_at": start_at + timedelta(minutes=duration),
                   "occupied_start": start_at - (booking.start_at - booking.occupied_start),
                   "occupied_end": start_at + timedelta(minutes=duration) + (booking.occupied_end - booking.end_at)}

    # Customer, price and notes
    if changes.customer_id is not UNSET:
        cid = as_id(errors, "customer_id", changes.customer_id)
        customer = session.get(User, cid) if cid is not None else None
        if cid is not None and (customer is None or customer.role != Role.CUSTOMER):
            errors.add("customer_id", f"There is no customer with id {cid}.")
        elif customer is not None:
            values["customer_id"] = customer.id
    customer_changes = _customer_changes(session, booking, changes, values.get("customer_id", booking.customer_id), errors)
    if changes.price is not UNSET:
        price = as_money(errors, "price", changes.price, hi="10000000")
        if price is not None and price != booking.total:
            values |= {"total": price, "price_overridden": True}
    if changes.notes is not UNSET:
        notes = as_text(errors, "notes", changes.notes)
        if notes is not None:
            values["customer_notes"] = notes
    if changes.staff_notes is not UNSET:
        staff_notes = as_text(errors, "staff_notes", changes.staff_notes)
        if staff_notes is not None:
            values["staff_notes"] = staff_notes
    reason_text = as_text(errors, "reason", changes.reason, max_length=255) or ""
    errors.raise_if_any("The booking could not be changed; check the highlighted fields.")

    if service.id != booking.service_id:
        _replace_service_line(booking, service, values)

    # Discount uses follow the booking in and out of the active statuses.
    if target_status != booking.status:
        values["status"] = target_status
        if target_status == BookingStatus.CANCELLED:
            values |= {"cancelled_at": now, "cancellation_reason": reason_text}
            discounts.release(session, booking.id, now)
        elif booking.status == BookingStatus.CANCELLED and booking.discount_code_id is not None:
            _redeem_again(session, booking, now)

    before_start = booking.start_at
    before_status = booking.status
    changed = history.diff(booking, values)
    changed |= customer_changes
    if not changed:
        return booking
    booking.updated_at = now
    action = "status" if "status" in changed else "moved" if "start_at" in changed or "agent_id" in changed else "updated"
    history.record(session, booking, actor=actor, now=now, action=action, changes=changed)
    session.flush()
    if notify:
        topic = None
        if booking.status != before_status:
            topic = {
                BookingStatus.CANCELLED: "booking.cancelled",
                BookingStatus.APPROVED: "booking.confirmed",
            }.get(BookingStatus(booking.status))
        elif booking.start_at != before_start:
            topic = "booking.rescheduled"
        elif staff:
            topic = "booking.updated"
        if topic is not None:
            notifications.queue_booking_message(session, booking, topic, now)
    return booking


def _spec_after_change(booking: Booking, service: Any, duration: int) -> SlotSpec | None:
    if service.id == booking.service_id:
        services = [line_service for line_service in _line_services(booking)] or [service]
    else:
        services = [service]
    return SlotSpec.for_services(services, duration)


def _line_services(booking: Booking) -> list[Any]:
    session = Session.object_session(booking)
    assert session is not None
    return [session.get(Service, line.service_id) for line in booking.lines]


def _replace_service_line(booking: Booking, service: Any, values: dict[str, Any]) -> None:
    """Swap the booking's services for one line of another service, re-priced from the
    catalog; the stored discounts and tip stay as they were."""
    old = booking.lines[0] if booking.lines else None
    workers = old.workers if old is not None and service.is_hourly and old.pricing_mode == "hourly" else 1
    minutes = old.minutes if old is not None and service.is_hourly and old.pricing_mode == "hourly" else service.duration_minutes
    line = pricing.PricedLine(service=service, workers=workers, minutes=minutes)
    booking.lines.clear()
    booking.lines.append(
        BookingLine(position=0, service_id=service.id, name=service.name, pricing_mode=service.pricing_mode,
                    unit_price=service.price, workers=workers, minutes=minutes, amount=line.amount,
                    duration_minutes=line.duration)
    )
    subtotal = line.total
    percent = booking.frequency_discount / booking.subtotal if booking.subtotal else Decimal(0)
    frequency_discount = pricing.cents(subtotal * percent)
    values |= {"subtotal": subtotal, "frequency_discount": frequency_discount}
    if "total" not in values:
        values["total"] = max(subtotal - frequency_discount - booking.discount - booking.gift_card, pricing.ZERO) + booking.tip


def _redeem_again(session: Session, booking: Booking, now: datetime) -> None:
    lock_more(session, discount_code_ids=[booking.discount_code_id])  # type: ignore[list-item]
    code = session.get(DiscountCode, booking.discount_code_id, populate_existing=True)
    assert code is not None
    service_ids = [line.service_id for line in booking.lines]
    discounts.check_usable(session, code, service_ids=service_ids, customer_id=booking.customer_id, now=now)
    amount = booking.discount + booking.gift_card
    if code.kind == "giftcard" and (code.balance or 0) < amount:
        raise DiscountCodeExhausted(f"The gift card {code.code} no longer has {amount} to cover this booking.")
    discounts.redeem(session, code, booking_id=booking.id, customer_id=booking.customer_id, amount=amount, now=now)


def _customer_changes(session: Session, booking: Booking, changes: BookingChanges, customer_id: int, errors: FieldErrors) -> dict[str, tuple[Any, Any]]:
    if changes.customer is UNSET:
        return {}
    if not isinstance(changes.customer, dict):
        errors.add("customer", "Must be an object.")
        return {}
    customer = session.get(User, customer_id)
    assert customer is not None
    result: dict[str, tuple[Any, Any]] = {}
    for name, value in changes.customer.items():
        path = f"customer.{name}"
        if name not in ("first_name", "last_name", "email", "phone"):
            errors.add(path, "Unknown field.")
            continue
        if name == "email":
            clean = as_email(errors, path, value)
            if clean:
                other = find_user_by_email(session, clean)
                if other is not None and other.id != customer.id:
                    raise EmailTaken("That e-mail address belongs to another customer.", {path: "Already in use."})
        else:
            clean = as_text(errors, path, value, max_length=100, required=name != "phone", single_line=True)
        if clean is not None and clean != getattr(customer, name):
            result[path] = (getattr(customer, name), clean)
            setattr(customer, name, clean)
    return result


# --- book this again ------------------------------------------------------------------


def book_again_request(session: Session, booking_id: object, *, actor: Actor) -> BookingRequest:
    """A booking request pre-filled from one of the customer's own bookings (services,
    extras, quantities, address, answers, agent preference), with no date yet.

    Raises BookingNotFound for an unknown booking or one that is not the caller's.
    """
    errors = FieldErrors()
    bid = as_id(errors, "id", booking_id)
    booking = session.get(Booking, bid) if bid is not None else None
    if booking is None or (actor.is_customer and booking.customer_id != actor.id):
        raise BookingNotFound(booking_id)
    lines = [
        ServiceLineInput(
            id=line.service_id,
            hourly=HourlyInput(line.workers, line.minutes) if line.pricing_mode == "hourly" else None,
            extras=[ExtraInput(e.extra_id, e.quantity) for e in line.extras],
            pricing_parameters=[ParameterInput(p.parameter_id, p.quantity) for p in line.parameters],
        )
        for line in booking.lines
    ]
    answers = [
        FieldAnswer(
            id=v.field_id,
            value=v.value if v.options is None else None,
            values=[OptionAnswer(o["id"], o.get("other")) for o in v.options] if v.options is not None else None,
        )
        for v in booking.field_values
        if not v.staff_only or actor.is_staff
    ]
    return BookingRequest(
        services=lines,
        agent_id=booking.requested_agent_id or "any",
        location_id=booking.location_id,
        customer_id=booking.customer_id,
        frequency_id=booking.frequency_id,
        payment_method=booking.payment_method,
        arrival_window=booking.arrival_window,
        customer_notes=booking.customer_notes,
        address=booking.address,
        city=booking.city,
        state=booking.state,
        zip=booking.zip,
        phone=booking.phone,
        sms_notifications=booking.sms_notifications,
        custom_fields=answers,
        original_booking_id=booking.id,
    )


def move_choices(session: Session, booking: Booking, *, day: date, agent_id: int | None, now: datetime) -> tuple[list[Agent], list[Any]]:
    """For moving a booking by hand: the agents who can do all its services here (its own
    agent included) and the free start times on `day` for the chosen one, the booking's
    own slot counted as free. Uses the same plan as the move itself re-checks."""
    services = _line_services(booking)
    agents = candidate_agents(session, tuple(sorted({s.id for s in services})), booking.location_id, None)
    if booking.agent not in agents:
        agents.append(booking.agent)
    slots = slots_for_services(session, services=services, duration=booking.duration_minutes, day=day, now=now,
                               agent_id=agent_id or booking.agent_id, location=booking.location, exclude_booking_id=booking.id)
    return agents, slots
