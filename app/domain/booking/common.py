"""What every booking write shares: the transaction, the result types, the messages for
an unavailable time and the small helpers the create and change paths both use."""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_skeleton, format_time
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..actor import Actor
from ..availability import Blocked, DayPlan, Placement
from ..concurrency import is_lock_failure, translate_integrity_error
from ..errors import Conflict, DomainError, FieldErrors, SlotUnavailable, ValidationFailed
from ..models import Booking, Service
from ..settings import load_settings
from ..validation import MAX_DURATION, MIN_DURATION  # noqa: F401 - re-exported: where a booking's length is bounded

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L

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
    # A new customer was asked for, and an existing one with that e-mail was booked for.
    customer_matched: bool = False

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


def breakdown_total(booking: Booking, subtotal: Decimal | None = None, frequency_discount: Decimal | None = None) -> Decimal:
    """What the stored breakdown adds up to: the lines less the discounts (never below
    zero), plus the tip; `subtotal` and `frequency_discount` may be new ones."""
    subtotal = booking.subtotal if subtotal is None else subtotal
    frequency_discount = booking.frequency_discount if frequency_discount is None else frequency_discount
    return max(subtotal - frequency_discount - booking.discount - booking.gift_card, Decimal("0.00")) + booking.tip


def price_adjustment(booking: Booking) -> Decimal:
    """How far a custom price (price_overridden) is from what the breakdown adds up to,
    so that subtotal - discounts + adjustment + tip is always the total; 0 without one."""
    return booking.total - breakdown_total(booking) if booking.price_overridden else Decimal("0.00")


def new_booking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def check_offered(session: Session, plan: DayPlan, start_at: datetime, actor: Actor) -> None:
    """Customers book the start times the form offers; staff and imports may book any
    minute that fits the agent's hours. Raises ValidationFailed on start_time."""
    if actor.is_customer and not plan.offers(start_at, load_settings(session).slot_interval_minutes):
        raise invalid("start_time", "Pick one of the offered start times.")


def invalid(path: str, message: str) -> DomainError:
    """A ValidationFailed naming one field."""
    errors = FieldErrors()
    errors.add(path, message)
    return ValidationFailed(message, errors.errors)


def choose(placements: list[Placement], preferred_agent_id: int | None) -> Placement:
    """The preferred agent's placement when they are free, else the first one."""
    for placement in placements:
        if placement.agent.id == preferred_agent_id:
            return placement
    return placements[0]


def line_services(booking: Booking) -> list[Any]:
    """The catalog services behind a booking's stored lines."""
    session = Session.object_session(booking)
    assert session is not None
    return [session.get(Service, line.service_id) for line in booking.lines]


# A customers' rule staff may set aside, and the line the booking's history keeps of it.
WAIVED = {
    "notice": "inside the service's notice period",
    "too_far": "beyond the service's booking horizon",
}


def waived_rule(services: list[Service], duration: int, tz: Any, start_at: datetime, now: datetime, actor: Actor) -> str | None:
    """For staff: which customers' rule (notice, horizon) a booking at `start_at` sets
    aside, as the history says it, or None. Customers are never let past them."""
    if not actor.is_staff:
        return None
    from ..availability import SlotSpec, time_refusal

    reason = time_refusal(SlotSpec.for_services(services, duration), tz, start_at, now)
    return WAIVED.get(reason or "")


def place_or_refuse(
    session: Session, plan: DayPlan, start_at: datetime, actor: Actor, preferred: int | None, *, override_hours: bool = False,
) -> tuple[Placement, str | None]:
    """Where the booking goes at `start_at` (the time rules, past, notice and horizon,
    already checked), and for a staff override of the agents' schedule what it set
    aside ("outside working hours (...)", "into time off (...)"), else None.

    Nobody free: customers hear that the time is not available (never whose booking is
    there); staff hear why, agent by agent (the booking it clashes with, by code,
    customer and time; the time off; the working hours it falls outside). Staff who
    confirmed (`override_hours`) may book outside working hours or in time off, never
    over another booking. Raises SlotUnavailable with `details` reason and overridable."""
    placements = plan.placements(start_at)
    if placements:
        return choose(placements, preferred), None
    if not actor.is_staff:
        raise SlotUnavailable(UNAVAILABLE["taken"])
    blocks = plan.blocks(start_at)
    waivable = {b.agent.id: b for b in blocks if b.overridable}
    if override_hours and waivable:
        allowed = [p for p in plan.placements(start_at, schedule=False) if p.agent.id in waivable]
        if allowed:
            placement = choose(allowed, preferred)
            return placement, schedule_set_aside(session, waivable[placement.agent.id], plan)
    raise staff_refusal(session, blocks, plan, start_at)


@dataclass(frozen=True)
class _Words:
    """Times and days in a refusal or a history line as the business writes them (its
    locale: "8:00 AM" or "08:00"), in the location's zone."""

    tz: Any
    locale: str

    @classmethod
    def of(cls, session: Session, plan: DayPlan) -> _Words:
        return cls(plan.tz, load_settings(session).business_locale)

    def clock(self, instant: datetime) -> str:
        return format_time(instant.astimezone(self.tz).time(), "short", locale=self.locale)

    def day(self, day: date) -> str:
        return format_skeleton("MMMEd", day, locale=self.locale)

    def span(self, start: datetime, end: datetime) -> str:
        """'Wed, Nov 25, 3:00 PM–6:59 PM', or over several days 'Wed, Nov 25, 3:00 PM – Thu, Nov 26, 9:00 AM'."""
        a, b = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        if a == b:
            return f"{self.day(a)}, {self.clock(start)}–{self.clock(end)}"
        return f"{self.day(a)}, {self.clock(start)} – {self.day(b)}, {self.clock(end)}"

    def hours(self, block: Blocked, day: date) -> str:
        weekday = format_date(day, "EEEE", locale=self.locale)
        if not block.hours:
            return f"no working hours on {weekday}"
        return ", ".join(f"{self.clock(s)}–{self.clock(e)}" for s, e in block.hours) + f" on {weekday}"


def schedule_set_aside(session: Session, block: Blocked, plan: DayPlan) -> str:
    """What a staff override sets aside, as the history keeps it."""
    words = _Words.of(session, plan)
    parts = []
    if block.outside_hours:
        parts.append(f"outside working hours ({block.agent.name}: {words.hours(block, plan.day)})")
    if block.time_off is not None:
        parts.append(f"into time off ({block.agent.name}: {words.span(*block.time_off)})")
    return " and ".join(parts)


def _why(session: Session, block: Blocked, words: _Words, day: date) -> str:
    name = block.agent.name
    if block.clash_booking_id is not None:
        other = session.get(Booking, block.clash_booking_id)
        if other is not None:
            return f"it clashes with {name}'s booking {other.booking_code} ({other.customer.full_name}, {words.span(other.start_at, other.end_at)})"
    if block.full:
        return f"every place in {name}'s session is taken"
    parts = []
    if block.time_off is not None:
        parts.append(f"during {name}'s time off ({words.span(*block.time_off)})")
    if block.outside_hours:
        parts.append(f"outside {name}'s working hours ({words.hours(block, day)})")
    return " and ".join(parts)


def _reason_code(block: Blocked) -> str:
    if block.clash_booking_id is not None:
        return "clash"
    if block.full:
        return "full"
    return "time_off" if block.time_off is not None else "outside_hours"


def staff_refusal(session: Session, blocks: list[Blocked], plan: DayPlan, start_at: datetime) -> SlotUnavailable:
    """The refusal staff read: each candidate agent's reason; `details` carries the
    first one's code (clash, full, time_off, outside_hours) and whether an override
    of the agents' schedule (`override_hours`) would book it."""
    if not blocks:
        return SlotUnavailable(UNAVAILABLE["no_agent"], {"reason": "no_agent", "overridable": False})
    words = _Words.of(session, plan)
    whys = [_why(session, b, words, plan.day) for b in blocks]
    overridable = any(b.overridable for b in blocks)
    at = f"{words.day(plan.day)} at {words.clock(start_at)}"
    message = f"{at} is not free: {whys[0]}." if len(blocks) == 1 else f"Nobody can take {at}: {'; '.join(whys)}."
    details: dict[str, Any] = {"reason": _reason_code(blocks[0]), "overridable": overridable}
    clash = next((b.clash_booking_id for b in blocks if b.clash_booking_id is not None), None)
    if clash is not None and (other := session.get(Booking, clash)) is not None:
        details["booking_code"] = other.booking_code
    return SlotUnavailable(message, details)


def missing_address(services: Iterable[Service], street: str | None) -> str | None:
    """Why a customer's booking of these services needs its street address, or None: a
    service done at the customer's place (Service.at_customer) needs one; a booking of
    office services only (a workshop) does not. The one rule the booking and the booking
    form's review step both ask."""
    home = next((s for s in services if s.at_customer), None)
    if home is None or (street or "").strip():
        return None
    return f"Enter the street address where we should come: {home.name} is done at your place."
