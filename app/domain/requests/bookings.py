"""A booking as the staff API creates one (LatePoint's booking object), alone or as an
item of a bulk request. Whether the ids name something, the slot is free and the
customer's phone number is valid in the location's region is for the service to say;
the model makes sure each value is of its kind and within its limits."""
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import Field

from ..accounts import NEEDS_CONTACT
from ..booking.change import MAX_PRICE, UNSET, BookingChanges
from ..inputs import BookingRequest, CustomerInput, ServiceLineInput
from ..models import BookingStatus
from ..validation import MAX_ID, BadValue, parse_money
from .base import RequestModel
from .types import (
    HHMM, AgentChoice, Bool, Email, Id, Instant, LocalDate, Minutes, OptionalId, OptionalMinutes, PhoneText, Text, parsed,
)

NAME = Text(100, required=True, single_line=True)


def _staff_status(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if value not in ("pending", "approved"):
        raise BadValue("A new booking can be pending or approved.")
    return str(value)


def _payment_method(value: Any) -> str:
    if value is None or value == "":
        return "cash"
    if not isinstance(value, str):
        raise BadValue("Choose cash or check.")
    return value  # which methods this business takes is the service's rule (card payments set up or not)


StaffStatus = parsed(str, _staff_status, {"enum": ["pending", "approved"]})
PaymentMethodChoice = parsed(str, _payment_method, {"enum": ["cash", "check"]})
NEEDS_CUSTOMER = "Give customer_id, or customer with first_name, last_name and email (or phone)."


class StaffBookingCustomer(RequestModel):
    """A new customer (or one found by the e-mail) for a staff booking. Without an
    e-mail the phone is required: a phone-only customer, found by number and name or
    created without an e-mail (no account, no e-mails; accounts.find_or_create_customer)."""

    first_name: NAME  # type: ignore[valid-type]
    last_name: NAME  # type: ignore[valid-type]
    email: Email(required=False) = ""  # type: ignore[valid-type]
    phone: PhoneText = ""


def _blank(value: Any) -> bool:
    return value is None or isinstance(value, str) and not value.strip()


OVERRIDE_HOURS = ("Book anyway outside the agent's working hours or in their time off (a second confirmation, after a "
                  "slot_unavailable refusal whose details say overridable: true); never over another booking. The booking's "
                  "history names what was set aside.")


class StaffBookingInput(RequestModel):
    """A staff booking (POST /bookings, an item of POST /bookings/bulk): start_at, or
    start_date and start_time in the location's zone; customer_id, or customer."""

    INVALID: ClassVar[str] = "The booking is not valid."

    service_id: Id
    agent_id: AgentChoice  # type: ignore[valid-type]
    start_date: LocalDate = Field(default=None)
    start_time: HHMM = Field(default=None)
    start_at: Instant = Field(default=None)
    customer_id: OptionalId = Field(default=None)
    customer: StaffBookingCustomer = Field(default=None)
    location_id: OptionalId = Field(default=None)
    duration: OptionalMinutes = Field(default=None)
    status: StaffStatus = Field(default=None)  # type: ignore[valid-type]
    notes: Text() = ""  # type: ignore[valid-type]
    staff_notes: Text() = ""  # type: ignore[valid-type]
    payment_method: PaymentMethodChoice = "cash"  # type: ignore[valid-type]
    override_hours: Bool = Field(default=False, description=OVERRIDE_HOURS)

    @classmethod
    def rules(cls, data: Any) -> dict[str, str]:
        problems: dict[str, str] = {}
        if "start_at" not in data:
            problems |= {name: "This field is required." for name in ("start_date", "start_time") if name not in data}
        customer = data.get("customer")
        if data.get("customer_id") in (None, ""):
            if not isinstance(customer, dict):
                problems["customer"] = NEEDS_CUSTOMER
            elif _blank(customer.get("email")) and _blank(customer.get("phone")):
                problems["customer.email"] = NEEDS_CONTACT
        return problems

    def booking_request(self, *, send_notifications: bool) -> BookingRequest:
        """The request the booking service takes."""
        customer = None
        if self.customer_id is None and self.customer is not None:
            customer = CustomerInput(**self.customer.model_dump())
        return BookingRequest(
            services=[ServiceLineInput(self.service_id)],
            agent_id=self.agent_id,
            start_at=self.start_at,
            start_date=self.start_date,
            start_time=self.start_time,
            customer_id=self.customer_id,
            customer=customer,
            location_id=self.location_id,
            duration=self.duration,
            status=self.status,
            customer_notes=self.notes,
            staff_notes=self.staff_notes,
            payment_method=self.payment_method,
            send_notifications=send_notifications,
            override_hours=self.override_hours,
        )


class StaffBookingCreate(StaffBookingInput):
    """POST /bookings: a staff booking, and whether to send the confirmation e-mail."""

    send_confirmation_email: Bool = False



class CustomerChange(RequestModel):
    """The booking's customer's own record, changed from a booking update (fields sent only)."""

    first_name: NAME = Field(default=None)  # type: ignore[valid-type]
    last_name: NAME = Field(default=None)  # type: ignore[valid-type]
    email: Email() = Field(default=None)  # type: ignore[valid-type]
    phone: PhoneText = Field(default=None)


def _status_name(value: Any) -> str:
    # Which statuses exist and which move is allowed is the transition table's answer
    # (status.py), given with its own error code; only a value that is no name is refused here.
    if not isinstance(value, str):
        raise BadValue("Unknown status.")
    return value


def _price(value: Any) -> Decimal | None:
    return None if value is None else parse_money(value, hi=MAX_PRICE)


def _version(value: Any) -> int | str | None:
    # Read with the If-Match header, which wins over it (app/api/bookings.py).
    if value is None or isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise BadValue("Must be a whole number.")


StatusName = parsed(str, _status_name, {"type": "string", "enum": [s.value for s in BookingStatus]})
NullablePrice = parsed(Decimal, _price, {
    "type": ["string", "number", "null"], "description": "A custom total (price_overridden); null goes back to the catalog price."})
Version = parsed(int, _version, {"type": "integer", "minimum": 0, "maximum": MAX_ID})


class BookingUpdate(RequestModel):
    """PUT/PATCH /bookings/{id}: the fields sent change, the rest stay. The customer's own
    fields may come as an object or as dotted names (customer.email)."""

    INVALID: ClassVar[str] = "The update is not valid."

    service_id: Id = Field(default=None)
    agent_id: AgentChoice = Field(default=None)  # type: ignore[valid-type]
    location_id: Id = Field(default=None)
    start_date: LocalDate = Field(default=None)
    start_time: HHMM = Field(default=None)
    start_at: Instant = Field(default=None)
    duration: Minutes = Field(default=None)
    status: StatusName = Field(default=None)
    customer_id: Id = Field(default=None)
    customer: CustomerChange = Field(default=None)
    customer_first_name: NAME = Field(default=None, alias="customer.first_name")  # type: ignore[valid-type]
    customer_last_name: NAME = Field(default=None, alias="customer.last_name")  # type: ignore[valid-type]
    customer_email: Email() = Field(default=None, alias="customer.email")  # type: ignore[valid-type]
    customer_phone: PhoneText = Field(default=None, alias="customer.phone")
    price: NullablePrice = Field(default=None)
    notes: Text() = Field(default=None)  # type: ignore[valid-type]
    staff_notes: Text() = Field(default=None)  # type: ignore[valid-type]
    send_notification: Bool = False
    version: Version = Field(default=None)
    reason: Text(255) = ""  # type: ignore[valid-type]
    override_hours: Bool = Field(default=False, description=OVERRIDE_HOURS.replace("Book anyway", "Move anyway"))

    def changes(self) -> BookingChanges:
        """The changes the booking service takes: only the fields sent."""
        sent = self.model_fields_set
        customer = self.customer.given() if "customer" in sent and self.customer is not None else {}
        customer |= {name.removeprefix("customer_"): getattr(self, name) for name in sent if name.startswith("customer_")}
        simple = {name: getattr(self, name) for name in SIMPLE_CHANGES if name in sent}
        return BookingChanges(**simple, customer=customer if customer else UNSET, reason=self.reason, override_hours=self.override_hours)


SIMPLE_CHANGES = ("service_id", "agent_id", "location_id", "start_date", "start_time", "start_at", "duration", "status",
                  "customer_id", "price", "notes", "staff_notes")
