"""Creating a booking (and, for a recurring frequency, its series): read and check the
request, lock the candidate agents and the discount code, re-check the slot, write the
booking with its lines, answers, history and outbox rows."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from .. import discounts, history, notifications, pricing, webhooks
from ..accounts import CARD_NEEDS_EMAIL, find_or_create_customer, find_user_by_email
from ..actor import Actor
from ..availability import (
    DayPlan,
    Placement,
    SlotSpec,
    candidate_agents,
    parse_agent_choice,
    plan_day,
    resolve_location,
)
from ..concurrency import begin_write, lock_more
from ..errors import FieldErrors, PastDate, PriceChanged, SlotUnavailable
from ..fields import CleanAnswer, clean_answers, fields_for_services
from ..inputs import BookingRequest
from ..models import (
    Booking,
    BookingExtra,
    BookingFieldValue,
    BookingLine,
    BookingParameter,
    BookingSeries,
    BookingStatus,
    Location,
    PaymentMethod,
    Role,
    Service,
    User,
)
from ..phones import as_phone, region_for
from ..recurrence import later_dates
from ..settings import load_settings
from ..timeutil import resolve_local, zone
from ..validation import as_id
from .common import (
    MAX_DURATION, UNAVAILABLE, BookingResult, SkippedOccurrence, check_offered, choose, invalid, missing_address, new_booking_code,
    place_or_refuse, staff_refusal, waived_rule,
    write_transaction,
)



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
    errors.errors.update(request.problems)  # the values that did not parse, read where the request was built
    staff = actor.is_staff
    lines, frequency, tip, tip_recurring = pricing.read_price_inputs(
        session, request.services, request.frequency_id, request.tip, request.tip_recurring, errors, staff=staff
    )
    agent_choice = request.agent_id
    location_id = request.location_id
    duration = request.duration
    if duration is not None and not staff:
        errors.add("duration", "The length of a booking follows from the services chosen.")
    expected_total = request.expected_total
    customer, customer_matched = _resolve_customer(session, request, actor, errors, now)
    original = _resolve_original(session, request.original_booking_id, customer, actor, errors)
    start = _read_start(request)
    details = _read_details(request, actor, customer, original, errors, region_for(session, location_id))
    errors.raise_if_any("The booking could not be made; check the highlighted fields.")

    location = _chosen_location(session, location_id)
    services = [line.service for line in lines]
    for i, service in enumerate(services):
        if service.locations and location.id not in {loc.id for loc in service.locations}:
            errors.add(f"services[{i}].id", f"{service.name} is not offered at {location.name}.")
    _place_of_visit(services, details, errors, required=not staff)
    start_at = _resolve_start(start, location, errors)
    fields = fields_for_services(session, [s.id for s in services], include_staff=staff)
    details.answers = clean_answers(fields, request.custom_fields, errors, enforce_required=not staff)
    errors.raise_if_any("The booking could not be made; check the highlighted fields.")
    assert start_at is not None and customer is not None

    if start_at < now:
        raise PastDate("Bookings cannot be made in the past.", {"start_time": "That time has already passed."})
    code_text = request.discount_code
    code_id = discounts.find_code_id(session, code_text) if code_text is not None else None

    first_quote = pricing.price_lines(lines, frequency=frequency, code=None, tip=tip, tip_recurring=tip_recurring)
    spec = SlotSpec.for_services(services, duration or first_quote.duration, staff=staff)
    if spec.duration > MAX_DURATION:
        raise invalid("services", "That is more than one day of work; split it into several bookings.")
    candidates = candidate_agents(session, spec.service_ids, location.id, agent_choice)
    if agent_choice is not None and not candidates:
        raise invalid("agent_id", "This agent does not offer the chosen services here.")
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
    check_offered(session, plan, start_at, actor)
    reason = plan.why_not(start_at, now)
    if reason not in (None, "taken"):
        raise SlotUnavailable(UNAVAILABLE[reason])
    preferred = details.requested_agent_id or (original.requested_agent_id if original else None)
    placement, set_aside = place_or_refuse(session, plan, start_at, actor, preferred, override_hours=request.override_hours)
    booking = _insert(session, quote, spec, placement, start_at, location, customer, details, frequency, actor, now)
    if details.sms and actor.is_customer and not customer.sms_notifications:
        # The customer ticked "text me" on their own booking: their account's consent follows
        # (texts need both); they can turn it off on the message preferences page or by STOP.
        customer.sms_notifications = True
    if (waived := waived_rule(services, spec.duration, tz, start_at, now, actor)) is not None:
        history.record(session, booking, actor=actor, now=now, action="override", changes={"override": (None, f"Booked {waived}")})
    if set_aside is not None:
        history.record(session, booking, actor=actor, now=now, action="override", changes={"override": (None, f"Booked {set_aside}")})
    if code is not None:
        discounts.redeem(
            session, code, booking_id=booking.id, customer_id=customer.id, amount=quote.discount + quote.gift_card, now=now
        )
    result = BookingResult(booking, customer_matched=customer_matched)
    if frequency is not None and frequency.recurs:
        _place_series(session, result, quote, spec, duration, location, customer, details, candidates, actor, now)
    if request.send_notifications:
        notifications.queue_booking_message(session, booking, "booking.created", now)
    # After the series is placed, so each booking is announced as it was written.
    for created in result.bookings:
        webhooks.booking_event(session, created, "booking.created", now)
    return result




def _resolve_customer(session: Session, request: BookingRequest, actor: Actor, errors: FieldErrors, now: datetime) -> tuple[User | None, bool]:
    """The booking's customer, and whether a new customer's e-mail matched an existing
    one (who is then booked for, as LatePoint does; the submitted names are not applied)."""
    if actor.is_customer:
        if request.customer_id not in (None, actor.id):
            errors.add("customer_id", "You can only book for yourself.")
            return None, False
        return session.get(User, actor.id), False
    if request.customer_id is not None:
        cid = request.customer_id
        customer = session.get(User, cid)
        if customer is None or customer.role != Role.CUSTOMER:
            errors.add("customer_id", f"There is no customer with id {cid}.")
            return None, False
        return customer, False
    if "customer_id" in request.problems:
        return None, False
    if request.customer is None:
        errors.add("customer", "Give a customer_id or the customer's first name, last name and e-mail (or phone).")
        return None, False
    email = request.customer.email
    known = find_user_by_email(session, email) if isinstance(email, str) and email.strip() else None
    customer = find_or_create_customer(session, request.customer, errors, "customer", now=now, phone_only=actor.is_staff)
    return customer, customer is not None and known is not None and customer.id == known.id


def _resolve_original(session: Session, oid: int | None, customer: User | None, actor: Actor, errors: FieldErrors) -> Booking | None:
    """Book this again: the original must be the customer's own booking. Another's id
    gets the same answer as an unknown one, so nothing is revealed."""
    if oid is None:
        return None
    original = session.get(Booking, oid)
    if original is None or customer is None or original.customer_id != customer.id:
        errors.add("original_booking_id", "This is not one of your bookings.")
        return None
    return original


def _read_start(request: BookingRequest) -> datetime | tuple[date, time] | None:
    if request.start_at is not None:
        return request.start_at
    if request.start_date is None or request.start_time is None:
        return None
    return (request.start_date, request.start_time)


def _chosen_location(session: Session, location_id: int | None) -> Location:
    """The location asked for, or the default one. An unknown or inactive id is a field
    error (422) like any other id in the request; no location at all is NotFound."""
    if location_id is None:
        return resolve_location(session, None)
    location = session.get(Location, location_id)
    if location is None or not location.active:
        raise invalid("location_id", f"There is no location with id {location_id}.")
    return location


def _place_of_visit(services: list[Service], details: _Details, errors: FieldErrors, *, required: bool) -> None:
    """A service done at the customer's place needs the street address when the customer
    books (staff taking a call may fill it in later: until then the booking says so
    instead of showing the office); a booking only of office services (a workshop) takes
    none: the visit is at the location, and an address given is dropped."""
    if not any(s.at_customer for s in services):
        details.address.update(address="", city="", state="", zip="")
    elif required and (problem := missing_address(services, details.address.get("address"))) is not None:
        errors.add("address", problem)


def _resolve_start(start: datetime | tuple[date, time] | None, location: Location, errors: FieldErrors) -> datetime | None:
    if start is None or isinstance(start, datetime):
        return start
    day, at = start
    instant = resolve_local(day, at, zone(location.timezone))
    if instant is None:
        errors.add("start_time", UNAVAILABLE["nonexistent"])
    return instant


def _read_details(request: BookingRequest, actor: Actor, customer: User | None, original: Booking | None, errors: FieldErrors,
                  region: str) -> _Details:
    staff = actor.is_staff
    status = BookingStatus.APPROVED if staff else BookingStatus.PENDING
    if request.status is not None:
        allowed = (BookingStatus.PENDING, BookingStatus.APPROVED) if staff else (BookingStatus.PENDING,)
        if request.status not in [s.value for s in allowed]:
            errors.add("status", f"A new booking can be {' or '.join(s.value for s in allowed)}.")
        else:
            status = BookingStatus(request.status)
    payment = request.payment_method
    if payment not in [p.value for p in PaymentMethod]:
        errors.add("payment_method", "Choose cash, check or stripe." if request.card_payments else "Choose cash or check.")
    elif payment == PaymentMethod.PAYPAL:
        errors.add("payment_method", "PayPal is not offered: there is no local stand-in to build and test it against; "
                                     + ("pay by card (stripe), cash or check." if request.card_payments else "choose cash or check."))
    elif payment == PaymentMethod.STRIPE and not request.card_payments:
        errors.add("payment_method", "Card payments are not set up for this business; choose cash or check.")
    elif payment == PaymentMethod.STRIPE and customer is not None and not customer.email:
        errors.add("payment_method", CARD_NEEDS_EMAIL)
    if request.hold_for_payment:
        status = BookingStatus.PAYMENT_PENDING
    staff_notes = request.staff_notes
    if staff_notes and not staff:
        errors.add("staff_notes", "Only staff can write staff notes.")
        staff_notes = ""
    profile = customer
    address = {}
    for name in ("address", "city", "state", "zip", "phone"):
        given = getattr(request, name)
        if given is None:
            address[name] = getattr(profile, name, "") if profile is not None else ""
        elif name == "phone":
            # The number texts go to: E.164, one that can take texts (phones.py).
            address[name] = as_phone(errors, name, given, region=region) or ""
        else:
            address[name] = given
    sms = request.sms_notifications
    if sms is None:
        sms = bool(profile and profile.sms_notifications)
    elif sms and not (address["phone"] or (profile is not None and profile.phone)) and "phone" not in errors.errors:
        errors.add("sms_notifications", "Give a mobile number to get text messages.")
    requested = request.agent_id
    if original is not None:
        # Book this again copies what only staff can set on the original booking.
        staff_notes = staff_notes or original.staff_notes
        requested = requested or original.requested_agent_id
    return _Details(
        status=status,
        payment_method=str(payment),
        arrival_window=request.arrival_window,
        customer_notes=request.customer_notes,
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
    for index, visit, plan in _later_visits(session, quote, spec, location, first.start_at, candidates, now):
        if visit.reason is not None or plan is None:
            why = visit.reason or ""
            if actor.is_staff and plan is not None and visit.start_at is not None and plan.why_not(visit.start_at, now) == "taken":
                # Staff read which booking, time off or hours is in the way, as for the first visit.
                why = staff_refusal(session, plan.blocks(visit.start_at), plan, visit.start_at).message
            result.skipped.append(SkippedOccurrence(visit.day, visit.time, why))
            continue
        # Keep the same agent across the series when they are free.
        assert visit.start_at is not None  # a visit with a plan has its instant
        placement = choose(plan.placements(visit.start_at), first.agent_id)
        occurrence = _insert(
            session, repeat, spec, placement, visit.start_at, location, customer, details, quote.frequency, actor, now,
            series_id=series.id, occurrence_index=index,
        )
        result.occurrences.append(occurrence)


@dataclass(frozen=True)
class SeriesVisit:
    """One visit of a recurring booking: its local day and time, and the instant, or
    why it cannot be booked (`reason`, the customer's words)."""

    day: date
    time: str
    start_at: datetime | None  # None: that wall-clock time does not exist that day (clocks go forward)
    reason: str | None = None


def _later_visits(
    session: Session, quote: pricing.Quote, spec: SlotSpec, location: Location, first_start: datetime, candidates: list[Any],
    now: datetime,
) -> Iterator[tuple[int, SeriesVisit, DayPlan | None]]:
    """The later visits of a series up to the horizon, each with its day plan (None where
    the time does not exist that day; a visit with a `reason` cannot be booked): the one walk that booking a series and
    showing it before booking (series_preview) share."""
    tz = zone(location.timezone)
    local_first = first_start.astimezone(tz)
    wall = local_first.time().strftime("%H:%M")
    horizon = load_settings(session).horizon_weeks
    for index, day in enumerate(later_dates(local_first.date(), quote.frequency, horizon), start=1):  # type: ignore[arg-type]
        start_at = resolve_local(day, local_first.time(), tz)
        if start_at is None:
            yield index, SeriesVisit(day, wall, None, UNAVAILABLE["nonexistent"]), None
            continue
        plan: DayPlan = plan_day(session, spec, location, day, candidates)
        reason = plan.why_not(start_at, now)
        yield index, SeriesVisit(day, wall, start_at, UNAVAILABLE[reason] if reason else None), plan


def series_preview(
    session: Session, quote: pricing.Quote, *, first_start: datetime, location_id: object, agent_id: object, now: datetime,
) -> list[SeriesVisit]:
    """Every visit a recurring booking starting at `first_start` would get, the first
    included, and why any later one cannot be booked: shown on the review before
    booking. It walks the dates as create_booking() does; a time taken meanwhile is
    still skipped then (and the confirmation says so). One visit for a one-time booking."""
    errors = FieldErrors()
    location = resolve_location(session, None if location_id in (None, "") else as_id(errors, "location_id", location_id))
    choice = parse_agent_choice(errors, "agent_id", agent_id)
    tz = zone(location.timezone)
    local = first_start.astimezone(tz)
    visits = [SeriesVisit(local.date(), local.strftime("%H:%M"), first_start)]
    if errors or quote.frequency is None or not quote.frequency.recurs:
        return visits
    repeat = pricing.repeat_quote(quote)
    spec = SlotSpec.for_services([ln.service for ln in repeat.lines], repeat.duration)
    candidates = candidate_agents(session, spec.service_ids, location.id, choice)
    visits += [visit for _, visit, _ in _later_visits(session, quote, spec, location, first_start, candidates, now)]
    return visits

