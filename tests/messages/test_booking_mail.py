"""Booking e-mails as people receive them: read back from a real SMTP server on
loopback, their parts, headers, summary, links (opened with the test client) and the
calendar file (parsed with icalendar)."""
from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from app.domain.booking import BookingChanges, cancel_booking, change_status, create_booking, reschedule_booking, update_booking
from app.domain.links import sign_booking_link
from app.domain.models import OutboxMessage
from tests import builders as b
from tests.conftest import NOW
from tests.messages.conftest import PASSWORD, PUBLIC, deliver_now, links, local_path, parts, to
from tests.web.helpers import submit


def test_booking_received_is_text_and_html_with_the_whole_summary_and_a_calendar_file(app, booked, inbox):
    report = deliver_now(app)
    assert (report.sent, report.failed) == (3, 0)
    received = inbox.parsed()
    assert sorted(m["To"] for m in received) == ["alex@example.com", "maria@example.com", "office@example.com"]
    [mail] = to(received, "maria@example.com")
    assert mail.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in mail.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert mail["From"] == "Sparkle & Fix <bookings@example.com>"
    assert mail["Subject"] == "Booking received: Standard clean on Tue, Nov 24, 2026, 10:00 AM EST"
    raw = inbox.messages[[m["To"] for m in received].index("maria@example.com")].decode()
    assert "\nSubject: Booking received: Standard clean on Tue, Nov 24, 2026, 10:00 AM EST\r\n" in raw
    assert "=?utf-8?" not in raw.split("\r\n\r\n")[0]  # plain text headers, not encoded words folded after "Subject:"
    assert mail["Message-ID"] and mail["Date"] and mail["Auto-Submitted"] == "auto-generated"
    assert mail["Reply-To"] == "office@example.com"
    text, html, ics = parts(mail)
    for body in (text, html):
        for shown in ("Hello Maria Lopez", "We have your booking", booked.booking_code, "Tue, Nov 24, 2026", "EST",
                      "595 Market St", "Alex Agent", "Standard clean", "Inside the fridge", "× 2", "$50.00",
                      "Bedrooms", "× 3", "$45.00", "$195.00", "How do we get in?", "Gate code 4417",
                      "Please use the side door"):
            assert shown in body, shown
        assert "Bring the tall ladder" not in body  # staff notes stay with staff
    # Mail clients drop <style>, external CSS and scripts; images may be off.
    for absent in ("<style", "<link", "<script", "<img", "class="):
        assert absent not in html
    # Every link is on the configured public address, or a calendar service.
    for url in links(html):
        assert url.startswith((PUBLIC + "/", "https://calendar.google.com/", "https://outlook.live.com/")), url
    assert ics is not None and ics["method"] == "REQUEST"
    [event] = ics.walk("VEVENT")
    assert event["uid"] == f"booking-{booked.booking_code}@booking-portal.local"
    assert event["sequence"] == 1 and str(event["status"]) == "TENTATIVE"
    assert event.decoded("dtstart").isoformat() == "2026-11-24T10:00:00-05:00"
    assert str(event["attendee"]) == "mailto:maria@example.com"


def test_calendar_links_name_the_booking_time_in_utc(app, booked, inbox):
    deliver_now(app)
    [mail] = to(inbox.parsed(), "maria@example.com")
    urls = links(parts(mail)[1])
    google = next(u for u in urls if u.startswith("https://calendar.google.com/"))
    outlook = next(u for u in urls if u.startswith("https://outlook.live.com/"))
    assert "dates=20261124T150000Z%2F20261124T" in google and "action=TEMPLATE" in google
    assert "startdt=2026-11-24T15%3A00%3A00Z" in outlook


def test_the_signed_link_lands_on_the_booking_after_signing_in(app, client, booked, inbox):
    deliver_now(app)
    [mail] = to(inbox.parsed(), "maria@example.com")
    text, html, _ = parts(mail)
    view = local_path(next(u for u in links(html) if "/m/" in u and "View your booking" in html))
    assert PUBLIC + view in text
    opened = client.get(view)
    assert opened.status_code == 302
    assert opened.headers["Location"] == f"/login?next=/bookings/{booked.id}"
    login_page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Log in to see your booking; you will be taken straight to it." in login_page
    assert 'value="maria@example.com"' in login_page  # the address the e-mail went to
    landed = submit(client, opened.headers["Location"], {"email": "maria@example.com", "password": PASSWORD})
    assert landed.status_code == 302 and landed.headers["Location"] == f"/bookings/{booked.id}"
    page = client.get(landed.headers["Location"])
    assert page.status_code == 200 and booked.booking_code in page.get_data(as_text=True)
    # Signed in, the link goes straight there; the reschedule link to the move page.
    assert client.get(view).headers["Location"] == f"/bookings/{booked.id}"
    move = local_path(next(u for u in links(html) if "/m/" in u and u != PUBLIC + view))
    assert client.get(move).headers["Location"] == f"/bookings/{booked.id}/reschedule"
    assert client.get(f"/bookings/{booked.id}/reschedule").status_code == 200


def test_a_booking_link_is_for_one_booking_and_ends(app, client, booked):
    secret = app.config["SECRET_KEY"]
    good = sign_booking_link(secret, booked, "view", expires_at=NOW + timedelta(days=60))
    # Altered (another booking's id spliced in) or forged: not a link at all.
    assert client.get(f"/m/{good[:-2]}xx").status_code == 404
    forged = sign_booking_link("not-our-secret", booked, "view", expires_at=NOW + timedelta(days=60))
    assert client.get(f"/m/{forged}").status_code == 404
    expired = sign_booking_link(secret, booked, "view", expires_at=NOW.replace(year=2001))
    answer = client.get(f"/m/{expired}")
    assert answer.status_code == 410 and "This link has expired." in answer.get_data(as_text=True)


def test_agent_and_office_get_a_message_written_for_staff(app, client, session, booked, inbox):
    from app.domain import accounts

    deliver_now(app)
    received = inbox.parsed()
    for address in ("alex@example.com", "office@example.com"):
        [mail] = to(received, address)
        assert mail["Subject"].startswith("New booking: Maria Lopez, Standard clean on Tue, Nov 24, 2026")
        text, html, ics = parts(mail)
        for body in (text, html):
            for shown in ("Maria Lopez", "maria@example.com", "555-0142", "595 Market St", "Gate code 4417",
                          "Please use the side door", "Bring the tall ladder", "Inside the fridge", "$195.00"):
                assert shown in body, (address, shown)
            assert "Hello Maria" not in body and "Thank you" not in body
        assert f"{PUBLIC}/admin/bookings/{booked.id}" in text
        assert ics["method"] == "REQUEST"
    accounts.create_user(session, email="staff@example.com", password=PASSWORD, role="staff", now=NOW)
    [mail] = to(received, "alex@example.com")
    admin = local_path(next(u for u in links(parts(mail)[1]) if "/admin/" in u))
    assert client.get(admin).status_code == 302  # the back office asks staff to sign in
    submit(client, "/login", {"email": "staff@example.com", "password": PASSWORD})
    panel = client.get(admin)
    assert panel.status_code == 200 and "Bring the tall ladder" in panel.get_data(as_text=True)


def test_one_event_per_booking_updated_by_each_message_and_cancelled_at_the_end(app, session, booked, inbox):
    change_status(session, booked.id, "approved", actor=b.STAFF, now=NOW)
    reschedule_booking(session, booked.id, actor=b.STAFF, now=NOW, start_date="2026-11-25", start_time="11:00")
    update_booking(session, booked.id, BookingChanges(notes="Side door, then up the stairs"), actor=b.STAFF, now=NOW)
    cancel_booking(session, booked.id, actor=b.STAFF, now=NOW, reason="Customer called")
    assert deliver_now(app).failed == 0
    mails = to(inbox.parsed(), "maria@example.com")
    assert [m["Subject"].split(":")[0] for m in mails] == [
        "Booking received", "Booking confirmed", "Booking moved", "Booking changed", "Booking cancelled"]
    calendars = [parts(m)[2] for m in mails]
    events = [c.walk("VEVENT")[0] for c in calendars]
    assert len({str(e["uid"]) for e in events}) == 1
    sequences = [int(e["sequence"]) for e in events]
    assert sequences == sorted(set(sequences)) and len(sequences) == 5
    assert [str(c["method"]) for c in calendars] == ["REQUEST"] * 4 + ["CANCEL"]
    assert str(events[-1]["status"]) == "CANCELLED" and str(events[1]["status"]) == "CONFIRMED"
    assert "Wed, Nov 25, 2026, 11:00 AM EST" in mails[2]["Subject"]
    # What each message says is written for it; a cancelled visit offers no calendar links.
    text, html, _ = parts(mails[-1])
    assert "Your booking is cancelled" in html and "calendar.google.com" not in html
    assert "Side door, then up the stairs" in parts(mails[3])[0]
    # Staff hear of every change too.
    assert [m["Subject"].split(":")[0] for m in to(inbox.parsed(), "alex@example.com")] == [
        "New booking", "Booking confirmed", "Booking moved", "Booking changed", "Booking cancelled"]


def test_what_was_sent_is_recorded_in_the_outbox(app, session, booked):
    deliver_now(app)
    session.expire_all()
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {r.status for r in rows} == {"sent"}
    assert rows[0].subject.startswith("Booking received: Standard clean on Tue, Nov 24, 2026")


def test_a_move_says_where_it_was_and_an_agent_taken_off_is_told_and_their_event_removed(app, session, booked, inbox):
    svc = booked.service
    blake = b.agent(session, [svc], booked.location, name="Blake Agent", email="blake@example.com")
    session.commit()
    reschedule_booking(session, booked.id, actor=b.STAFF, now=NOW, start_date="2026-11-25", start_time="11:00", agent_id=blake.id)
    deliver_now(app)
    received = inbox.parsed()
    [moved] = [m for m in to(received, "maria@example.com") if m["Subject"].startswith("Booking moved")]
    text, html, _ = parts(moved)
    assert "Was:       Tue, Nov 24, 2026, 10:00\u202fAM EST" in text
    assert "<s>Tue, Nov 24, 2026, 10:00\u202fAM EST</s>" in html and "Blake Agent" in html
    [new] = [m for m in to(received, "blake@example.com")]
    assert new["Subject"].startswith("Booking moved: Maria Lopez") and parts(new)[2]["method"] == "REQUEST"
    released = to(received, "alex@example.com")[-1]
    assert released["Subject"].startswith("Taken off your schedule: Maria Lopez")
    text, html, ics = parts(released)
    assert "now with another agent" in text and ics["method"] == "CANCEL"
    assert int(ics.walk("VEVENT")[0]["sequence"]) == 3  # created 1, staff note 2, this move 3


def test_a_booking_staff_made_is_announced_as_confirmed(app, session, maria, inbox):
    _, svc, _ = b.basic_setup(session)
    create_booking(session, b.request(svc.id, day="2026-11-24", at="10:00", customer_id=maria.id), actor=b.STAFF, now=NOW)
    deliver_now(app)
    [mail] = to(inbox.parsed(), "maria@example.com")
    assert mail["Subject"].startswith("Booking confirmed: Standard clean")
    text, html, ics = parts(mail)
    assert "Your booking is confirmed" in html and "confirm it shortly" not in text
    assert str(ics.walk("VEVENT")[0]["status"]) == "CONFIRMED"
    assert to(inbox.parsed(), "alex@example.com")[0]["Subject"].startswith("New booking: Maria Lopez")


def _event(body: bytes):
    [event] = Calendar.from_ical(body).walk("VEVENT")
    return event


def _revision(event) -> tuple[str, int, object, object]:
    return str(event["uid"]), int(event["sequence"]), event.decoded("last-modified"), event.decoded("dtstamp")


def test_the_invitation_the_download_and_the_feed_are_the_same_revision_of_one_event(app, client, session, booked, inbox):
    later = NOW + timedelta(minutes=7)
    update_booking(session, booked.id, BookingChanges(notes="Side door, then up the stairs"), actor=b.STAFF, now=later)
    assert deliver_now(app, later).failed == 0
    received, changed = [parts(m)[2] for m in to(inbox.parsed(), "maria@example.com")]
    invitation = _revision(changed.walk("VEVENT")[0])
    assert invitation[1:] == (3, later, later)  # created 1, staff note 2, this change 3

    submit(client, "/login", {"email": "maria@example.com", "password": PASSWORD})
    download = _revision(_event(client.get(f"/bookings/{booked.id}.ics").data))
    submit(client, "/profile", {"action": "regenerate"}, post_url="/profile/calendar-feed")
    feed_url = re.search(r'id="calendar-feed-url" value="([^"]+)"', client.get("/profile").get_data(as_text=True)).group(1)
    feed = _revision(_event(app.test_client().get(local_path(feed_url)).data))
    assert download == feed == invitation
    # The first invitation is an older revision of the same event than any download.
    first = _revision(received.walk("VEVENT")[0])
    assert first[0] == download[0] and first[1:] == (1, NOW, NOW) and first[1] < download[1]


def test_the_confirmation_of_a_series_lists_every_visit_and_its_calendar_file_holds_each_one(app, session, maria, inbox):
    """Every 2 weeks from Thursday 3 December: the customer's one confirmation names each
    later visit, and its .ics has one event per visit (each with the UID its own later
    messages, downloads and feed use), so the whole series lands in the calendar at once."""
    _, svc, _ = b.basic_setup(session)
    fortnightly = b.frequency(session, name="Every 2 weeks", count=2)
    session.commit()
    result = create_booking(
        session, b.request(svc.id, day="2026-12-03", at="10:00", frequency_id=fortnightly.id, customer_id=maria.id, address="595 Market St"),
        actor=b.customer_actor(maria), now=NOW,
    )
    first, *later = result.bookings
    assert len(later) >= 5
    cancel_booking(session, later[-1].id, actor=b.STAFF, now=NOW, notify=False)  # a cancelled visit is not announced
    still_on = later[:-1]
    deliver_now(app)
    [mail] = to(inbox.parsed(), "maria@example.com")
    text, html, ics = parts(mail)
    for body in (text, html):
        assert f"first of {len(still_on) + 1} visits" in body
        for visit in still_on:
            assert visit.booking_code in body
        assert later[-1].booking_code not in body
    assert "Thu, Dec 17, 2026" in text and "Thu, Dec 31, 2026" in text
    events = ics.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"booking-{v.booking_code}@booking-portal.local" for v in (first, *still_on)]
    assert [e.decoded("dtstart").date().isoformat() for e in events[:3]] == ["2026-12-03", "2026-12-17", "2026-12-31"]
    assert all(str(e["attendee"]) == "mailto:maria@example.com" for e in events)


def test_only_the_customer_hears_of_the_whole_series(app, session, maria, inbox):
    _, svc, _ = b.basic_setup(session)
    weekly = b.frequency(session)
    session.commit()
    create_booking(
        session, b.request(svc.id, day="2026-12-03", at="10:00", frequency_id=weekly.id, customer_id=maria.id, address="595 Market St"),
        actor=b.customer_actor(maria), now=NOW,
    )
    deliver_now(app)
    [office] = to(inbox.parsed(), "office@example.com")
    text, _, ics = parts(office)
    assert "visits" not in text and len(ics.walk("VEVENT")) == 1
