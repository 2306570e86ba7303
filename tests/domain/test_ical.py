"""Calendar files carry the booking in its location's time zone."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from app.domain.booking import BookingChanges, create_booking, update_booking
from app.domain.ical import bookings_ics
from tests import builders as b


def test_ics_has_the_booking_in_the_location_zone(session, now):
    _, svc, _ = b.basic_setup(session, tz="Europe/Berlin")
    booking = create_booking(session, b.request(svc.id, day="2026-11-24", at="10:00"), actor=b.STAFF, now=now).booking
    data = bookings_ics([booking], business_name="Sparkle & Fix")
    calendar = Calendar.from_ical(data)
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Berlin" and start.hour == 10
    assert start == booking.start_at
    assert event.decoded("dtend") == booking.end_at
    assert booking.booking_code in str(event["description"])
    assert b"BEGIN:VTIMEZONE" in data and b"TZID:Europe/Berlin" in data


def test_a_download_carries_the_bookings_version_and_last_change(session, now):
    _, svc, _ = b.basic_setup(session)
    booking = create_booking(session, b.request(svc.id, day="2026-11-24", at="10:00"), actor=b.STAFF, now=now).booking
    later = now + timedelta(minutes=5)
    update_booking(session, booking.id, BookingChanges(notes="Side door"), actor=b.STAFF, now=later)
    [event] = Calendar.from_ical(bookings_ics([booking], business_name="Sparkle & Fix")).walk("VEVENT")
    assert int(event["sequence"]) == booking.version == 2
    assert event.decoded("last-modified") == event.decoded("dtstamp") == later
    assert str(event["uid"]) == f"booking-{booking.booking_code}@booking-portal.local"
