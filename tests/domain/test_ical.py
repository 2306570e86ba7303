"""Calendar files carry the booking in its location's time zone."""
from __future__ import annotations

from icalendar import Calendar

from app.domain.booking import create_booking
from app.domain.ical import bookings_ics
from tests import builders as b


def test_ics_has_the_booking_in_the_location_zone(session, now):
    _, svc, _ = b.basic_setup(session, tz="Europe/Berlin")
    booking = create_booking(session, b.request(svc.id, day="2026-11-24", at="10:00"), actor=b.STAFF, now=now).booking
    data = bookings_ics([booking], business_name="Sparkle & Fix", now=now)
    calendar = Calendar.from_ical(data)
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Berlin" and start.hour == 10
    assert start == booking.start_at
    assert event.decoded("dtend") == booking.end_at
    assert booking.booking_code in str(event["description"])
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Europe/Berlin" in data
