"""The input records the booking services take, typed. A BookingRequest is built by every
caller (staff and customer APIs, web forms, book-again, the CLI) with the values as
sent; it reads each once (requests/booking_fields.py) and keeps what did not parse as
problems by field path. What needs the database (an id that names something, a
quantity within an extra's own limit, an answer to a question) the services check."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from decimal import Decimal

from .requests.booking_fields import PARSERS, read_fields, read_lines


@dataclass
class HourlyInput:
    # Whole numbers, read where the request is built; None: did not parse (see the
    # request's problems). The ranges are the service's: pricing.py reads them.
    quantity: int | None  # workers, 1-100
    minutes: int | None  # 30-1440, steps of 30


@dataclass
class ExtraInput:
    id: int | None  # None: not an id (see the request's problems)
    quantity: int | None = 1  # up to the extra's own maximum (pricing.py)
    recurring: bool | None = None  # None: the extra's own setting


@dataclass
class ParameterInput:
    id: int | None
    quantity: int | None  # within the parameter's own range (pricing.py)


@dataclass
class ServiceLineInput:
    id: int | None
    hourly: HourlyInput | None = None
    extras: list[ExtraInput] = field(default_factory=list)
    pricing_parameters: list[ParameterInput] = field(default_factory=list)


@dataclass
class OptionAnswer:
    id: int | str  # an option's id, or a form's choice as sent: read against the question's options (fields.py)
    other: str | None = None


@dataclass
class FieldAnswer:
    """{id, value} for text-like fields, {id, values: [...]} for option fields. Each
    answer is read against its question (its kind, its options) by fields.py."""

    id: int
    value: str | None = None
    values: list[OptionAnswer] | None = None


@dataclass
class CustomerInput:
    """A new customer (or one found by the e-mail) for a staff booking, as text; the
    e-mail and phone are read by accounts.find_or_create_customer."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class BookingRequest:
    """Everything a booking can be created from, by any caller. Built with the values as
    sent; each is read once, here, by the parser of its kind (requests/booking_fields.py),
    so the service takes typed values: a value that does not parse is left out and its
    error kept in `problems` (field path -> message), which the service reports with
    the checks that need the database."""

    services: list[ServiceLineInput]
    # Start: either start_at (an aware instant, UTC) or start_date + start_time (local).
    start_at: datetime | None = None
    start_date: date | None = None
    start_time: time | None = None
    agent_id: int | None = None  # None: any agent (sent as "any", -1 or nothing)
    location_id: int | None = None
    customer_id: int | None = None
    customer: CustomerInput | None = None
    duration: int | None = None  # staff override, minutes
    status: str | None = None  # default: "approved" for staff, "pending" for customers
    frequency_id: int | None = None
    discount_code: str | None = None
    tip: Decimal = Decimal("0.00")
    tip_recurring: bool = False
    payment_method: str = "cash"
    arrival_window: int = 0
    customer_notes: str = ""
    staff_notes: str = ""
    # None: the customer's own (profile) value.
    address: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    phone: str | None = None  # as typed; read by the service in the location's region
    sms_notifications: bool | None = None
    custom_fields: list[FieldAnswer] = field(default_factory=list)
    original_booking_id: int | None = None
    # The total the customer was shown; if set and different, the booking is refused
    # with the new price (STYLE habit 7).
    expected_total: Decimal | None = None
    send_notifications: bool = True
    # Set by the caller when card payments are set up (the Stripe keys): `stripe` is then
    # a payment method, not refused.
    card_payments: bool = False
    # Staff only: confirmed to book outside the agent's working hours or in their time off
    # (never over another booking); the history names what was set aside.
    override_hours: bool = False
    # Set by payments.book_with_card only: the booking waits for its card payment.
    hold_for_payment: bool = False
    problems: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        raw = {f.name: getattr(self, f.name) for f in fields(self) if f.name in READ}
        values, problems = read_fields(raw)
        for name, value in values.items():
            setattr(self, name, value)
        self.problems = read_lines(self.services) | problems


READ = frozenset(PARSERS) | {"start_at", "start_date", "start_time"}
