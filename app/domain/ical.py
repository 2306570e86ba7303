"""iCalendar (.ics) for bookings, with the location's time zone, via `icalendar`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking
from .timeutil import zone


def booking_uid(booking: Booking, business_name: str) -> str:
    """The event's UID: the same in every file about one booking (download, feed and each
    e-mail), so calendar apps update the one event instead of adding another."""
    return f"booking-{booking.booking_code}@{business_name.lower().replace(' ', '-')}"


def _event(booking: Booking, business_name: str, now: datetime, status: str | None = None) -> Event:
    tz = zone(booking.location.timezone)
    event = Event()
    event.add("uid", booking_uid(booking, business_name))
    event.add("dtstamp", now)
    event.add("dtstart", booking.start_at.astimezone(tz))
    event.add("dtend", booking.end_at.astimezone(tz))
    names = ", ".join(line.name for line in booking.lines) or booking.service.name
    event.add("summary", f"{names} ({business_name})")
    event.add("location", booking.address or booking.location.address)
    event.add("description", f"Booking code {booking.booking_code}. With {booking.agent.name}. Total {booking.total}.")
    status = status or booking.status
    event.add("status", "CANCELLED" if status == "cancelled" else "CONFIRMED" if status == "approved" else "TENTATIVE")
    return event


def bookings_ics(bookings: Iterable[Booking], *, business_name: str, now: datetime) -> bytes:
    """One calendar with an event per booking; times carry the location's zone (TZID),
    and the VTIMEZONE definitions are included so any client shows the right hour."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{business_name}//Booking portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for booking in bookings:
        calendar.add_component(_event(booking, business_name, now))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def booking_invitation(
    booking: Booking, *, sequence: int, cancel: bool, organizer: str, attendee: str, business_name: str, now: datetime,
    status: str | None = None,
) -> bytes:
    """The .ics an e-mail carries: METHOD:REQUEST (or CANCEL), the booking's stable UID and
    a SEQUENCE that rises with each change, so the attendee's calendar keeps one event
    and updates it (or removes it on CANCEL). `status` is the booking's status when the
    message was written (it may have changed again by the time it is sent)."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{business_name}//Booking portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = _event(booking, business_name, now, status)
    event.add("sequence", sequence)
    if cancel:
        event["status"] = vText("CANCELLED")
    # REQUEST and CANCEL need an organizer and the attendee, or clients ignore them.
    who = vCalAddress(f"mailto:{organizer}")
    who.params["cn"] = vText(business_name)
    event.add("organizer", who)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params.update({"role": vText("REQ-PARTICIPANT"), "partstat": vText("ACCEPTED"), "rsvp": vText("FALSE")})
    event.add("attendee", guest)
    calendar.add_component(event)
    # The zone's rules around the visit are enough; all of 1970-2038 would make every
    # e-mail's file tens of kilobytes and its building the slowest part of delivery.
    year = booking.start_at.year
    calendar.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1))
    return calendar.to_ical()
