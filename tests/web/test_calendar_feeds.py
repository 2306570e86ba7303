"""Private calendar subscription links, driven through the pages and fetched as a
calendar app would: no login, only the URL."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from icalendar import Calendar
from sqlalchemy import event, select

from app.domain import accounts, feeds
from app.domain.booking import cancel_booking, create_booking
from app.domain.models import Agent, Booking, CalendarFeed
from tests import builders as b
from tests.web.helpers import csrf_from, submit
from tests.conftest import DAY, NOW
LINK = re.compile(r'id="calendar-feed-url" value="([^"]+)"')


@pytest.fixture
def business(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    alex = b.agent(session, [svc], loc, name="Alex Agent")
    bo = b.agent(session, [svc], loc, name="Bo Agent", email="bo@example.com")
    session.commit()
    casey = accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", first_name="Sam", now=NOW)
    now = NOW
    mine = create_booking(session, b.request(svc.id, day=DAY, at="10:00", agent_id=alex.id, customer_id=casey.id), actor=b.STAFF, now=now).booking
    gone = create_booking(session, b.request(svc.id, day=DAY, at="13:00", agent_id=alex.id, customer_id=casey.id), actor=b.STAFF, now=now).booking
    cancel_booking(session, gone.id, actor=b.STAFF, now=now, notify=False)
    theirs = create_booking(session, b.request(svc.id, day=DAY, at="10:00", agent_id=bo.id,
                                               customer=b.CustomerInput("Jo", "Doe", "jo@example.com", "")), actor=b.STAFF, now=now).booking
    return {"alex": alex.id, "bo": bo.id, "mine": mine.booking_code, "gone": gone.booking_code, "theirs": theirs.booking_code}


def _login(client, email):
    submit(client, "/login", {"email": email, "password": "correct-horse"})


def _link(client, page):
    found = LINK.search(client.get(page).get_data(as_text=True))
    return found.group(1) if found else None


def _codes(feed_body: bytes) -> list[str]:
    calendar = Calendar.from_ical(feed_body)
    return sorted(str(event["description"]).split()[2].rstrip(".") for event in calendar.walk("VEVENT"))


def test_a_customer_subscribes_without_logging_in_then_replaces_and_ends_the_link(app, client, session, business):
    _login(client, "casey@example.com")
    assert _link(client, "/profile") is None
    response = submit(client, "/profile", {"action": "regenerate"}, post_url="/profile/calendar-feed")
    assert response.status_code == 303
    url = _link(client, "/profile")
    assert url and url.startswith("http://portal.test/calendar/") and url.endswith(".ics")

    calendar_app = app.test_client()  # no cookies: the URL is the only credential
    feed = calendar_app.get(url)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert _codes(feed.data) == [business["mine"]]  # not the cancelled one, not another customer's
    calendar = Calendar.from_ical(feed.data)
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == datetime.fromisoformat(f"{DAY}T15:00:00+00:00")
    assert str(calendar["x-wr-calname"]).endswith("bookings")
    # Only a hash of the secret is stored.
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    stored = session.scalars(select(CalendarFeed)).one()
    assert token not in (stored.token_hash, stored.nonce)

    submit(client, "/profile", {"action": "regenerate"}, post_url="/profile/calendar-feed")
    new_url = _link(client, "/profile")
    assert new_url != url
    assert calendar_app.get(url).status_code == 404
    assert calendar_app.get(new_url).status_code == 200

    submit(client, "/profile", {"action": "revoke"}, post_url="/profile/calendar-feed")
    assert _link(client, "/profile") is None
    assert calendar_app.get(new_url).status_code == 404


def test_an_agent_link_from_the_back_office_serves_that_agents_bookings(app, client, business):
    _login(client, "staff@example.com")
    page = f"/admin/manage/agents/{business['bo']}/hours"
    assert "Create a calendar link" in client.get(page).get_data(as_text=True)
    response = submit(client, page, {"action": "regenerate"}, post_url=f"/admin/manage/agents/{business['bo']}/calendar-feed")
    assert response.status_code == 303
    url = _link(client, page)
    assert _codes(app.test_client().get(url).data) == [business["theirs"]]
    assert _link(client, f"/admin/manage/agents/{business['alex']}/hours") is None


def test_feed_links_use_the_configured_public_address(app, client, business):
    app.config["PUBLIC_URL"] = "https://book.example.com/"
    _login(client, "casey@example.com")
    submit(client, "/profile", {"action": "regenerate"}, post_url="/profile/calendar-feed")
    url = _link(client, "/profile")
    assert url.startswith("https://book.example.com/calendar/")
    path = url.removeprefix("https://book.example.com")
    assert app.test_client().get(path).status_code == 200


def test_changes_need_csrf_the_right_person_and_unknown_links_are_404(app, client, session, business):
    _login(client, "casey@example.com")
    assert client.post("/profile/calendar-feed", data={"action": "regenerate"}).status_code == 400  # no CSRF token
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    assert client.post(f"/admin/manage/agents/{business['alex']}/calendar-feed", data={"csrf_token": token}).status_code == 403
    assert session.scalars(select(CalendarFeed)).all() == []
    anonymous = app.test_client()
    assert anonymous.post("/profile/calendar-feed").status_code in (302, 400)
    for path in ("/calendar/nope.ics", "/calendar/.ics", "/calendar/" + "A" * 43 + ".ics"):
        assert anonymous.get(path).status_code == 404


def test_the_feed_does_not_query_per_booking(app, client, session, business):
    token = feeds.regenerate_feed(session, "agent", business["alex"], secret=app.config["SECRET_KEY"], now=NOW)
    calendar_app = app.test_client()

    def statements():
        counted = []
        engine = app.extensions["engine"]
        listener = lambda *a: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        body = calendar_app.get(f"/calendar/{token}.ics").data
        event.remove(engine, "before_cursor_execute", listener)
        return len(counted), len(Calendar.from_ical(body).walk("VEVENT"))

    statements()  # warm the settings cache, which the first request fills
    few, events = statements()
    alex = session.get(Agent, business["alex"])
    service_id = alex.services[0].id
    for hour in (11, 12, 14, 15):
        create_booking(session, b.request(service_id, day=DAY, at=f"{hour}:00", agent_id=alex.id,
                                          customer=b.CustomerInput("P", str(hour), f"p{hour}@example.com", "")), actor=b.STAFF, now=NOW)
    assert statements() == (few, events + 4)


def _events(body: bytes) -> dict[str, object]:
    """The feed's or download's events by booking code."""
    return {str(e["description"]).split()[2].rstrip("."): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_calendar_uids_never_change_when_the_business_is_renamed(app, client, session, business):
    accounts.create_user(session, email="admin@example.com", password="correct-horse", role="admin", first_name="Ada", now=NOW)
    _login(client, "casey@example.com")
    submit(client, "/profile", {"action": "regenerate"}, post_url="/profile/calendar-feed")
    feed_url = _link(client, "/profile")
    mine = session.scalars(select(Booking).where(Booking.booking_code == business["mine"])).one()
    before_feed = _events(app.test_client().get(feed_url).data)[business["mine"]]
    before_download = _events(client.get(f"/bookings/{mine.id}.ics").data)[business["mine"]]
    uid = str(before_feed["uid"])
    assert uid == str(before_download["uid"]) == f"booking-{business['mine']}@booking-portal.local"

    admin = app.test_client()
    _login(admin, "admin@example.com")
    values = {"business_name": "Sparkle and Fix Co", "default_timezone": "America/New_York", "slot_interval_minutes": "30",
              "horizon_weeks": "12", "cancellation_cutoff_hours": "24", "reminder_hours": "24",
              "business_locale": "en_US", "currency": "USD"}
    assert submit(admin, "/admin/settings", values).status_code == 303

    after_feed = _events(app.test_client().get(feed_url).data)[business["mine"]]
    after_download = _events(client.get(f"/bookings/{mine.id}.ics").data)[business["mine"]]
    assert "Sparkle and Fix Co" in str(after_feed["summary"])  # the rename is shown...
    assert str(after_feed["uid"]) == str(after_download["uid"]) == uid  # ...but the event is the same one
    assert "&" not in uid and " " not in uid


def test_the_uid_domain_is_a_setting(app, client, session, business):
    configured = create_app_with(app, CALENDAR_UID_DOMAIN="book.example.com")
    token = feeds.regenerate_feed(session, "agent", business["alex"], secret=configured.config["SECRET_KEY"], now=NOW)
    body = configured.test_client().get(f"/calendar/{token}.ics").data
    assert str(_events(body)[business["mine"]]["uid"]) == f"booking-{business['mine']}@book.example.com"
    configured.extensions["engine"].dispose()


def create_app_with(app, **settings):
    from app import create_app

    return create_app({k: v for k, v in app.config.items() if k in ("TESTING", "DATABASE_URL", "SECRET_KEY", "MAIL_DIR", "SERVER_NAME")} | settings)
