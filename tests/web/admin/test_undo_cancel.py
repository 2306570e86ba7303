"""Undo right after a cancel (issue 22): for a few minutes after staff cancel a booking,
its panel offers Undo, which brings it back to the status it had if its time is still
free (the domain's reactivation check), recorded as "Cancellation undone". A clash
refuses with the reason; after the window, or for someone else's cancellation, there is
no Undo."""
from __future__ import annotations

from datetime import timedelta

from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking
from tests import builders as b
from tests.conftest import NOW
from tests.web.admin.conftest import DAY, login_as
from tests.web.helpers import csrf_from

UNDO = "Undo<span class=\"visually-hidden\"> the cancellation</span>"


def cancel(client, booking):
    page = client.get(f"/admin/bookings/{booking.id}/cancel").get_data(as_text=True)
    answer = client.post(f"/admin/bookings/{booking.id}/status", data={
        "csrf_token": csrf_from(page), "version": str(booking.version), "status": "cancelled", "reason": "Wrong day"})
    assert answer.status_code == 303
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def undo(client, session, booking):
    session.expire_all()
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    version = session.get(Booking, booking.id).version
    answer = client.post(f"/admin/bookings/{booking.id}/undo-cancel", data={"csrf_token": csrf_from(panel), "version": str(version)})
    assert answer.status_code == 303
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def test_staff_undo_a_cancel_and_the_booking_is_back_as_it_was(client, session, booked):
    login_as(client, "staff")
    panel = cancel(client, booked)
    assert "is now cancelled" in panel and UNDO in panel
    shown = undo(client, session, booked)
    assert f"Cancellation undone: booking {booked.booking_code} is pending again." in shown
    session.expire_all()
    assert session.get(Booking, booked.id).status == "pending"
    assert "<strong>Cancellation undone</strong>" in shown and "Status: Cancelled → Pending" in shown
    assert UNDO not in shown


def test_undo_is_refused_with_the_reason_when_the_time_was_taken_meanwhile(client, session, booked):
    login_as(client, "staff")
    cancel(client, booked)
    create_booking(session, b.request(booked.service_id, day=DAY, at="10:00", agent_id=booked.agent_id,
                                      customer=CustomerInput("Other", "Person", "other@example.com")), actor=b.STAFF, now=NOW)
    session.commit()
    shown = undo(client, session, booked)
    assert "Not undone: " in shown and "is not free: it clashes with Alex Agent" in shown
    session.expire_all()
    assert session.get(Booking, booked.id).status == "cancelled"


def test_no_undo_after_ten_minutes(app, client, session, booked):
    login_as(client, "staff")
    cancel(client, booked)
    app.config["NOW"] = NOW + timedelta(minutes=11)
    panel = client.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    assert UNDO not in panel
    shown = undo(client, session, booked)
    assert "Not undone: A cancellation can be undone for 10 minutes" in shown
    session.expire_all()
    assert session.get(Booking, booked.id).status == "cancelled"


def test_only_the_one_who_cancelled_is_offered_undo(client, session, booked):
    login_as(client, "staff")
    cancel(client, booked)
    other = client.application.test_client()
    login_as(other, "admin")
    panel = other.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    assert UNDO not in panel
    shown = undo(other, session, booked)
    assert "Not undone: Only a cancellation you just made can be undone" in shown
