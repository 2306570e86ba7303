"""Calendar files carry the booking in its location's time zone."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar

from app.domain.booking import BookingChanges, create_booking, update_booking
from app.domain.ical import bookings_ics
from app.domain.settings import Settings
from tests import builders as b


def test_ics_has_the_booking_in_the_location_zone(session, now):
    _, svc, _ = b.basic_setup(session, tz="Europe/Berlin")
    booking = create_booking(session, b.request(svc.id, day="2026-11-24", at="10:00"), actor=b.STAFF, now=now).booking
    data = bookings_ics([booking], settings=Settings(business_name="Sparkle & Fix"))
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
    [event] = Calendar.from_ical(bookings_ics([booking], settings=Settings(business_name="Sparkle & Fix"))).walk("VEVENT")
    assert int(event["sequence"]) == booking.version == 2
    assert event.decoded("last-modified") == event.decoded("dtstamp") == later
    assert str(event["uid"]) == f"booking-{booking.booking_code}@booking-portal.local"


def test_the_event_says_where_in_full_and_the_total_in_the_locations_money(session, now):
    """LOCATION is the whole service address (street, city, state, zip), not the street
    alone; DESCRIPTION's total carries its currency (the office's, else the business's)."""
    loc, svc, _ = b.basic_setup(session, tz="Europe/Berlin")
    loc.currency = "EUR"
    session.commit()
    request = b.request(svc.id, day="2026-11-24", at="10:00", address="Torstr. 1", city="Berlin", zip="10119")
    booking = create_booking(session, request, actor=b.STAFF, now=now).booking
    settings = Settings(business_name="Sparkle & Fix", business_locale="de_DE")
    [event] = Calendar.from_ical(bookings_ics([booking], settings=settings)).walk("VEVENT")
    assert str(event["location"]) == "Torstr. 1, Berlin, 10119"
    assert "Total 100,00\xa0€." in str(event["description"])
    loc.currency = None
    session.commit()
    [event] = Calendar.from_ical(bookings_ics([booking], settings=Settings(business_name="Sparkle & Fix"))).walk("VEVENT")
    assert "Total $100.00." in str(event["description"])
