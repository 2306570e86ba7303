"""iCalendar (.ics) for bookings, with the location's time zone, via `icalendar`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from .models import Booking
from .timeutil import zone


def bookings_ics(bookings: Iterable[Booking], *, business_name: str, now: datetime) -> bytes:
    """One calendar with an event per booking; times carry the location's zone (TZID),
    and the VTIMEZONE definitions are included so any client shows the right hour."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{business_name}//Booking portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for booking in bookings:
        tz = zone(booking.location.timezone)
        event = Event()
        event.add("uid", f"booking-{booking.booking_code}@{business_name.lower().replace(' ', '-')}")
        event.add("dtstamp", now)
        event.add("dtstart", booking.start_at.astimezone(tz))
        event.add("dtend", booking.end_at.astimezone(tz))
        names = ", ".join(line.name for line in booking.lines) or booking.service.name
        event.add("summary", f"{names} ({business_name})")
        event.add("location", booking.address or booking.location.address)
        event.add("description", f"Booking code {booking.booking_code}. With {booking.agent.name}. Total {booking.total}.")
        event.add("status", "CANCELLED" if booking.status == "cancelled" else "CONFIRMED" if booking.status == "approved" else "TENTATIVE")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
