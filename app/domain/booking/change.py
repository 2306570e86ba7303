"""Changing a booking: a partial update (BookingChanges) read, checked and applied in one
transaction. Status changes, moves and cancellations all end in apply_changes, so the
checks, history and messages are the same on every path."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import discounts, history, notifications, pricing, webhooks
from ..accounts import end_all_sessions, find_user_by_email
from ..actor import Actor
from ..availability import SlotSpec, candidate_agents, parse_agent_choice, plan_day
from ..concurrency import begin_write, lock_more
from ..errors import (
    BookingNotFound,
    DiscountCodeExhausted,
    DomainError,
    EmailTaken,
    FieldErrors,
    InvalidStatusTransition,
    PastDate,
    PreconditionFailed,
    SlotUnavailable,
    TooLate,
)
from ..models import (
    ACTIVE_STATUSES, SLOT_HOLDING_STATUSES, Agent, Booking, BookingLine, BookingStatus, DiscountCode, Location, Role, Service, User,
)
from ..phones import as_phone, region_for
from ..settings import load_settings
from ..status import check_transition
from ..timeutil import resolve_local, zone
from ..validation import as_date, as_email, as_id, as_instant, as_int, as_money, as_text, as_time
from .common import (
    MAX_DURATION, MIN_DURATION, UNAVAILABLE, breakdown_total, check_offered, choose, invalid, line_services, place_or_refuse, waived_rule,
    write_transaction,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
# The most a custom total may be (a booking update's `price`).
MAX_PRICE = "10000000"

STAFF_ONLY_CHANGES = ("service_id", "location_id", "duration", "customer_id", "customer", "price", "staff_notes", "agent_id")


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
    # Staff only: confirmed to move outside the agent's working hours or into their time
    # off (never over another booking); the history names it.
    override_hours: bool = False


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
        booking = load_for_change(
            session, booking_id, actor, now, expected_version, also_lock=_agents_a_change_may_need(session, changes)
        )
        return apply_changes(session, booking, changes, actor, now, notify)


def _agents_a_change_may_need(session: Session, changes: BookingChanges) -> list[int]:
    """Agents a move could land on, locked together with the booking's own agent (ids
    sorted, one statement) so two moves between the same agents cannot deadlock."""
    if changes.agent_id is UNSET:
        return []
    chosen = parse_agent_choice(FieldErrors(), "agent_id", changes.agent_id)
    if chosen is not None:
        return [chosen]
    return list(session.scalars(select(Agent.id).where(Agent.active.is_(True))))


def load_for_change(
    session: Session, booking_id: object, actor: Actor, now: datetime, expected_version: int | None, also_lock: list[int] | None = None
) -> Booking:
    """The booking, locked and re-read, once the actor may change it.

    Raises BookingNotFound (also for another customer's booking), PreconditionFailed,
    and for a customer InvalidStatusTransition or TooLate.
    """
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
        office = booking.location
        call = (f"Please call {office.name} at {office.phone} to change this one." if office.phone
                else f"Please write to {office.name} at {office.email} to change this one." if office.email
                else "Please get in touch with us to change this one.")
        return TooLate(f"Bookings can be changed or cancelled online until {hours} hours before the start. {call}")
    return None


@dataclass
class _Where:
    """Where and when the booking would be after the change (agent_id -1: any agent)."""

    service: Service
    location: Location
    agent_id: int
    duration: int
    start_at: datetime
    tz: ZoneInfo

    def moves(self, booking: Booking) -> bool:
        return (
            self.start_at != booking.start_at
            or self.duration != booking.duration_minutes
            or self.service.id != booking.service_id
            or self.agent_id != booking.agent_id
            or self.location.id != booking.location_id
        )


def apply_changes(session: Session, booking: Booking, changes: BookingChanges, actor: Actor, now: datetime, notify: bool) -> Booking:
    """Check and write one change to a booking already loaded for change: status, place
    and time, customer, price and notes, then history and the message. Raises the
    errors update_booking lists."""
    _refuse_what_the_actor_may_not_change(booking, changes, actor)
    target_status = BookingStatus(booking.status)
    if changes.status is not UNSET and changes.status != booking.status:
        target_status = check_transition(booking.status, changes.status, actor)

    errors = FieldErrors()
    where = _read_where(session, booking, changes, errors)
    errors.raise_if_any("The booking could not be changed; check the highlighted fields.")
    values = _place(session, booking, where, target_status, actor, now, override_hours=changes.override_hours)

    customer_changes = _read_details(session, booking, changes, values, errors, now=now)
    reason_text = as_text(errors, "reason", changes.reason, max_length=255) or ""
    errors.raise_if_any("The booking could not be changed; check the highlighted fields.")

    if where.service.id != booking.service_id:
        _replace_service_line(booking, where.service, values)
    if target_status != booking.status:
        values |= _status_values(session, booking, target_status, reason_text, now)

    before_start = booking.start_at
    before_status = booking.status
    before_agent_id = booking.agent_id
    override = values.pop("_override", None)
    changed = history.diff(booking, values)
    changed |= customer_changes
    if override and changed:
        changed["override"] = (None, override)
    if not changed:
        return booking
    booking.updated_at = now
    action = "status" if "status" in changed else "moved" if "start_at" in changed or "agent_id" in changed else "updated"
    history.record(session, booking, actor=actor, now=now, action=action, changes=changed)
    session.flush()
    webhooks.booking_event(session, booking, webhooks.booking_change_event(action, before_status, booking.status), now)
    if before_status != booking.status:
        from .. import payments  # imports this module

        # Card on file charged at completion, a no-show fee, a refund on an early cancel:
        # queued as payment rows in this transaction, charged after it (payments.process_queued).
        payments.queue_for_status_change(session, booking, before_status, actor=actor, now=now)
    if notify:
        topic = _message_topic(booking, before_status, before_start, staff=actor.is_staff)
        if topic is not None:
            notifications.queue_booking_message(
                session, booking, topic, now, previous_start=before_start, previous_agent_id=before_agent_id
            )
    return booking


def _refuse_what_the_actor_may_not_change(booking: Booking, changes: BookingChanges, actor: Actor) -> None:
    if changes.require_active and booking.status not in ACTIVE_STATUSES:
        raise InvalidStatusTransition(
            f"This booking is {booking.status.replace('_', ' ')}; only pending and approved bookings can be moved."
        )
    errors = FieldErrors()
    if actor.is_customer:
        for name in STAFF_ONLY_CHANGES:
            if getattr(changes, name) is not UNSET:
                errors.add(name, "Only staff can change this.")
        if changes.status is not UNSET and changes.status != BookingStatus.CANCELLED:
            errors.add("status", "You can cancel a booking; other changes are made by staff.")
    errors.raise_if_any("This change is not allowed.")


def _read_where(session: Session, booking: Booking, changes: BookingChanges, errors: FieldErrors) -> _Where:
    """Parse the service, location, agent, length and start the change asks for; what
    it leaves UNSET (or gets wrong, with a field error) stays as the booking has it."""
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
        duration = as_int(errors, "duration", changes.duration, lo=MIN_DURATION, hi=MAX_DURATION) or duration
    elif service.id != booking.service_id:
        # Another service and no length given: the new service's own (seed 003), so the
        # slot is re-checked for as long as the new service really takes.
        duration = _line_for(booking, service).duration
    tz = zone(location.timezone)
    start_at = _read_start(booking, changes, tz, errors)
    return _Where(service=service, location=location, agent_id=agent_id, duration=duration, start_at=start_at, tz=tz)


def _read_start(booking: Booking, changes: BookingChanges, tz: ZoneInfo, errors: FieldErrors) -> datetime:
    """The new start: an instant, or a local date and/or time in the location's zone
    (the part left out keeps the booking's own)."""
    start_at = booking.start_at
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
    return start_at


def _place(session: Session, booking: Booking, where: _Where, target_status: BookingStatus, actor: Actor, now: datetime, *,
           override_hours: bool = False) -> dict[str, Any]:
    """The slot columns after the change. A booking that holds (or gets back) a slot is
    re-placed through the same day plan as a new booking, its own slot counted as free;
    a finished booking's record is only corrected."""
    moved = where.moves(booking)
    start_at = where.start_at
    if moved and start_at != booking.start_at and start_at < now:
        raise PastDate("A booking cannot be moved into the past.", {"start_time": "That time has already passed."})
    reactivating = booking.status not in SLOT_HOLDING_STATUSES and target_status in SLOT_HOLDING_STATUSES
    if target_status in ACTIVE_STATUSES and (moved or reactivating):
        spec = _spec_after_change(booking, where.service, where.duration, staff=actor.is_staff)
        if spec is None:
            raise invalid("service_id", "The agent cannot do this booking's services.")
        candidates = candidate_agents(session, spec.service_ids, where.location.id, None if where.agent_id == -1 else where.agent_id)
        if where.agent_id != -1 and not candidates:
            raise SlotUnavailable("This agent does not offer this service at this location.")
        lock_more(session, agent_ids=[a.id for a in candidates])
        plan = plan_day(
            session, spec, where.location, start_at.astimezone(where.tz).date(), candidates, exclude_booking_ids=(booking.id,)
        )
        # A move must respect notice and the horizon; bringing back a cancelled booking
        # at its old time only needs the agent to be free.
        if moved:
            check_offered(session, plan, start_at, actor)
        reason = plan.why_not(start_at, now) if moved else None
        if reason == "past":
            raise PastDate("A booking cannot be moved into the past.", {"start_time": "That time has already passed."})
        if reason not in (None, "taken"):
            raise SlotUnavailable(UNAVAILABLE[reason])
        placement, set_aside = place_or_refuse(session, plan, start_at, actor, booking.agent_id, override_hours=override_hours)
        occupied_start, occupied_end = spec.occupied(start_at)
        services = line_services(booking) if where.service.id == booking.service_id else [where.service]
        waived = waived_rule(services, spec.duration, where.tz, start_at, now, actor) if moved else None
        verb = "Moved" if moved else "Restored"
        overrides = [f"{verb} {text}" for text in (waived, set_aside) if text]
        return {
            **({"_override": "; ".join(overrides)} if overrides else {}),
            "agent_id": placement.agent.id,
            "location_id": where.location.id,
            "service_id": where.service.id,
            "start_at": start_at,
            "end_at": start_at + timedelta(minutes=spec.duration),
            "occupied_start": occupied_start,
            "occupied_end": occupied_end,
            "duration_minutes": spec.duration,
            "slot_key": spec.slot_key(start_at),
            "seat": placement.seat,
            "slot_capacity": spec.capacity,
        }
    if moved:
        agent_id = booking.agent_id if where.agent_id == -1 else where.agent_id
        if (agent_id, where.service.id, where.location.id) != (booking.agent_id, booking.service_id, booking.location_id):
            # A finished booking's record is corrected, not re-placed, but the agent it
            # names must still be one who offers its services there.
            spec = _spec_after_change(booking, where.service, where.duration)
            if spec is None or not candidate_agents(session, spec.service_ids, where.location.id, agent_id):
                raise SlotUnavailable("This agent does not offer this service at this location.")
        end_at = start_at + timedelta(minutes=where.duration)
        return {
            "agent_id": agent_id,
            "location_id": where.location.id,
            "service_id": where.service.id,
            "start_at": start_at,
            "duration_minutes": where.duration,
            "end_at": end_at,
            "occupied_start": start_at - (booking.start_at - booking.occupied_start),
            "occupied_end": end_at + (booking.occupied_end - booking.end_at),
        }
    return {}


def _read_details(
    session: Session, booking: Booking, changes: BookingChanges, values: dict[str, Any], errors: FieldErrors, *, now: datetime
) -> dict[str, tuple[Any, Any]]:
    """Customer, price and notes into `values`; gives back the changes made to the
    customer's own record (written to them directly, recorded on the booking)."""
    if changes.customer_id is not UNSET:
        cid = as_id(errors, "customer_id", changes.customer_id)
        customer = session.get(User, cid) if cid is not None else None
        if cid is not None and (customer is None or customer.role != Role.CUSTOMER):
            errors.add("customer_id", f"There is no customer with id {cid}.")
        elif customer is not None:
            values["customer_id"] = customer.id
    customer_changes = _customer_changes(session, changes, values.get("customer_id", booking.customer_id), errors, now=now)
    if changes.price is None:
        # Back to the price the breakdown adds up to.
        if booking.price_overridden:
            values |= {"total": breakdown_total(booking), "price_overridden": False}
    elif changes.price is not UNSET:
        price = as_money(errors, "price", changes.price, hi=MAX_PRICE)
        if price is not None and (price != booking.total or not booking.price_overridden):
            values |= {"total": price, "price_overridden": True}
    if changes.notes is not UNSET:
        notes = as_text(errors, "notes", changes.notes)
        if notes is not None:
            values["customer_notes"] = notes
    if changes.staff_notes is not UNSET:
        staff_notes = as_text(errors, "staff_notes", changes.staff_notes)
        if staff_notes is not None:
            values["staff_notes"] = staff_notes
    return customer_changes


def _status_values(session: Session, booking: Booking, target_status: BookingStatus, reason_text: str, now: datetime) -> dict[str, Any]:
    """The status columns; discount uses follow the booking in and out of the active
    statuses."""
    values: dict[str, Any] = {"status": target_status}
    if target_status == BookingStatus.CANCELLED:
        values |= {"cancelled_at": now, "cancellation_reason": reason_text}
        discounts.release(session, booking.id, now)
    elif booking.status == BookingStatus.CANCELLED and booking.discount_code_id is not None:
        _redeem_again(session, booking, now)
    return values


def _message_topic(booking: Booking, before_status: str, before_start: datetime, *, staff: bool) -> str | None:
    """Which message a change sends the customer, if any."""
    if booking.status != before_status:
        return {
            BookingStatus.CANCELLED: "booking.cancelled",
            BookingStatus.APPROVED: "booking.confirmed",
        }.get(BookingStatus(booking.status))
    if booking.start_at != before_start:
        return "booking.rescheduled"
    if staff:
        return "booking.updated"
    return None


def _spec_after_change(booking: Booking, service: Any, duration: int, staff: bool = False) -> SlotSpec | None:
    if service.id == booking.service_id:
        services = [line_service for line_service in line_services(booking)] or [service]
    else:
        services = [service]
    return SlotSpec.for_services(services, duration, staff=staff)


def _line_for(booking: Booking, service: Service) -> pricing.PricedLine:
    """The one line of `service` that replaces the booking's services: an hourly line
    keeps the workers and hours of an hourly line it replaces, anything else is the
    service as the catalog has it."""
    old = booking.lines[0] if booking.lines else None
    keeps_hours = old is not None and service.is_hourly and old.pricing_mode == "hourly"
    workers = old.workers if keeps_hours and old is not None else 1
    minutes = old.minutes if keeps_hours and old is not None else service.duration_minutes
    return pricing.PricedLine(service=service, workers=workers, minutes=minutes)


def _replace_service_line(booking: Booking, service: Any, values: dict[str, Any]) -> None:
    """Swap the booking's services for one line of another service, re-priced from the
    catalog; the stored discounts, tip and any custom price stay as they were."""
    line = _line_for(booking, service)
    workers, minutes = line.workers, line.minutes
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
    # A custom price stands when the service changes (staff agreed it; the answer still
    # says price_overridden and the adjustment absorbs the difference); `"price": null`
    # goes back to the catalog price.
    overridden = values.get("price_overridden", booking.price_overridden)
    if "total" not in values and not overridden:
        values["total"] = breakdown_total(booking, subtotal, frequency_discount)
    elif values.get("price_overridden") is False:
        values["total"] = breakdown_total(booking, subtotal, frequency_discount)


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


def _customer_changes(session: Session, changes: BookingChanges, customer_id: int, errors: FieldErrors, *,
                      now: datetime) -> dict[str, tuple[Any, Any]]:
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
        elif name == "phone":
            clean = as_phone(errors, path, value, region=region_for(session))
        else:
            clean = as_text(errors, path, value, max_length=100, required=True, single_line=True)
        if clean is not None and clean != getattr(customer, name):
            result[path] = (getattr(customer, name), clean)
            setattr(customer, name, clean)
            if name == "email":
                # Reset links sent to the old address and every login end (as a password change does).
                end_all_sessions(session, customer, now=now)
    return result
