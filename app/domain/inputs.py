"""Plain input records the services take. Values arrive as a client sent them (JSON
types, form strings); the services validate them and report errors by field path."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class HourlyInput:
    quantity: Any  # workers, 1-100
    minutes: Any  # 30-1440, steps of 30


@dataclass
class ExtraInput:
    id: Any
    quantity: Any = 1
    recurring: Any = None  # None: the extra's own setting


@dataclass
class ParameterInput:
    id: Any
    quantity: Any


@dataclass
class ServiceLineInput:
    id: Any
    hourly: HourlyInput | None = None
    extras: list[ExtraInput] = field(default_factory=list)
    pricing_parameters: list[ParameterInput] = field(default_factory=list)


@dataclass
class OptionAnswer:
    id: Any
    other: Any = None


@dataclass
class FieldAnswer:
    """{id, value} for text-like fields, {id, values: [...]} for option fields."""

    id: Any
    value: Any = None
    values: list[OptionAnswer] | None = None


@dataclass
class CustomerInput:
    first_name: Any = ""
    last_name: Any = ""
    email: Any = ""
    phone: Any = ""


@dataclass
class BookingRequest:
    """Everything a booking can be created from, by any caller."""

    services: list[ServiceLineInput]
    # Start: either start_at (an aware instant) or start_date + start_time (local).
    start_at: Any = None
    start_date: Any = None
    start_time: Any = None
    agent_id: Any = "any"  # an id, "any" or -1
    location_id: Any = None
    customer_id: Any = None
    customer: CustomerInput | None = None
    duration: Any = None  # staff override, minutes
    status: Any = None  # default: "approved" for staff, "pending" for customers
    frequency_id: Any = None
    discount_code: Any = None
    tip: Any = 0
    tip_recurring: Any = False
    payment_method: Any = "cash"
    arrival_window: Any = 0
    customer_notes: Any = ""
    staff_notes: Any = ""
    address: Any = None
    city: Any = None
    state: Any = None
    zip: Any = None
    phone: Any = None
    sms_notifications: Any = None
    custom_fields: list[FieldAnswer] = field(default_factory=list)
    original_booking_id: Any = None
    # The total the customer was shown; if set and different, the booking is refused
    # with the new price (STYLE habit 7).
    expected_total: Any = None
    send_notifications: bool = True
    # Set by the caller when card payments are set up (the Stripe keys): `stripe` is then
    # a payment method, not refused.
    card_payments: bool = False
    # Set by payments.book_with_card only: the booking waits for its card payment.
    hold_for_payment: bool = False
