"""Register, log in and out, forgotten passwords and the profile, through the pages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.domain import accounts
from app.domain.models import OutboxMessage, User
from tests.web.helpers import csrf_from, submit
from tests.conftest import NOW
from tests.security.corpus import BAD_EMAIL

REGISTRATION = {"first_name": "Casey", "last_name": "Customer", "email": "Casey@Example.com", "phone": "201-555-0100"}


def count_users(session):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(User))


def test_register_sends_a_link_that_creates_the_customer_and_logs_them_in(client, session):
    response = submit(client, "/register", REGISTRATION, follow_redirects=True)
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    assert count_users(session) == 0
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account.confirm")).one()
    link = message.payload["link"][message.payload["link"].index("/register/confirm/"):]
    made = submit(client, link, {"password": "correct-horse", "confirm": "correct-horse"}, follow_redirects=True)
    html = made.get_data(as_text=True)
    assert "Welcome, Casey!" in html and "Log out" in html
    user = session.scalars(select(User)).one()
    assert (user.email, user.role) == ("casey@example.com", "customer")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": ""}, "This field is required."),
        ({"first_name": ""}, "This field is required."),
        ({"email": "not-an-email"}, "valid e-mail"),
    ],
)
def test_bad_registrations_show_errors_next_to_fields_and_keep_what_was_typed(client, session, change, message):
    response = submit(client, "/register", REGISTRATION | change)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'aria-invalid="true"' in html
    assert 'value="201-555-0100"' in html  # what the customer typed is still there
    assert count_users(session) == 0


def test_registering_a_known_email_answers_in_the_mailbox_not_on_the_page(client, session):
    accounts.create_user(session, email="casey@example.com", password="whatever-1", now=NOW)
    response = submit(client, "/register", REGISTRATION)
    # As a password reset answers: the page says a message was sent, the mailbox says why.
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    page = client.get("/register/sent").get_data(as_text=True)
    assert "We have sent a message to the address you gave" in page and "already" not in page
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account.exists")).one()
    assert message.recipient == "casey@example.com" and "/reset-password/" in message.body and "/login" in message.body
    assert count_users(session) == 1


def test_login_and_logout(client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    wrong = submit(client, "/login", {"email": "casey@example.com", "password": "nope-nope"})
    unknown = submit(client, "/login", {"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "The e-mail or password is not correct." in wrong.get_data(as_text=True)
    assert "The e-mail or password is not correct." in unknown.get_data(as_text=True)
    ok = submit(client, "/login?next=/profile", {"email": "CASEY@example.com", "password": "correct-horse"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/profile")
    assert client.get("/profile").status_code == 200
    home = client.get("/").get_data(as_text=True)
    out = client.post("/logout", data={"csrf_token": csrf_from(home)})
    assert out.status_code == 302
    assert client.get("/profile").status_code == 302  # back to the login page


def test_login_never_redirects_off_site(client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", now=NOW)
    response = submit(client, "/login?next=//evil.example/x", {"email": "casey@example.com", "password": "correct-horse"})
    assert response.headers["Location"] in ("/", "http://portal.test/")


def test_every_account_form_refuses_a_post_without_its_csrf_token(client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", now=NOW)
    for url in ("/register", "/register/confirm/abc", "/login", "/forgot-password", "/reset-password/abc"):
        assert client.post(url, data={"email": "casey@example.com", "password": "correct-horse"}).status_code == 400, url
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    for url in ("/logout", "/profile", "/profile/password"):
        assert client.post(url, data={"first_name": "X"}).status_code == 400, url
    # An htmx request carries the token in a header; without it, refused too.
    assert client.post("/profile", data={"first_name": "X"}, headers={"HX-Request": "true"}).status_code == 400
    assert count_users(session) == 1


def test_forgot_password_gives_the_same_answer_and_mails_only_real_accounts(client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", now=NOW)
    known = submit(client, "/forgot-password", {"email": "casey@example.com"}, follow_redirects=True)
    unknown = submit(client, "/forgot-password", {"email": "ghost@example.com"}, follow_redirects=True)
    message = "If that address has an account, we have sent it a link"
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    mails = session.scalars(select(OutboxMessage)).all()
    assert [m.recipient for m in mails] == ["casey@example.com"]


def test_a_reset_link_sets_a_new_password_once(client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", now=NOW)
    submit(client, "/forgot-password", {"email": "casey@example.com"})
    body = session.scalars(select(OutboxMessage.body)).one()
    link = re.search(r"http://portal\.test(/reset-password/\S+)", body).group(1)
    short = submit(client, link, {"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 8" in short.get_data(as_text=True)
    done = submit(client, link, {"password": "battery-staple", "confirm": "battery-staple"})
    assert done.status_code == 302
    session.expire_all()
    assert accounts.authenticate_login(session, "casey@example.com", "battery-staple") is not None
    assert accounts.authenticate_login(session, "casey@example.com", "correct-horse") is None
    again = client.get(link)
    assert again.status_code == 302 and "/forgot-password" in again.headers["Location"]
    assert client.get("/reset-password/forged-token").status_code == 302


def test_profile_updates_details_and_a_password_change_ends_other_sessions(app, client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    other_device = app.test_client()
    for c in (client, other_device):
        submit(c, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    saved = submit(client, "/profile", {"first_name": "Cassie", "last_name": "C", "phone": "201-555-0111", "address": "12 Elm St",
                                        "city": "Brooklyn", "state": "NY", "zip": "11201", "sms_notifications": "y"}, follow_redirects=True)
    assert "Your details are saved." in saved.get_data(as_text=True)
    session.expire_all()
    user = session.scalars(select(User)).one()
    assert (user.first_name, user.address, user.sms_notifications) == ("Cassie", "12 Elm St", True)
    bad = submit(client, "/profile", {"first_name": "", "last_name": "C"})
    assert bad.status_code == 422 and "This field is required." in bad.get_data(as_text=True)
    wrong = submit(client, "/profile", {"pw-current_password": "nope-nope", "pw-new_password": "battery-staple", "pw-confirm": "battery-staple"},
                   post_url="/profile/password")
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    changed = submit(client, "/profile", {"pw-current_password": "correct-horse", "pw-new_password": "battery-staple", "pw-confirm": "battery-staple"},
                     post_url="/profile/password")
    assert changed.status_code == 302
    assert client.get("/profile").status_code == 200  # this device stays in
    assert other_device.get("/profile").status_code == 302  # the other is logged out


def test_registering_with_a_header_injecting_address_is_refused(client, session):
    response = submit(client, "/register", {"email": BAD_EMAIL, "password": "long-enough", "confirm": "long-enough",
                                            "first_name": "Nl", "last_name": "X"})
    assert response.status_code == 422
    assert "valid e-mail" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User)) == 0
