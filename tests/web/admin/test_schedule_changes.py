"""Schedule changes that would strand bookings say so before saving: new hours or time
off over coming bookings are not saved until staff choose "Save anyway", the bookings
are listed with the reason and a link to move or reassign them, and approving a booking
the schedule does not cover warns."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking, TimeOff, WorkingHours
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

FRIDAY = NOW.date() + timedelta(days=4)  # Friday 27 November 2026
HOURS = {d: "09:00-17:00" for d in range(7)}


@pytest.fixture
def maria(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    agent = b.agent(session, [svc], loc, name="Maria Lopez", email="maria@example.com")
    session.commit()
    booking = create_booking(session, b.request(svc.id, day=FRIDAY.isoformat(), at="09:30", status="pending",
                                                customer=CustomerInput("Skyler", "Novak", "skyler@example.com")),
                             actor=b.STAFF, now=NOW).booking
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="admin", now=NOW)
    session.commit()
    return agent, booking


def friday_hours(session, agent):
    session.expire_all()
    return [(wh.start_time, wh.end_time) for wh in session.scalars(select(WorkingHours).where(
        WorkingHours.agent_id == agent.id, WorkingHours.weekday == 4))]


def test_new_hours_that_would_strand_a_booking_are_not_saved_until_staff_say_so(client, session, maria):
    agent, booking = maria
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    url = f"/admin/manage/agents/{agent.id}/hours"
    page = client.get(url).get_data(as_text=True)
    hours = {f"day-{d}": text for d, text in HOURS.items()} | {"day-4": "11:00-17:00", "mode": "text"}
    answer = client.post(url, data={"csrf_token": csrf_from(page), **hours})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Not saved: This change would leave 1 booking outside the schedule." in html
    assert f'href="/admin/bookings/{booking.id}"' in html and "Skyler Novak" in html and "outside working hours" in html
    assert friday_hours(session, agent) == [(time(9), time(17))]  # unchanged
    assert 'name="strand_ok" value="1"' in html and 'name="day-4" value="11:00-17:00"' in html
    saved = client.post(url, data={"csrf_token": csrf_from(html), **hours, "strand_ok": "1"})
    assert saved.status_code == 303
    assert friday_hours(session, agent) == [(time(11), time(17))]
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert f"1 booking of Maria Lopez outside the schedule: {booking.booking_code} (outside working hours)." in shown
    # Approving it now warns that the schedule does not cover it.
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    approved = client.post(f"/admin/bookings/{booking.id}/status", data={
        "csrf_token": csrf_from(panel), "version": str(booking.version), "status": "approved"})
    assert "Maria Lopez&#39;s schedule does not cover this booking (outside working hours)" in \
        client.get(approved.headers["Location"]).get_data(as_text=True)


def test_hours_that_still_cover_every_booking_save_at_once(client, session, maria):
    agent, _ = maria
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    url = f"/admin/manage/agents/{agent.id}/hours"
    page = client.get(url).get_data(as_text=True)
    hours = {f"day-{d}": text for d, text in HOURS.items()} | {"day-4": "08:00-15:00", "mode": "text"}
    assert client.post(url, data={"csrf_token": csrf_from(page), **hours}).status_code == 303
    assert friday_hours(session, agent) == [(time(8), time(15))]


def test_time_off_over_a_booking_is_not_added_until_staff_say_so(client, session, maria):
    agent, booking = maria
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    page = client.get(f"/admin/manage/agents/{agent.id}/hours").get_data(as_text=True)
    off = {"start": f"{FRIDAY}T09:00", "end": f"{FRIDAY}T12:00", "reason": "Dentist"}
    url = f"/admin/manage/agents/{agent.id}/time-off"
    answer = client.post(url, data={"csrf_token": csrf_from(page), **off})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "in time off (Dentist)" in html and booking.booking_code in html
    assert session.scalars(select(TimeOff)).all() == []
    saved = client.post(url, data={"csrf_token": csrf_from(html), **off, "strand_ok": "1"})
    assert saved.status_code == 303 and len(session.scalars(select(TimeOff)).all()) == 1
    session.expire_all()
    assert session.get(Booking, booking.id).status == "pending"  # stranded, not changed: staff decide
