"""What the booking panel says (issue 22): people's words for a no-show, a reason given
rather than "none → …", and a page with a main heading."""
from __future__ import annotations

import re
from datetime import timedelta

from app.domain.booking import create_booking
from tests import builders as b
from tests.conftest import NOW
from tests.web.admin.conftest import login_as
from tests.web.helpers import csrf_from


def test_no_show_cancel_reason_and_heading(client, session, booked):
    login_as(client, "staff")
    started = create_booking(session, b.request(booked.service_id, when=NOW - timedelta(hours=2)), actor=b.STAFF,
                             now=NOW - timedelta(days=3)).booking
    token = csrf_from(client.get("/").get_data(as_text=True))
    marked = client.post(f"/admin/bookings/{started.id}/status", data={"csrf_token": token, "status": "no_show",
                                                                        "version": started.version}, follow_redirects=True)
    text = marked.get_data(as_text=True)
    assert f"Booking {started.booking_code} is now marked as a no-show." in text and "is now no show" not in text

    cancelled = client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, "status": "cancelled", "version": booked.version,
                                                                         "reason": "Customer moved away"}, follow_redirects=True)
    assert cancelled.status_code == 200
    page = client.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    assert re.search(r"<h1[^>]*>Booking " + booked.booking_code + "</h1>", page)
    history = page.split('class="history"')[1]
    assert "Customer moved away" in history and "none →" not in history


def test_an_admin_reopens_a_completed_booking_and_staff_cannot(app, session, booked):
    started = create_booking(session, b.request(booked.service_id, when=NOW - timedelta(hours=3)), actor=b.STAFF,
                             now=NOW - timedelta(days=3)).booking
    from app.domain.booking import change_status

    done = change_status(session, started.id, "completed", actor=b.STAFF, now=NOW)
    staff = login_as(app.test_client(), "staff")
    staff_panel = staff.get(f"/admin/bookings/{started.id}").get_data(as_text=True)
    assert ">Reopen<" not in staff_panel
    token = csrf_from(staff_panel)
    refused = staff.post(f"/admin/bookings/{started.id}/status", data={"csrf_token": token, "status": "approved",
                                                                       "version": done.version}, follow_redirects=True)
    assert "Only an admin can change a completed booking to approved." in refused.get_data(as_text=True)
    admin = login_as(app.test_client(), "admin")
    panel = admin.get(f"/admin/bookings/{started.id}").get_data(as_text=True)
    assert ">Reopen<" in panel
    reopened = admin.post(f"/admin/bookings/{started.id}/status", data={"csrf_token": csrf_from(panel), "status": "approved",
                                                                        "version": done.version}, follow_redirects=True)
    assert f"Booking {started.booking_code} is now approved." in reopened.get_data(as_text=True)
    session.expire_all()
    history = admin.get(f"/admin/bookings/{started.id}").get_data(as_text=True).split('class="history"')[1]
    assert "Status: Completed → Approved" in history and "by Admin" in history  # recorded, with who
