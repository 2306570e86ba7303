"""A booking as the staff API creates one (LatePoint's booking object), alone or as an
item of a bulk request. Whether the ids name something, the slot is free and the
customer's phone number is valid in the location's region is for the service to say;
the model makes sure each value is of its kind and within its limits."""
from typing import Any, ClassVar

from pydantic import Field

from ..inputs import BookingRequest, CustomerInput, ServiceLineInput
from ..validation import BadValue
from .base import RequestModel
from .types import AgentChoice, Bool, Email, HHMM, Id, Instant, LocalDate, OptionalId, OptionalMinutes, PhoneText, Text, parsed

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
NEEDS_CUSTOMER = "Give customer_id, or customer with first_name, last_name and email."


class StaffBookingCustomer(RequestModel):
    """A new customer (or one found by the e-mail) for a staff booking."""

    first_name: NAME  # type: ignore[valid-type]
    last_name: NAME  # type: ignore[valid-type]
    email: Email()  # type: ignore[valid-type]
    phone: PhoneText = ""


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

    @classmethod
    def rules(cls, data: Any) -> dict[str, str]:
        problems: dict[str, str] = {}
        if "start_at" not in data:
            problems |= {name: "This field is required." for name in ("start_date", "start_time") if name not in data}
        if data.get("customer_id") in (None, "") and not isinstance(data.get("customer"), dict):
            problems["customer"] = NEEDS_CUSTOMER
        return problems

    def booking_request(self, *, send_notifications: bool) -> BookingRequest:
        """The request the booking service takes."""
        customer = None
        if self.customer_id is None and self.customer is not None:
            customer = CustomerInput(**self.customer.model_dump())
        return BookingRequest(
            services=[ServiceLineInput(self.service_id)],
            agent_id="any" if self.agent_id is None else self.agent_id,
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
        )


class StaffBookingCreate(StaffBookingInput):
    """POST /bookings: a staff booking, and whether to send the confirmation e-mail."""

    send_confirmation_email: Bool = False

