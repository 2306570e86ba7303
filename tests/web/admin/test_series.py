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
from app.domain.models import Booking, BookingEvent
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


# Moving "this and all later visits" (issue 22) -------------------------------------------


def move_form(client, visit):
    return client.get(f"/admin/bookings/{visit.id}").get_data(as_text=True)


def post_move(client, visit, html, day, at, scope="this_and_future"):
    return client.post(f"/admin/bookings/{visit.id}/move", data={
        "csrf_token": csrf_from(html), "version": str(visit.version), "date": day.isoformat(), "time": at, "scope": scope})


def starts(session, visits):
    session.expire_all()
    return [session.get(Booking, v.id).start_at for v in visits]


def test_staff_move_this_and_all_later_visits_by_the_same_change(client, session, series):
    visits = series["visits"]
    before = starts(session, visits)
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    html = move_form(client, visits[2])
    later = len(visits) - 2
    assert f"This and all later visits ({later})" in html and "This visit" in html
    # Visit 3 is Tuesday Dec 15 at 10:00; Wednesday at 11:00 instead moves each later one a day and an hour on.
    answer = post_move(client, visits[2], html, FIRST + timedelta(days=15), "11:00")
    assert answer.status_code == 303
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"The {later - 1} later visits of its series moved with it, by the same change." in shown
    after = starts(session, visits)
    assert after[:2] == before[:2]
    assert [a - b for a, b in zip(after[2:], before[2:])] == [timedelta(days=1, hours=1)] * later
    moved = session.scalars(select(BookingEvent).where(BookingEvent.action == "moved")).all()
    assert sorted(e.booking_id for e in moved) == sorted(v.id for v in visits[2:])  # each in its own history


def test_one_visit_that_clashes_stops_the_whole_series_move_and_is_named(client, session, series):
    visits = series["visits"]
    before = starts(session, visits)
    # Someone else already has Alex on Wednesday Dec 23 at 11:00, where visit 5 would go.
    create_booking(session, b.request(series["service"].id, day=(FIRST + timedelta(days=22)).isoformat(), at="11:00",
                                      agent_id=series["agent"].id, customer=CustomerInput("Sam", "Other", "sam@example.com")),
                   actor=b.STAFF, now=NOW)
    session.commit()
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    answer = post_move(client, visits[2], move_form(client, visits[2]), FIRST + timedelta(days=15), "11:00")
    assert answer.status_code == 303
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    code = session.get(Booking, visits[3].id).booking_code
    assert f"Nothing was moved: the visit of Tue, Dec 22, 2026" in shown and f"({code}) cannot move." in shown and "is not free: it clashes with Alex Agent" in shown
    assert starts(session, visits) == before
    assert session.scalars(select(BookingEvent).where(BookingEvent.action == "moved")).all() == []


def test_this_visit_only_moves_one(client, session, series):
    visits = series["visits"]
    before = starts(session, visits)
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    post_move(client, visits[2], move_form(client, visits[2]), FIRST + timedelta(days=15), "11:00", scope="this")
    after = starts(session, visits)
    assert [i for i, (a, b_) in enumerate(zip(after, before)) if a != b_] == [2]


def test_the_customers_move_page_still_moves_one_visit(client, session, series):
    visits = series["visits"]
    customer = session.scalars(select(b.User).where(b.User.email == "pat@example.com")).one()
    customer.password_hash = accounts.hash_password("correct-horse")
    session.commit()
    before = starts(session, visits)
    submit(client, "/login", {"email": "pat@example.com", "password": "correct-horse"})
    page = client.get(f"/bookings/{visits[2].id}/reschedule").get_data(as_text=True)
    assert "later visits" not in page
    answer = client.post(f"/bookings/{visits[2].id}/reschedule", data={
        "csrf_token": csrf_from(page), "date": (FIRST + timedelta(days=15)).isoformat(), "time": "11:00", "action": "move",
        "scope": "this_and_future"})
    assert answer.status_code == 303
    after = starts(session, visits)
    assert [i for i, (a, b_) in enumerate(zip(after, before)) if a != b_] == [2]
    assert client.post(f"/admin/bookings/{visits[2].id}/move", data={"csrf_token": csrf_from(page)}).status_code == 403


def test_a_series_moved_a_week_on_lands_each_visit_on_the_time_the_next_one_had(client, session, series):
    visits = series["visits"]
    before = starts(session, visits)
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    answer = post_move(client, visits[2], move_form(client, visits[2]), FIRST + timedelta(days=21), "10:00")
    assert answer.status_code == 303
    after = starts(session, visits)
    assert after[2:-1] == before[3:] and after[-1] == before[-1] + timedelta(days=7)
