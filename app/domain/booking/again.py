"""Book this again: a new booking request pre-filled from an earlier booking."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..actor import Actor
from ..errors import BookingNotFound, FieldErrors
from ..inputs import BookingRequest, ExtraInput, FieldAnswer, HourlyInput, OptionAnswer, ParameterInput, ServiceLineInput
from ..models import Booking
from ..validation import as_id


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
