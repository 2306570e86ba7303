"""Sessions and tokens that really end: a copy of an old cookie or token is refused
after logout, a password change, a reset, deactivation (also after reactivation) and a
password an admin sets."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain import accounts
from app.domain.models import OutboxMessage
from tests.web.helpers import csrf_from, submit
from tests.conftest import NOW

PASSWORD = "correct-horse"


def make_user(session, email="casey@example.com", role="customer"):
    return accounts.create_user(session, email=email, password=PASSWORD, role=role, first_name="Casey", now=NOW)


def web_login(client, email="casey@example.com", remember=False):
    data = {"email": email, "password": PASSWORD} | ({"remember": "y"} if remember else {})
    response = submit(client, "/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def cookies(client):
    return {c.key: c.value for c in client._cookies.values()}


def replay(app, saved):
    """A fresh browser holding the saved cookies: is it logged in?"""
    other = app.test_client()
    for key, value in saved.items():
        other.set_cookie(key, value, domain="portal.test")
    return other.get("/profile").status_code == 200


def api_token(client, email="casey@example.com"):
    response = client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def token_works(client, token):
    return client.get("/api/v1/customer/bookings", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def logout(client):
    page = client.get("/profile")
    return client.post("/logout", data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def test_a_saved_session_cookie_is_refused_after_logout(app, client, session):
    make_user(session)
    web_login(client)
    saved = cookies(client)
    assert replay(app, saved)
    assert logout(client).status_code == 302
    assert not replay(app, saved)


def test_a_saved_remember_cookie_is_refused_after_logout(app, client, session):
    make_user(session)
    web_login(client, remember=True)
    saved = cookies(client)
    assert "remember_token" in saved
    remember_only = {"remember_token": saved["remember_token"]}
    assert replay(app, remember_only)  # the remember cookie alone logs a browser in
    logout(client)
    assert not replay(app, remember_only)
    assert not replay(app, saved)


def test_logging_out_one_browser_leaves_the_others_logged_in(app, client, session):
    make_user(session)
    web_login(client)
    other = app.test_client()
    web_login(other)
    logout(client)
    assert other.get("/profile").status_code == 200


def test_a_password_change_revokes_every_bearer_token(client, session):
    make_user(session)
    token = api_token(client)
    web_login(client)
    page = client.get("/profile").get_data(as_text=True)
    changed = client.post("/profile/password", data={"csrf_token": csrf_from(page), "pw-current_password": PASSWORD,
                                                      "pw-new_password": "a-new-password", "pw-confirm": "a-new-password"})
    assert changed.status_code == 302
    assert not token_works(client, token)
    assert client.get("/profile").status_code == 200  # this browser stays logged in


def test_a_password_reset_revokes_every_bearer_token_and_session(app, client, session):
    make_user(session)
    token = api_token(client)
    browser = app.test_client()
    web_login(browser)
    submit(client, "/forgot-password", {"email": "casey@example.com"})
    body = session.scalars(select(OutboxMessage)).one().body
    link = re.search(r"https?://\S+(/reset-password/\S+)", body).group(1)
    reset = submit(client, link, {"password": "a-new-password", "confirm": "a-new-password"})
    assert reset.status_code == 302
    assert not token_works(client, token)
    assert browser.get("/profile").status_code == 302


def test_tokens_stay_dead_after_deactivation_and_reactivation(client, session):
    make_user(session, "admin@example.com", role="admin")
    customer = make_user(session)
    token = api_token(client)
    admin = client.application.test_client()
    web_login(admin, "admin@example.com")
    page = admin.get(f"/admin/manage/customers/{customer.id}").get_data(as_text=True)
    url = f"/admin/manage/customers/{customer.id}/active"
    assert admin.post(url, data={"csrf_token": csrf_from(page), "active": "0"}).status_code in (302, 303)
    assert not token_works(client, token)
    assert admin.post(url, data={"csrf_token": csrf_from(page), "active": "1"}).status_code in (302, 303)
    session.expire_all()
    assert session.get(type(customer), customer.id).active
    assert not token_works(client, token)
    assert token_works(client, api_token(client))  # a new login works again


def test_an_admin_setting_a_staff_password_ends_that_persons_sessions(app, client, session):
    make_user(session, "admin@example.com", role="admin")
    staff = make_user(session, "staff@example.com", role="staff")
    staff_browser = app.test_client()
    web_login(staff_browser, "staff@example.com", remember=True)
    saved = cookies(staff_browser)
    assert staff_browser.get("/admin/calendar").status_code == 200
    web_login(client, "admin@example.com")
    form = client.get(f"/admin/manage/staff/{staff.id}").get_data(as_text=True)
    values = {"csrf_token": csrf_from(form), "first_name": "Sam", "last_name": "Staff", "email": "staff@example.com",
              "role": "staff", "password": "set-by-admin-1"}
    saved_by_admin = client.post(f"/admin/manage/staff/{staff.id}", data=values)
    assert saved_by_admin.status_code in (302, 303), saved_by_admin.get_data(as_text=True)[:2000]
    assert staff_browser.get("/admin/calendar").status_code == 302
    assert not replay(app, {"remember_token": saved["remember_token"]})
