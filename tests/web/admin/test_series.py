"""Recurring series in the back office: the panel says which visit of which series this
is and lists them all; cancelling offers "this and all later visits"; creating a series
names every date it could not book."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

FIRST = NOW.date() + timedelta(days=8)  # Tuesday 1 December


@pytest.fixture
def series(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    alex = b.agent(session, [svc], loc, name="Alex Agent")
    weekly = b.frequency(session, "Weekly", "week", 1, "10")
    session.commit()
    result = create_booking(session, b.request(svc.id, day=FIRST.isoformat(), at="10:00", frequency_id=weekly.id,
                                               customer=CustomerInput("Pat", "Doe", "pat@example.com")), actor=b.STAFF, now=NOW)
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", now=NOW)
    session.commit()
    return {"visits": result.bookings, "service": svc, "agent": alex, "weekly": weekly, "location": loc}


def test_the_panel_says_which_visit_of_the_series_this_is_and_lists_them_all(client, series):
    visits = series["visits"]
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    html = client.get(f"/admin/bookings/{visits[2].id}").get_data(as_text=True)
    assert f"Visit 3 of {len(visits)} · Weekly" in html
    assert f'href="/admin/bookings/{visits[0].id}"' in html and f'href="/admin/bookings/{visits[-1].id}"' in html
    assert re.search(r'<strong aria-current="true">Tue, Dec 15, 2026', html)


def test_staff_cancel_this_and_all_later_visits(client, session, series):
    visits = series["visits"]
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    page = client.get(f"/admin/bookings/{visits[2].id}/cancel").get_data(as_text=True)
    later = len(visits) - 2
    assert f"This and all later visits: {later} visits" in page and "This visit only" in page
    answer = client.post(f"/admin/bookings/{visits[2].id}/status", data={
        "csrf_token": csrf_from(page), "version": str(visits[2].version), "status": "cancelled", "scope": "this_and_future",
        "reason": "Moving away"})
    assert answer.status_code == 303
    session.expire_all()
    statuses = [session.get(Booking, v.id).status for v in visits]
    assert statuses[:2] == ["approved", "approved"] and set(statuses[2:]) == {"cancelled"}
    assert session.get(Booking, visits[-1].id).cancellation_reason == "Moving away"
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"with the {later - 1} later visits of its series is now cancelled" in shown


def test_cancelling_one_visit_leaves_the_rest(client, session, series):
    visits = series["visits"]
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    page = client.get(f"/admin/bookings/{visits[1].id}/cancel").get_data(as_text=True)
    client.post(f"/admin/bookings/{visits[1].id}/status", data={
        "csrf_token": csrf_from(page), "version": str(visits[1].version), "status": "cancelled", "scope": "this"})
    session.expire_all()
    assert [session.get(Booking, v.id).status for v in visits[:3]] == ["approved", "cancelled", "approved"]


def test_a_new_series_names_each_date_it_could_not_book(client, session, series):
    b.time_off(session, series["agent"], b.at_utc("2026-12-22T00:00:00"), b.at_utc("2026-12-23T23:00:00"))
    session.commit()
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    customer = session.scalars(select(b.User).where(b.User.email == "pat@example.com")).one()
    form = client.get("/admin/bookings/new").get_data(as_text=True)
    values = {"services": str(series["service"].id), "frequency_id": str(series["weekly"].id), "location_id": str(series["location"].id),
              "date": FIRST.isoformat(), "time": "12:00", "agent_id": "any", "customer_id": str(customer.id), "address": "1 Elm St",
              "payment_method": "cash", "tip": "", "customer_notes": "", "action": "book", "nonce": "series-1"}
    answer = client.post("/admin/bookings/new", data={"csrf_token": csrf_from(form), **values})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:400]
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Not booked (1 of the series&#39; dates): Tuesday, December 22, 2026 at 12:00:" in shown


def test_the_staff_form_sent_twice_books_once_and_its_waiting_page_leads_to_the_booking(client, session, series):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    customer = session.scalars(select(b.User).where(b.User.email == "pat@example.com")).one()
    form = client.get("/admin/bookings/new").get_data(as_text=True)
    values = {"csrf_token": csrf_from(form), "services": str(series["service"].id), "frequency_id": "",
              "location_id": str(series["location"].id), "date": FIRST.isoformat(), "time": "12:00", "agent_id": "any",
              "customer_id": str(customer.id), "address": "1 Elm St", "payment_method": "cash", "action": "book", "nonce": "staff-1"}
    before = len(session.scalars(select(Booking)).all())
    first = client.post("/admin/bookings/new", data=values)
    again = client.post("/admin/bookings/new", data=values)
    assert first.status_code == 303 and again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "/admin/bookings/" in first.headers["Location"]
    waited = client.get("/admin/bookings/new/pending/staff-1")
    assert waited.status_code == 303 and waited.headers["Location"] == first.headers["Location"]
    assert len(session.scalars(select(Booking)).all()) == before + 1
