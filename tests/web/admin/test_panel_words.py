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
