"""Customers choose their messages: reminders and change notices may be turned off,
confirmations always go out; the page is reached from the profile and every e-mail."""
from __future__ import annotations

from app.domain.booking import cancel_booking, reschedule_booking
from tests import builders as b
from tests.conftest import NOW
from tests.messages.conftest import PASSWORD, deliver_now, links, local_path, parts, run_rounds, to
from tests.web.helpers import submit


def log_in(client):
    assert submit(client, "/login", {"email": "maria@example.com", "password": PASSWORD}).status_code == 302


def test_the_preferences_page_is_linked_from_the_profile_and_from_each_email(app, client, booked, inbox):
    deliver_now(app)
    [mail] = to(inbox.parsed(), "maria@example.com")
    text, html, _ = parts(mail)
    from_email = local_path(next(u for u in links(html) if u.endswith("/profile/messages")))
    assert from_email in text
    assert client.get(from_email).headers["Location"].startswith("/login?next=%2Fprofile%2Fmessages")
    log_in(client)
    assert 'href="/profile/messages"' in client.get("/profile").get_data(as_text=True)
    page = client.get(from_email).get_data(as_text=True)
    assert "Reminders before each visit" in page and page.count("checked") == 2


def test_preferences_need_the_csrf_token(app, client, maria):
    log_in(client)
    assert client.post("/profile/messages", data={"notify_reminders": ""}).status_code == 400


def test_a_customer_who_turned_off_reminders_and_change_notices_still_gets_confirmations(app, client, session, booked, inbox):
    log_in(client)
    saved = submit(client, "/profile/messages", {}, follow_redirects=True)  # both boxes left unticked
    assert saved.status_code == 200 and "Your message preferences are saved." in saved.get_data(as_text=True)
    session.expire_all()
    reschedule_booking(session, booked.id, actor=b.STAFF, now=NOW, start_date="2026-11-24", start_time="11:00")
    run_rounds(app, 1)  # the reminder is due now, too
    cancel_booking(session, booked.id, actor=b.STAFF, now=NOW)
    deliver_now(app)
    assert [m["Subject"].split(":")[0] for m in to(inbox.parsed(), "maria@example.com")] == [
        "Booking received", "Booking cancelled"]
    # Staff are still told of the move.
    assert [m["Subject"].split(":")[0] for m in to(inbox.parsed(), "alex@example.com")] == [
        "New booking", "Booking moved", "Booking cancelled"]
    # Turned back on, reminders and notices come again.
    submit(client, "/profile/messages", {"notify_reminders": "y", "notify_changes": "y"})
    session.expire_all()
    assert (booked.customer.notify_reminders, booked.customer.notify_changes) == (True, True)
