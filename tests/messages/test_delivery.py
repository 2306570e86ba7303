"""Delivery that one bad message cannot stop, and links that a request cannot poison."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import create_app
from app.domain import accounts
from app.domain.models import OutboxMessage
from app.domain.notifications import queue_message
from app.links import public_base
from tests.conftest import NOW
from tests.messages.conftest import PUBLIC, deliver_now, links, parts
from tests.web.helpers import submit


def rows(session):
    session.expire_all()
    return {m.recipient: m for m in session.scalars(select(OutboxMessage))}


def test_a_message_that_cannot_be_built_is_failed_and_the_next_one_goes_out(app, session, inbox):
    poisoned = "nl@example.com\r\nbcc:x@evil.example"
    queue_message(session, topic="account.welcome", recipient=poisoned, subject="Welcome", body="Hi", now=NOW)
    queue_message(session, topic="account.welcome", recipient="good@example.com", subject="Welcome", body="Hi", now=NOW)
    session.commit()
    report = deliver_now(app)
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    assert inbox.envelopes == [["good@example.com"]]  # nothing reached evil.example
    outcome = rows(session)
    assert (outcome[poisoned].status, outcome[poisoned].attempts) == ("failed", 1)
    assert "cannot be built: ValueError" in outcome[poisoned].last_error
    assert outcome["good@example.com"].status == "sent"
    # The failed row is not tried again.
    assert deliver_now(app).sent == deliver_now(app).failed == 0


def test_a_recipient_the_server_refuses_for_good_is_failed_at_once_and_the_next_one_goes_out(app, session, inbox):
    inbox.unknown = {"gone@example.com"}
    for address in ("gone@example.com", "here@example.com"):
        queue_message(session, topic="account.welcome", recipient=address, subject="Welcome", body="Hi", now=NOW)
    session.commit()
    report = deliver_now(app)
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    outcome = rows(session)
    assert outcome["gone@example.com"].status == "failed" and outcome["gone@example.com"].attempts == 1
    assert "550" in outcome["gone@example.com"].last_error
    assert inbox.envelopes == [["here@example.com"]]


def test_a_busy_server_is_tried_again_later_not_failed(app, session, inbox):
    inbox.refuse = True  # 451 on DATA: a temporary refusal
    queue_message(session, topic="account.welcome", recipient="later@example.com", subject="Welcome", body="Hi", now=NOW)
    session.commit()
    assert deliver_now(app).retried == 1
    assert rows(session)["later@example.com"].status == "pending"


@pytest.fixture
def unnamed_app(config):
    """A deployment that sets PUBLIC_URL and no SERVER_NAME, so any Host is routed."""
    application = create_app({**config, "SERVER_NAME": None})
    yield application
    application.extensions["engine"].dispose()


def test_a_reset_asked_with_a_forged_host_still_links_to_the_configured_address(unnamed_app, session, inbox):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    client = unnamed_app.test_client()
    answer = submit(client, "http://attacker.example/forgot-password", {"email": "casey@example.com"},
                    headers={"Host": "attacker.example"})
    assert answer.status_code == 302
    queued = session.scalars(select(OutboxMessage)).one()
    assert queued.payload["link"].startswith(f"{PUBLIC}/reset-password/")
    deliver_now(unnamed_app)
    [mail] = inbox.parsed()
    text, html, ics = parts(mail)
    assert ics is None and mail["Subject"] == "Reset your password"
    assert "attacker" not in text + html
    reset = [u for u in links(html) if "/reset-password/" in u]
    assert reset and all(u.startswith(f"{PUBLIC}/reset-password/") for u in reset)
    assert f"{reset[0]}" in text
    # The link works on the real site.
    page = unnamed_app.test_client().get(reset[0][len(PUBLIC):])
    assert page.status_code == 200


def test_without_public_url_links_use_server_name_and_scheme_never_the_request():
    assert public_base({"PUBLIC_URL": "https://book.example.com/"}) == "https://book.example.com"
    assert public_base({"SERVER_NAME": "portal.test", "PREFERRED_URL_SCHEME": "https"}) == "https://portal.test"
    assert public_base({"SERVER_NAME": "portal.test", "PREFERRED_URL_SCHEME": "https", "APPLICATION_ROOT": "/book"}) \
        == "https://portal.test/book"


def test_links_under_a_path_prefix_keep_it(config, session, inbox):
    application = create_app({**config, "PUBLIC_URL": "https://example.org/booking"})
    accounts.create_user(session, email="casey@example.com", password="correct-horse", now=NOW)
    with application.test_request_context("/", base_url="http://attacker.example"):
        from app.links import public_url_for

        assert public_url_for("auth.reset_password", token="abc") == "https://example.org/booking/reset-password/abc"
    application.extensions["engine"].dispose()


def test_a_database_error_while_building_is_retried_not_failed(app, session, inbox, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from app.domain.notifications import email_channel
    from app.domain.outbox import run_channel
    from app.mail import backend_from_config

    queue_message(session, topic="account.welcome", recipient="later@example.com", subject="Hi", body="Hi", now=NOW)
    session.commit()

    def database_down(session, row, sender, now):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    channel = email_channel(backend_from_config(app.config), sender="b@example.com", compose=database_down)
    report = run_channel(app.extensions["session_factory"], channel, clock=lambda: NOW)
    assert (report.retried, report.failed) == (1, 0)
    assert rows(session)["later@example.com"].status == "pending"
