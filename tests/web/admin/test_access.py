"""Every back-office URL for every role, and CSRF on every state-changing request."""
from __future__ import annotations

import pytest

from app.domain.catalog import TYPES
from tests.web.admin.conftest import DAY, login_as

ADMIN_ONLY = {"staff"}


def get_urls(booking) -> list[tuple[str, bool]]:
    """(url, admins only) for every page of the back office."""
    ids = {"customers": booking.customer_id, "services": booking.service_id, "agents": booking.agent_id,
           "locations": booking.location_id, "staff": None}
    urls = [(f"/admin/calendar?date={DAY}", False), (f"/admin/calendar?date={DAY}&view=week", False),
            (f"/admin/calendar?date={DAY}&view=month", False), (f"/admin/bookings/{booking.id}", False),
            ("/admin/bookings", False), ("/admin/bookings.csv", False), ("/admin/bookings/new", False),
            (f"/admin/manage/agents/{booking.agent_id}/hours", False), ("/admin/settings", True), ("/admin/api-keys", True),
            ("/admin/dashboard", False), (f"/admin/bookings/{booking.id}/cancel", False), ("/admin/customers/search?customer_q=cas", False),
            (f"/admin/manage/services/{booking.service_id}/deactivate", False)]
    for key in TYPES:
        urls += [(f"/admin/manage/{key}", key in ADMIN_ONLY), (f"/admin/manage/{key}/new", key in ADMIN_ONLY)]
        if ids.get(key):
            urls.append((f"/admin/manage/{key}/{ids[key]}", key in ADMIN_ONLY))
    return urls


def post_urls(booking) -> list[str]:
    return [
        f"/admin/bookings/{booking.id}/status", f"/admin/bookings/{booking.id}/move", "/admin/bookings/new",
        "/admin/manage/services/new", f"/admin/manage/services/{booking.service_id}",
        f"/admin/manage/services/{booking.service_id}/active", f"/admin/manage/agents/{booking.agent_id}/hours",
        f"/admin/manage/agents/{booking.agent_id}/time-off", f"/admin/manage/agents/{booking.agent_id}/time-off/1/remove",
        "/admin/manage/staff/new", "/admin/settings", "/admin/api-keys", "/admin/api-keys/1/revoke",
        f"/admin/my-day/{booking.id}/status", f"/admin/my-day/{booking.id}/notes",
    ]


AGENT_URLS = ["/admin/my-day", f"/admin/my-day?date={DAY}"]


@pytest.mark.parametrize("role", ["anonymous", "customer", "staff", "admin", "agent"])
def test_role_route_matrix(client, booked, role):
    login_as(client, role)
    for url, admins_only in get_urls(booked):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        elif role in ("customer", "agent") or (role == "staff" and admins_only):
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, url
    for url in AGENT_URLS:
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302, url
        else:  # a day of one's own: only a login linked to an agent has one
            assert response.status_code == (200 if role == "agent" else 403), url


@pytest.mark.parametrize("role", ["anonymous", "customer", "staff", "admin", "agent"])
def test_posts_by_role_with_a_valid_token(client, booked, role):
    """Without the right role a post is refused before anything is read from it."""
    login_as(client, role)
    from tests.web.helpers import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    for url in post_urls(booked):
        response = client.post(url, data={"csrf_token": token})
        own_day = "/my-day/" in url
        if role == "anonymous":
            assert response.status_code == 302, url
        elif role == "agent" and own_day:
            assert response.status_code in (303, 404), url  # another agent's booking is not there; an empty form changes nothing
        elif role in ("customer", "agent") or (role == "staff" and any(p in url for p in ("/staff/", "/settings", "/api-keys"))):
            assert response.status_code == 403, url
        elif own_day:
            assert response.status_code in (303, 403), url  # staff and admins have no day of their own
        else:
            assert response.status_code in (200, 303, 404, 422), url  # an empty form: refused with a reason, never a 500


def test_csrf_is_required_on_every_state_changing_request(client, booked, session):
    login_as(client, "admin")
    for url in post_urls(booked):
        for data, headers in (({}, {}), ({"csrf_token": "forged"}, {}), ({}, {"HX-Request": "true"})):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code == 400, (url, data, headers)
    from app.domain.models import AuditEvent, Booking

    session.expire_all()
    assert session.get(Booking, booked.id).version == 1
    assert session.query(AuditEvent).count() == 0
