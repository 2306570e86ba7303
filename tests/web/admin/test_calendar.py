"""The back office calendar and the booking panel, by role."""
from __future__ import annotations


import pytest
from sqlalchemy import event

from app.domain.booking import change_status, create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking
from tests import builders as b
from tests.web.admin.conftest import DAY, login_as
from tests.web.helpers import csrf_from
from tests.conftest import NOW


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 302), ("customer", 403), ("staff", 200), ("admin", 200)])
def test_who_may_see_the_back_office(client, booked, role, expected):
    login_as(client, role)
    for url in (f"/admin/calendar?date={DAY}", f"/admin/bookings/{booked.id}"):
        response = client.get(url)
        assert response.status_code == expected, url
        if role == "anonymous":
            assert "/login" in response.headers["Location"]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    post = client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, "status": "approved", "version": "1"})
    assert post.status_code == (303 if expected == 200 else expected)


def test_the_day_view_draws_blocks_by_time_in_agent_columns(client, booked):
    login_as(client, "staff")
    html = client.get(f"/admin/calendar?date={DAY}").get_data(as_text=True)
    assert "Alex Agent" in html and "Bo Agent" in html
    # 10:00 local is 240 minutes after the 06:00 top of the grid; 60 minutes tall.
    assert "top: 240px; height: 60px" in html and "s-pending" in html
    assert "10:00\u202fAM–11:00\u202fAM" in html and "Casey Customer" in html
    assert "Casey Customer" not in client.get(f"/admin/calendar?date={DAY}&status=approved").get_data(as_text=True)


def test_status_buttons_follow_the_table_and_the_role(client, booked, session):
    login_as(client, "staff")
    panel = client.get(f"/admin/bookings/{booked.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Approve" in panel and "Cancel booking" in panel and "Mark completed" not in panel
    token = csrf_from(client.get("/").get_data(as_text=True))
    done = client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, "status": "approved", "version": "1"}, follow_redirects=True)
    assert "is now approved" in done.get_data(as_text=True)
    bad = client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, "status": "pending", "version": "2"}, follow_redirects=True)
    assert "cannot be changed to pending" in bad.get_data(as_text=True)
    change_status(session, booked.id, "completed", actor=b.STAFF, now=NOW)
    staff_panel = client.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    assert "Cancel booking" not in staff_panel  # completed -> cancelled is for admins
    admin = login_as(client.application.test_client(), "admin")
    assert "Cancel booking" in admin.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    history = admin.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    assert "by Staff," in history and "Status: Pending → Approved" in history


def test_a_stale_panel_is_told_instead_of_overwriting(client, booked, session):
    login_as(client, "staff")
    change_status(session, booked.id, "approved", actor=b.ADMIN, now=NOW)  # someone else, first
    token = csrf_from(client.get("/").get_data(as_text=True))
    stale = client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, "status": "cancelled", "version": "1"}, follow_redirects=True)
    assert "Someone else changed this booking first" in stale.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booked.id).status == "approved"


def test_status_posts_need_csrf(client, booked, session):
    login_as(client, "staff")
    assert client.post(f"/admin/bookings/{booked.id}/status", data={"status": "approved"}).status_code == 400
    assert client.post(f"/admin/bookings/{booked.id}/status", data={"status": "approved"}, headers={"HX-Request": "true"}).status_code == 400
    session.expire_all()
    assert session.get(Booking, booked.id).status == "pending"


def test_the_day_view_does_not_query_per_booking(client, booked, session, app):
    login_as(client, "staff")
    svc_id = booked.service_id

    def count_queries():
        counted = []
        engine = app.extensions["engine"]
        listener = lambda *a: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        client.get(f"/admin/calendar?date={DAY}")
        event.remove(engine, "before_cursor_execute", listener)
        return len(counted)

    few = count_queries()
    for hour in range(9, 16):
        for agent in ("any",):
            create_booking(session, b.request(svc_id, day=DAY, at=f"{hour:02d}:00", agent_id=agent,
                                              customer=CustomerInput("P", str(hour), f"p{hour}@example.com")), actor=b.STAFF, now=NOW)
    assert count_queries() == few


@pytest.mark.parametrize(("data", "message"), [
    ({"status": "done", "version": "1"}, "Unknown status"),
    ({"status": "approved", "version": "abc"}, "out of date"),
    ({"status": "approved"}, "out of date"),
])
def test_bad_status_posts_say_why_and_change_nothing(client, booked, session, data, message):
    login_as(client, "staff")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    page = client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, **data}, follow_redirects=True)
    assert message in page.get_data(as_text=True)
    assert client.post("/admin/bookings/99999/status", data={"csrf_token": token, "status": "approved", "version": "1"}).status_code == 404
    session.expire_all()
    assert (session.get(Booking, booked.id).status, session.get(Booking, booked.id).version) == ("pending", 1)


@pytest.mark.parametrize("url", [
    "/admin/calendar?agent_id=%C2%B2&service_id=%E2%91%A0",
    "/admin/calendar?date=9999-12-31&view=week",
    "/admin/bookings/new?customer_id=%C2%B2",
])
def test_staff_pages_ignore_unicode_digits_and_far_dates_in_filters(client, booked, url):
    login_as(client, "admin")
    assert client.get(url).status_code == 200
