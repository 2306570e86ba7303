"""Staff may book or move outside an agent's working hours or into their time off, with a
second confirmation, never over another booking (issue 22). Every refusal names its
reason: the booking it clashes with (code, customer, time), the time off, the hours. The
history names the override. Customers' paths stay strict.

The shop (tests/web/test_offered_is_accepted.py): on Wednesday Alex Early works
08:00-14:00 and has Jo Doe's 10:00-12:00 clean (30 min buffer after); Bo Late works
12:00-19:00 and is off from 15:00 (New York)."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain import accounts
from app.domain.models import Booking, BookingEvent
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit
from tests.web.test_offered_is_accepted import customer_values, form_page, shop  # noqa: F401 - the fixture

OUTSIDE_ALEX = "outside Alex Early&#39;s working hours (8:00\u202fAM–2:00\u202fPM on Wednesday)"


def overrides(session, booking_id):
    session.expire_all()
    return [e.changes["override"][1] for e in session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id))
            if "override" in e.changes]


def jo_booking(session):
    return session.scalars(select(Booking)).one()  # Wednesday 10:00 with Alex, for Jo Doe


def staff_form(client, session, shop, **over):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    return customer, customer_values(shop, shop["busy_day"], customer_id=str(customer.id), **over)


def book(client, values, nonce="n1", **extra):
    html = form_page(client, "/admin/bookings/new", values)
    return client.post("/admin/bookings/new", data={"csrf_token": csrf_from(html), "nonce": nonce, "action": "book", **values, **extra})


def test_the_staff_form_names_the_working_hours_and_books_outside_them_once_confirmed(client, shop, session):
    customer, values = staff_form(client, session, shop, agent_id=str(shop["alex"]), other_time="06:30")
    refused = book(client, values)
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert OUTSIDE_ALEX in page
    assert 'name="override_hours"' in page and "Book anyway outside working hours" in page
    assert session.scalars(select(Booking).where(Booking.customer_id == customer.id)).first() is None

    made = book(client, values, override_hours="1")
    assert made.status_code == 303, made.get_data(as_text=True)[:500]
    booking = session.scalars(select(Booking).where(Booking.customer_id == customer.id)).one()
    assert booking.start_at == b.at_utc(f"{shop['busy_day']}T11:30:00") and booking.agent_id == shop["alex"]
    assert overrides(session, booking.id) == ["Booked outside working hours (Alex Early: 8:00\u202fAM–2:00\u202fPM on Wednesday)"]
    panel = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Booked outside working hours" in panel


def test_the_staff_form_never_books_over_another_booking_and_names_it(client, shop, session):
    customer, values = staff_form(client, session, shop, agent_id=str(shop["alex"]), other_time="11:00")
    jo = jo_booking(session)
    for extra in ({}, {"override_hours": "1"}):
        refused = book(client, values, **extra)
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert f"clashes with Alex Early&#39;s booking {jo.booking_code} (Jo Doe, Wed, Nov 25, 10:00\u202fAM–12:00\u202fPM)" in page
        assert 'name="override_hours"' not in page
    assert session.scalars(select(Booking).where(Booking.customer_id == customer.id)).first() is None


def test_the_staff_form_names_time_off(client, shop, session):
    _, values = staff_form(client, session, shop, agent_id=str(shop["bo"]), other_time="16:00")
    page = book(client, values).get_data(as_text=True)
    assert "during Bo Late&#39;s time off (Wed, Nov 25, 3:00\u202fPM–6:59\u202fPM)" in page
    assert "Book anyway during time off" in page


def test_the_customer_form_stays_strict_whatever_it_sends(client, shop, session):
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    values = customer_values(shop, shop["busy_day"], agent_id=str(shop["alex"]))
    html = form_page(client, "/book", values)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    answer = client.post("/book", data={"csrf_token": csrf_from(html), "nonce": nonce, "action": "book", **values, "time": "06:00",
                                        "override_hours": "1"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "that time was just taken" in page and "working hours" not in page and 'name="override_hours"' not in page
    assert session.scalars(select(Booking)).all() == [jo_booking(session)]


def api_headers(session):
    _, key = accounts.create_api_key(session, name="sync", scope="write", now=NOW)
    return {"X-API-Key": key}


def test_the_staff_api_names_time_off_and_books_into_it_with_override_hours(client, shop, session):
    headers = api_headers(session)
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    body = {"service_id": shop["clean"], "agent_id": shop["bo"], "start_date": shop["busy_day"].isoformat(), "start_time": "16:00",
            "customer_id": customer.id, "location_id": shop["location"]}
    refused = client.post("/api/v1/bookings", headers=headers, json=body)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "slot_unavailable"
    assert "during Bo Late's time off (Wed, Nov 25, 3:00\u202fPM–6:59\u202fPM)" in error["message"]
    assert error["details"] == {"reason": "time_off", "overridable": True}

    made = client.post("/api/v1/bookings", headers=headers, json=body | {"override_hours": True})
    assert made.status_code == 201, made.get_json()
    booking_id = made.get_json()["data"]["id"]
    assert overrides(session, booking_id) == ["Booked into time off (Bo Late: Wed, Nov 25, 3:00\u202fPM–6:59\u202fPM)"]


def test_the_staff_api_never_overrides_a_clash_and_names_the_booking(client, shop, session):
    headers = api_headers(session)
    jo = jo_booking(session)
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    body = {"service_id": shop["clean"], "agent_id": shop["alex"], "start_date": shop["busy_day"].isoformat(), "start_time": "09:00",
            "customer_id": customer.id, "location_id": shop["location"], "override_hours": True}
    refused = client.post("/api/v1/bookings", headers=headers, json=body)
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["details"] == {"reason": "clash", "overridable": False, "booking_code": jo.booking_code}
    assert f"booking {jo.booking_code} (Jo Doe, Wed, Nov 25, 10:00\u202fAM–12:00\u202fPM)" in error["message"]


def test_the_staff_api_moves_outside_working_hours_with_override_hours(client, shop, session):
    headers = api_headers(session)
    jo = jo_booking(session)
    move = {"start_date": shop["busy_day"].isoformat(), "start_time": "14:00"}
    refused = client.patch(f"/api/v1/bookings/{jo.id}", headers=headers, json=move)
    assert refused.status_code == 409
    assert "outside Alex Early's working hours (8:00\u202fAM–2:00\u202fPM on Wednesday)" in refused.get_json()["error"]["message"]
    moved = client.patch(f"/api/v1/bookings/{jo.id}", headers=headers, json=move | {"override_hours": True})
    assert moved.status_code == 200, moved.get_json()
    assert overrides(session, jo.id) == ["Moved outside working hours (Alex Early: 8:00\u202fAM–2:00\u202fPM on Wednesday)"]


def test_the_openapi_document_describes_override_hours(client, shop, session):
    document = client.get("/api/v1/openapi.json").get_json()
    text = str(document)
    assert "override_hours" in text and "overridable" in text


def test_a_drag_outside_hours_is_refused_with_the_offer_and_moved_once_confirmed(client, shop, session):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    jo = jo_booking(session)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "date": shop["busy_day"].isoformat(), "time": "07:00", "agent_id": str(shop["alex"]),
            "version": str(jo.version)}
    refused = client.post(f"/admin/bookings/{jo.id}/move", headers={"Accept": "application/json"}, data=data)
    assert refused.status_code == 409
    answer = refused.get_json()
    assert answer["override"] == "Move anyway outside working hours"
    assert "outside Alex Early's working hours (8:00\u202fAM–2:00\u202fPM on Wednesday)" in answer["message"]
    moved = client.post(f"/admin/bookings/{jo.id}/move", headers={"Accept": "application/json"}, data=data | {"override_hours": "1"})
    assert moved.status_code == 200, moved.get_json()
    assert overrides(session, jo.id) == ["Moved outside working hours (Alex Early: 8:00\u202fAM–2:00\u202fPM on Wednesday)"]


def test_the_panel_move_form_offers_the_second_confirmation_and_moves_into_time_off(client, shop, session):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    jo = jo_booking(session)
    panel = client.get(f"/admin/bookings/{jo.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="other_time"' in panel
    data = {"csrf_token": csrf_from(panel), "date": shop["busy_day"].isoformat(), "other_time": "15:30", "agent_id": str(shop["bo"]),
            "version": str(jo.version)}
    refused = client.post(f"/admin/bookings/{jo.id}/move", headers={"HX-Request": "true"}, data=data)
    page = refused.get_data(as_text=True)
    assert "during Bo Late&#39;s time off (Wed, Nov 25, 3:00\u202fPM–6:59\u202fPM)" in page
    assert "Move anyway into time off" in page and 'name="override_hours" value="1"' in page
    confirm = re.search(r'<form method="post" class="override-confirm".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', confirm))
    assert fields["time"] == "15:30" and fields["agent_id"] == str(shop["bo"])
    moved = client.post(f"/admin/bookings/{jo.id}/move", headers={"HX-Request": "true"}, data=fields)
    assert moved.status_code == 200 and moved.headers.get("HX-Trigger") == "booking-moved"
    session.expire_all()
    assert session.get(Booking, jo.id).agent_id == shop["bo"]
    assert overrides(session, jo.id) == ["Moved into time off (Bo Late: Wed, Nov 25, 3:00\u202fPM–6:59\u202fPM)"]


def test_a_customer_move_stays_strict(client, shop, session):
    """The customer API takes no override_hours (its bodies refuse unknown fields); the
    move service refuses customers the override whatever they are called with."""
    jo = jo_booking(session)
    from app.domain.actor import Actor
    from app.domain.booking import reschedule_booking
    from app.domain.errors import SlotUnavailable

    customer = Actor.for_user(session.get(b.User, jo.customer_id))
    try:
        reschedule_booking(session, jo.id, start_date=shop["busy_day"].isoformat(), start_time="07:00", actor=customer, now=NOW,
                           override_hours=True)
    except SlotUnavailable as error:
        assert error.message == "That time is not available: the agent is busy, off or outside working hours."
    else:
        raise AssertionError("a customer moved outside working hours")


def test_a_staff_series_names_why_each_skipped_visit_was_not_booked(client, shop, session):
    from datetime import timedelta

    weekly = b.frequency(session, "Weekly", "week", 1, "0")
    alex = session.get(b.Agent, shop["alex"])
    first = shop["busy_day"] - timedelta(days=1)  # Tuesday, Alex free from 8:00
    next_week = first + timedelta(days=7)
    b.time_off(session, alex, b.at_utc(f"{next_week}T05:00:00"), b.at_utc(f"{next_week + timedelta(days=1)}T05:00:00"))
    session.commit()
    _, values = staff_form(client, session, shop, agent_id=str(shop["alex"]), frequency_id=str(weekly.id), date=first.isoformat())
    made = book(client, values, time="08:00")
    assert made.status_code == 303, made.get_data(as_text=True)[:500]
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "during Alex Early&#39;s time off (Tue, Dec 1, 12:00\u202fAM – Wed, Dec 2, 12:00\u202fAM)" in page
