"""Sessions and tokens that really end: a copy of an old cookie or token is refused
after logout, a password change, a reset, deactivation (also after reactivation) and a
password an admin sets."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain import accounts
from app.domain.models import OutboxMessage
from tests.web.helpers import csrf_from, submit
from tests.conftest import DAY, NOW

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


def _reset_link(client, session, email="casey@example.com"):
    submit(client, "/forgot-password", {"email": email})
    body = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == email)).all()[-1].body
    return re.search(r"https?://\S+(/reset-password/\S+)", body).group(1)


def _admin(app, session):
    make_user(session, "admin@example.com", role="admin")
    admin = app.test_client()
    web_login(admin, "admin@example.com")
    return admin


def test_a_reset_link_sent_before_staff_changed_the_email_sets_no_password(app, client, session):
    customer = make_user(session)
    link = _reset_link(client, session)
    browser = app.test_client()
    web_login(browser)
    admin = _admin(app, session)
    form = admin.get(f"/admin/manage/customers/{customer.id}").get_data(as_text=True)
    saved = admin.post(f"/admin/manage/customers/{customer.id}", data={
        "csrf_token": csrf_from(form), "first_name": "Casey", "email": "casey.new@example.com"})
    assert saved.status_code in (302, 303), saved.get_data(as_text=True)[:2000]
    reset = client.get(link)
    assert reset.status_code == 302 and "/forgot-password" in reset.headers["Location"]  # "not valid any more"
    assert browser.get("/profile").status_code == 302  # the other logins end too
    assert accounts.authenticate_login(session, "casey.new@example.com", PASSWORD) is not None


def test_a_reset_link_dies_when_an_api_booking_update_changes_the_customers_email(app, client, session):
    from tests import builders as b
    from app.domain.booking import create_booking

    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    agent = b.agent(session, [svc], loc)
    customer = make_user(session)
    booking = create_booking(session, b.request(svc.id, day=DAY, at="10:00", agent_id=agent.id, customer_id=customer.id),
                             actor=b.STAFF, now=NOW).booking
    _, key = accounts.create_api_key(session, name="office", scope="write", now=NOW)
    link = _reset_link(client, session)
    token = api_token(client)
    changed = client.patch(f"/api/v1/bookings/{booking.id}", json={"customer.email": "casey.new@example.com"},
                           headers={"X-API-Key": key})
    assert changed.status_code == 200, changed.get_json()
    reset = client.get(link)
    assert reset.status_code == 302 and "/forgot-password" in reset.headers["Location"]
    assert not token_works(client, token)


def _feed(app, session, kind, owner_id):
    from app.domain import feeds

    token = feeds.regenerate_feed(session, kind, owner_id, secret=app.config["SECRET_KEY"], now=NOW)
    return f"/calendar/{token}.ics"


def test_a_customers_feed_link_ends_with_a_password_change(app, client, session):
    customer = make_user(session)
    feed = _feed(app, session, "customer", customer.id)
    calendar_app = app.test_client()
    assert calendar_app.get(feed).status_code == 200
    web_login(client)
    page = client.get("/profile").get_data(as_text=True)
    changed = client.post("/profile/password", data={"csrf_token": csrf_from(page), "pw-current_password": PASSWORD,
                                                      "pw-new_password": "a-new-password", "pw-confirm": "a-new-password"})
    assert changed.status_code == 302
    assert calendar_app.get(feed).status_code == 404


def test_a_customers_feed_link_ends_with_deactivation_and_stays_ended(app, client, session):
    customer = make_user(session)
    feed = _feed(app, session, "customer", customer.id)
    admin = _admin(app, session)
    page = admin.get(f"/admin/manage/customers/{customer.id}").get_data(as_text=True)
    url = f"/admin/manage/customers/{customer.id}/active"
    assert admin.post(url, data={"csrf_token": csrf_from(page), "active": "0"}).status_code in (302, 303)
    assert client.get(feed).status_code == 404
    assert admin.post(url, data={"csrf_token": csrf_from(page), "active": "1"}).status_code in (302, 303)
    assert client.get(feed).status_code == 404


def test_a_deactivated_agents_feed_answers_404(app, client, session):
    from tests import builders as b

    loc = b.location(session)
    agent = b.agent(session, [b.service(session, loc)], loc)
    session.commit()
    feed = _feed(app, session, "agent", agent.id)
    assert client.get(feed).status_code == 200
    admin = _admin(app, session)
    page = admin.get(f"/admin/manage/agents/{agent.id}").get_data(as_text=True)
    url = f"/admin/manage/agents/{agent.id}/active"
    assert admin.post(url, data={"csrf_token": csrf_from(page), "active": "0"}).status_code in (302, 303)
    assert client.get(feed).status_code == 404
