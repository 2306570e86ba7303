"""What was booked, as one summary drawn from the booking's stored lines.

The review step, the confirmation, the booking's page, the back office panel and every
e-mail show this one summary, so a line the total includes (an extra, a pricing
parameter such as "Bathrooms × 2") or an answer the customer gave is never left out of
one of them. Amounts are the stored ones: the catalog may have changed since.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from .fields import CleanAnswer
from sqlalchemy.orm import object_session

from .models import Booking, BookingFieldValue, Location, Service
from .pricing import Quote
from .timeutil import duration_text


@dataclass(frozen=True)
class SummaryLine:
    """One priced line: a service, or an extra or pricing parameter under it."""

    kind: str  # "service", "extra" or "parameter"
    label: str
    detail: str  # "× 2", "2 workers × 3 h", "" when there is nothing to add
    amount: Decimal


@dataclass(frozen=True)
class Adjustment:
    """A discount (negative amount) or the tip (positive), after the lines."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class Answer:
    label: str
    text: str
    staff_only: bool = False
    kind: str = "single_line"  # the field's type: pages write dates and times in the business's locale


@dataclass(frozen=True)
class BookingSummary:
    booking_id: int
    code: str
    status: str
    title: str  # the services' names, for subjects and calendar entries
    start_at: datetime
    end_at: datetime
    timezone: str  # the location's zone: times are shown there, with its name
    arrival_window: int
    location_name: str
    where: str  # the service address, or the office's
    agent_name: str
    customer_name: str
    customer_email: str
    customer_phone: str
    currency: str | None  # the location's currency; None: the business's
    lines: list[SummaryLine]
    subtotal: Decimal
    adjustments: list[Adjustment]
    total: Decimal
    price_overridden: bool
    payment_method: str
    answers: list[Answer] = field(default_factory=list)
    customer_notes: str = ""
    staff_notes: str = ""

    def visible_answers(self, staff: bool = False) -> list[Answer]:
        return [a for a in self.answers if staff or not a.staff_only]

    @property
    def payment_label(self) -> str:
        """How the payment method reads in "paid by …": 'card' for Stripe."""
        return PAYMENT_LABELS.get(self.payment_method, self.payment_method)


PAYMENT_LABELS = {"stripe": "card", "paypal": "PayPal"}


def _hours(minutes: int) -> str:
    return duration_text(minutes)


def _answer_text(value: str | None, options: list[dict] | None, field_type: str) -> str:
    if options:
        return ", ".join(
            f"{o.get('label', '')}: {o['other']}" if o.get("other") else str(o.get("label", "")) for o in options
        )
    if field_type == "checkbox":
        return "Yes" if value == "true" else "No"
    return value or ""


def stored_answer(value: BookingFieldValue) -> Answer:
    """A saved answer as every summary shows it (a checkbox as Yes/No, options by label)."""
    return Answer(value.label, _answer_text(value.value, value.options, value.field_type), value.staff_only, value.field_type)


NO_ADDRESS_YET = "Address to be confirmed"


def booking_place(booking: Booking) -> str:
    """Where the visit is: the service address in full; for a visit at the office (a
    workshop) the office's; for one at the customer's place whose street staff have not
    taken yet, that it is still to be confirmed (never the office's, which would send
    the agent to the wrong door)."""
    place = ", ".join(p for p in (booking.address, booking.city, booking.state, booking.zip) if p)
    if place:
        return place
    services = [line.service_id for line in booking.lines] or [booking.service_id]
    session = object_session(booking)
    at_customer = session is not None and any(
        getattr(session.get(Service, sid), "at_customer", False) for sid in services)
    return NO_ADDRESS_YET if at_customer else booking.location.address


def booking_summary(booking: Booking) -> BookingSummary:
    """The summary of a saved booking (its lines, price, answers, time and place)."""
    lines: list[SummaryLine] = []
    for line in booking.lines:
        detail = f"{line.workers} worker{'s' if line.workers != 1 else ''} × {_hours(line.minutes)}" \
            if line.pricing_mode == "hourly" else ""
        lines.append(SummaryLine("service", line.name, detail, line.amount))
        lines.extend(SummaryLine("extra", e.name, f"× {e.quantity}", e.amount) for e in line.extras)
        lines.extend(
            SummaryLine("parameter", p.name, f"× {p.quantity}", p.amount) for p in line.parameters if p.quantity
        )
    adjustments: list[Adjustment] = []
    if booking.frequency_discount:
        adjustments.append(Adjustment("Frequency discount", -booking.frequency_discount))
    if booking.discount:
        adjustments.append(Adjustment("Discount code", -booking.discount))
    if booking.gift_card:
        adjustments.append(Adjustment("Gift card", -booking.gift_card))
    if booking.tip:
        adjustments.append(Adjustment("Tip", booking.tip))
    customer = booking.customer
    return BookingSummary(
        booking_id=booking.id,
        code=booking.booking_code,
        status=booking.status,
        title=", ".join(line.name for line in booking.lines) or booking.service.name,
        start_at=booking.start_at,
        end_at=booking.end_at,
        timezone=booking.location.timezone,
        arrival_window=booking.arrival_window,
        location_name=booking.location.name,
        where=booking_place(booking),
        agent_name=booking.agent.name,
        customer_name=f"{customer.first_name} {customer.last_name}".strip(),
        customer_email=customer.email or "",  # "" for a phone-only customer (issue 22)
        customer_phone=booking.phone or (customer.phone or ""),
        currency=booking.location.currency,
        lines=lines,
        subtotal=booking.subtotal,
        adjustments=adjustments,
        total=booking.total,
        price_overridden=booking.price_overridden,
        payment_method=booking.payment_method,
        answers=[a for a in map(stored_answer, booking.field_values) if a.text],
        customer_notes=booking.customer_notes,
        staff_notes=booking.staff_notes,
    )


def preview_summary(
    quote: Quote,
    *,
    start_at: datetime,
    location: Location,
    agent_name: str,
    customer_name: str,
    customer_email: str,
    where: str,
    phone: str,
    payment_method: str,
    answers: list[CleanAnswer],
    customer_notes: str = "",
) -> BookingSummary:
    """The same summary for a booking not made yet (the review step), drawn from the
    price quote and the answers exactly as the booking will store them."""
    lines: list[SummaryLine] = []
    for line in quote.lines:
        detail = f"{line.workers} worker{'s' if line.workers != 1 else ''} × {_hours(line.minutes)}" \
            if line.service.is_hourly else ""
        lines.append(SummaryLine("service", line.service.name, detail, line.amount))
        lines.extend(SummaryLine("extra", e.extra.name, f"× {e.quantity}", e.amount) for e in line.extras)
        lines.extend(SummaryLine("parameter", p.parameter.name, f"× {p.quantity}", p.amount) for p in line.parameters if p.quantity)
    adjustments: list[Adjustment] = []
    if quote.frequency_discount:
        adjustments.append(Adjustment(f"{quote.frequency.name} discount" if quote.frequency else "Frequency discount", -quote.frequency_discount))
    if quote.discount:
        adjustments.append(Adjustment(f"Discount code {quote.code.code}" if quote.code else "Discount code", -quote.discount))
    if quote.gift_card:
        adjustments.append(Adjustment("Gift card", -quote.gift_card))
    if quote.tip:
        adjustments.append(Adjustment("Tip", quote.tip))
    return BookingSummary(
        booking_id=0,
        code="",
        status="",
        title=", ".join(line.service.name for line in quote.lines),
        start_at=start_at,
        end_at=start_at + timedelta(minutes=quote.duration),
        timezone=location.timezone,
        arrival_window=0,
        location_name=location.name,
        where=where or location.address,
        agent_name=agent_name,
        customer_name=customer_name,
        customer_email=customer_email,
        customer_phone=phone,
        currency=location.currency,
        lines=lines,
        subtotal=quote.subtotal,
        adjustments=adjustments,
        total=quote.total,
        price_overridden=False,
        payment_method=payment_method,
        answers=[
            Answer(a.field.label, _answer_text(a.value, a.options, a.field.field_type), a.field.visibility != "customer",
                   a.field.field_type)
            for a in answers if _answer_text(a.value, a.options, a.field.field_type)
        ],
        customer_notes=customer_notes,
    )
