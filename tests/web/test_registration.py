"""Registration that does not tell who has an account (issue 20): /register and the
booking form's "I'm new here" answer a known and a new address alike, and the mailbox
(a real SMTP server) says which it was. A new address's link creates the account once,
within 24 hours on the app's clock."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.domain import accounts
from app.domain.models import OutboxMessage, User
from tests.conftest import NOW
from tests.mailbox import smtp_server  # noqa: F401 - the fixture
from tests.web.helpers import csrf_from, submit

DETAILS = {"first_name": "Casey", "last_name": "Customer", "phone": "201-555-0100"}
CSRF = re.compile(r'(name="csrf_token" (?:type="hidden" )?value="|"X-CSRFToken": ")[^"]+"')


def without_csrf(html: str) -> str:
    """The page with its CSRF tokens (one per browser session) blanked."""
    return CSRF.sub(r'\1"', html)


def deliver_by_smtp(app, smtp_server):
    inbox, port = smtp_server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    return {m["To"]: m for m in inbox.parsed()}


def link_in(message, kind: str) -> str:
    """The path of the first link to `kind` (e.g. /register/confirm/) in a message."""
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+({re.escape(kind)}\S+)", text).group(1)


def users(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(User))


def test_register_answers_a_known_and_a_new_address_alike_and_the_mailbox_tells_them_apart(app, session, smtp_server):
    accounts.create_user(session, email="known@example.com", password="whatever-1", first_name="Kim", now=NOW)
    answers = []
    for email in ("known@example.com", "new@example.com"):
        visitor = app.test_client()
        posted = submit(visitor, "/register", DETAILS | {"email": email})
        then = visitor.get(posted.headers["Location"])
        answers.append((posted.status_code, posted.headers["Location"], then.status_code, without_csrf(then.get_data(as_text=True)),
                        posted.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert answers[0][:3] == (302, "/register/sent", 200) and "Check your e-mail" in answers[0][3]
    assert users(session) == 1  # nothing is created before the link is followed

    mail = deliver_by_smtp(app, smtp_server)
    assert sorted(mail) == ["known@example.com", "new@example.com"]
    assert mail["known@example.com"]["Subject"] == "You already have an account"
    assert link_in(mail["known@example.com"], "/reset-password/") and "/login" in mail["known@example.com"].get_body(("plain",)).get_content()
    assert mail["new@example.com"]["Subject"] == "Confirm your e-mail address"
    assert link_in(mail["new@example.com"], "/register/confirm/")


def test_the_confirmation_link_creates_the_account_once(app, client, session, smtp_server):
    submit(client, "/register", DETAILS | {"email": "Casey@Example.com"})
    link = link_in(deliver_by_smtp(app, smtp_server)["casey@example.com"], "/register/confirm/")
    page = client.get(link).get_data(as_text=True)
    assert "casey@example.com" in page and "Choose your password" in page
    short = client.post(link, data={"csrf_token": csrf_from(page), "password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 8" in short.get_data(as_text=True) and users(session) == 0
    made = client.post(link, data={"csrf_token": csrf_from(page), "password": "correct-horse", "confirm": "correct-horse"},
                       follow_redirects=True)
    assert made.status_code == 200 and "Welcome, Casey!" in made.get_data(as_text=True)
    user = session.scalars(select(User)).one()
    assert (user.email, user.first_name, user.last_name, user.phone, user.role) == (
        "casey@example.com", "Casey", "Customer", "+12015550100", "customer")
    assert accounts.authenticate_login(session, "casey@example.com", "correct-horse") is not None
    # Used: a second visit (another browser) cannot set another password or make a second account.
    other = app.test_client()
    again = other.get(link)
    assert again.status_code == 302 and again.headers["Location"].endswith("/login")
    assert users(session) == 1 and accounts.authenticate_login(session, "casey@example.com", "correct-horse") is not None


def test_a_confirmation_link_expires_after_24_hours_on_the_apps_clock(app, client, session):
    submit(client, "/register", DETAILS | {"email": "casey@example.com"})
    link = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.topic == "account.confirm")).one()["link"]
    path = link[link.index("/register/confirm/"):]
    app.config["NOW"] = NOW + timedelta(hours=23, minutes=59)
    assert client.get(path).status_code == 200
    app.config["NOW"] = NOW + timedelta(hours=24, minutes=1)
    expired = client.get(path)
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/register")
    assert "not valid any more" in client.get("/register").get_data(as_text=True)
    forged = client.get(path[:-3] + "xyz")
    assert forged.status_code == 302 and users(session) == 0


def test_a_deactivated_address_gets_the_same_answer_and_no_message(app, client, session):
    user = accounts.create_user(session, email="gone@example.com", password="whatever-1", now=NOW)
    user.active = False
    session.commit()
    posted = submit(client, "/register", DETAILS | {"email": "gone@example.com"})
    assert posted.status_code == 302 and posted.headers["Location"] == "/register/sent"
    assert session.scalars(select(OutboxMessage)).all() == []
