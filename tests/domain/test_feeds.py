"""Calendar feeds in the domain, with time pinned: which bookings a link serves, and
links that change or end."""
from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from app.domain import feeds
from app.domain.booking import cancel_booking, create_booking
from app.domain.errors import NotFound
from tests import builders as b
from tests.conftest import NOW

SECRET = "test-secret"


def _book(session, svc, agent, when, email="casey@example.com"):
    # Booked a while before `when`, so past bookings can exist at NOW.
    request = b.request(svc.id, when, agent_id=agent.id, customer=b.CustomerInput("Casey", "C", email, ""))
    return create_booking(session, request, actor=b.STAFF, now=when - timedelta(days=1)).booking


def _codes(body: bytes) -> set[str]:
    return {str(e["uid"]).split("-", 1)[1].split("@")[0] for e in Calendar.from_ical(body).walk("VEVENT")}


def test_a_link_serves_recent_and_upcoming_active_bookings_of_its_owner(session):
    loc, svc, alex = b.basic_setup(session, max_days_ahead=5000, min_notice_minutes=0)
    bo = b.agent(session, [svc], loc, name="Bo", email="bo@example.com")
    session.commit()
    long_ago = _book(session, svc, alex, NOW - timedelta(days=40))
    last_week = _book(session, svc, alex, NOW - timedelta(days=7))
    soon = _book(session, svc, alex, NOW + timedelta(days=2))
    called_off = _book(session, svc, alex, NOW + timedelta(days=3))
    cancel_booking(session, called_off.id, actor=b.STAFF, now=NOW, notify=False)
    others = _book(session, svc, bo, NOW + timedelta(days=2), email="jo@example.com")

    token = feeds.regenerate_feed(session, "agent", alex.id, secret=SECRET, now=NOW)
    assert _codes(feeds.feed_ics(session, token, now=NOW)) == {last_week.booking_code, soon.booking_code}
    customer_token = feeds.regenerate_feed(session, "customer", soon.customer_id, secret=SECRET, now=NOW)
    assert _codes(feeds.feed_ics(session, customer_token, now=NOW)) == {last_week.booking_code, soon.booking_code}
    assert {long_ago.booking_code, others.booking_code, called_off.booking_code}.isdisjoint(
        _codes(feeds.feed_ics(session, token, now=NOW)) | _codes(feeds.feed_ics(session, customer_token, now=NOW)))


def test_links_are_shown_again_replaced_and_ended(session):
    loc, svc, alex = b.basic_setup(session)
    assert feeds.feed_token(session, "agent", alex.id, secret=SECRET) is None
    first = feeds.regenerate_feed(session, "agent", alex.id, secret=SECRET, now=NOW)
    assert feeds.feed_token(session, "agent", alex.id, secret=SECRET) == first
    assert feeds.feed_token(session, "agent", alex.id, secret="another-key") != first  # SECRET_KEY ends links
    second = feeds.regenerate_feed(session, "agent", alex.id, secret=SECRET, now=NOW)
    assert second != first
    with pytest.raises(NotFound):
        feeds.feed_ics(session, first, now=NOW)
    assert feeds.revoke_feed(session, "agent", alex.id) is True
    with pytest.raises(NotFound):
        feeds.feed_ics(session, second, now=NOW)
    assert feeds.revoke_feed(session, "agent", alex.id) is False


def test_unknown_owners_get_no_link(session):
    loc, svc, alex = b.basic_setup(session)
    staff = b.customer(session, "staff@example.com")
    staff.role = "staff"
    session.commit()
    for kind, owner in (("agent", 999), ("customer", staff.id), ("robot", alex.id)):
        with pytest.raises(NotFound):
            feeds.regenerate_feed(session, kind, owner, secret=SECRET, now=NOW)
