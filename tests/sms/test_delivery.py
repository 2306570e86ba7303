"""Texts from booking events to the loopback Twilio: consent, the Messages resource as
Twilio documents it, retries, quiet hours on a pinned clock, the reminder's own lead
time, exactly once across two workers, and the file backend of `make run`."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.domain.booking import cancel_booking, reschedule_booking
from app.domain.models import BookingEvent, SmsMessage, User
from app.domain.outbox import run_channel
from app.domain.sms import queue_sms_reminders, sms_channel
from app.sms import sms_composer
from app.transports.sms import FileSmsBackend
from app.worker import run_worker
from tests import builders as b
from tests.conftest import NOW
from tests.sms.conftest import MOBILE, PUBLIC, book, deliver
from tests.twilio_server import ACCOUNT_SID, SENDER


def texts(session):
    session.expire_all()
    return list(session.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def test_an_opted_in_customer_gets_the_confirmation_through_twilios_messages_resource(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    booking = book(session, svc, casey)
    [queued] = texts(session)
    assert (queued.topic, queued.to, queued.status) == ("booking.created", MOBILE, "pending")

    report = deliver(app, factory)
    assert report.sent == 1
    [request] = twilio.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    form = request["form"]
    assert (form["To"], form["From"], form["StatusCallback"]) == (MOBILE, SENDER, f"{PUBLIC}/sms/twilio/status")
    assert form["Body"].startswith("Sparkle & Fix: booked Standard clean, Tue, Nov 24, 10:00 AM EST. https://book.example.com/m/")
    [sent] = texts(session)
    assert sent.status == "sent" and sent.provider_id == twilio.messages[0]["sid"] and sent.delivery_status == "queued"
    assert (sent.body, sent.encoding, sent.segments) == (form["Body"], "GSM-7", 1)
    # The link in the text is the booking's signed link: it leads to the booking.
    link = form["Body"].rsplit(" ", 1)[1].removeprefix(PUBLIC)
    assert app.test_client().get(link).headers["Location"].startswith("/login?next=/bookings/")
    notes = session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id, BookingEvent.action == "text_sent")).all()
    assert [n.changes["text"][1] for n in notes] == [f"confirmation text to {MOBILE}"]


def test_no_text_without_consent_on_the_account_and_on_the_booking(app, session, factory, setup, twilio):
    _, svc, _ = setup
    quiet = b.customer(session, "quiet@example.com", phone=MOBILE, sms_notifications=False)
    keen = b.customer(session, "keen@example.com", phone="+12015550124", sms_notifications=True)
    session.commit()
    book(session, svc, quiet, at="10:00")
    book(session, svc, keen, at="11:00", sms_notifications=False)  # not for this booking
    assert texts(session) == []
    assert deliver(app, factory).sent == 0 and twilio.requests == []


def test_moved_and_cancelled_bookings_are_texted(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    booking = book(session, svc, casey)
    reschedule_booking(session, booking.id, start_at=b.at_utc("2026-11-25T16:00:00"), actor=b.STAFF, now=NOW)
    cancel_booking(session, booking.id, actor=b.STAFF, now=NOW)
    assert deliver(app, factory).sent == 3
    bodies = [m["body"] for m in twilio.messages]
    # Each text is written when it goes out: the booking as it is then, with its link.
    assert bodies[0].startswith("Sparkle & Fix: booked Standard clean, ")
    assert "Standard clean moved to Wed, Nov 25, 11:00 AM EST" in bodies[1]
    assert "cancelled Standard clean, Wed, Nov 25, 11:00 AM EST" in bodies[2]


def test_turning_texts_off_stops_the_texts_already_queued(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    book(session, svc, casey)
    user = session.get(User, casey.id)
    user.sms_notifications = False
    session.commit()
    assert deliver(app, factory).failed == 1
    assert twilio.requests == []
    assert "turned text messages off" in texts(session)[0].last_error


def test_twilio_5xx_is_retried_with_backoff_and_4xx_is_not(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    other = b.customer(session, "bad@example.com", phone="+12015550125", sms_notifications=True)
    stop = b.customer(session, "stop@example.com", phone="+12015550126", sms_notifications=True)
    session.commit()
    book(session, svc, casey, at="10:00")
    book(session, svc, other, at="11:00")
    book(session, svc, stop, at="12:00")
    twilio.fail_next = [503]
    twilio.invalid.add("+12015550125")
    twilio.unsubscribed.add("+12015550126")

    first = deliver(app, factory)
    assert (first.sent, first.retried, first.failed) == (0, 1, 2)
    rows = texts(session)
    assert rows[0].status == "pending" and rows[0].next_attempt_at == NOW + timedelta(minutes=1) and "Twilio 503" in rows[0].last_error
    assert rows[1].status == "failed" and "error 21211" in rows[1].last_error
    assert rows[2].status == "failed" and "error 21610" in rows[2].last_error
    # Not due before its time; then it goes, and the refused ones are never tried again.
    assert deliver(app, factory, now=NOW + timedelta(seconds=30)).sent == 0
    assert deliver(app, factory, now=NOW + timedelta(minutes=1)).sent == 1
    assert [r["form"]["To"] for r in twilio.requests] == [MOBILE, "+12015550125", "+12015550126", MOBILE]
    failed = session.scalars(select(BookingEvent).where(BookingEvent.action == "text_failed")).all()
    assert len(failed) == 2
    # Twilio's 21610 says the recipient replied STOP to it: we stop texting them too.
    assert session.get(User, stop.id).sms_notifications is False and session.get(User, other.id).sms_notifications is True


def test_a_twilio_too_slow_for_the_deadline_is_retried(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    book(session, svc, casey)
    twilio.hold = threading.Event()
    report = deliver(app, factory, deadline=0.5)
    twilio.hold.set()
    assert report.retried == 1
    [row] = texts(session)
    assert row.status == "pending" and "timed out" in row.last_error and row.attempts == 1


def test_texts_wait_for_the_morning_in_the_customers_zone(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    night = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 22:30 the evening before in New York
    book(session, svc, casey, day="2026-11-25", at="10:00", now=night)
    [row] = texts(session)
    morning = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert row.next_attempt_at == morning
    assert deliver(app, factory, now=night + timedelta(hours=2)).sent == 0
    assert deliver(app, factory, now=morning - timedelta(seconds=1)).sent == 0
    assert twilio.requests == []
    assert deliver(app, factory, now=morning).sent == 1


def test_a_retry_that_falls_in_the_night_is_held_without_spending_an_attempt(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    evening = datetime(2026, 11, 24, 1, 59, 30, tzinfo=UTC)  # 20:59:30 in New York
    book(session, svc, casey, day="2026-11-25", now=evening)
    twilio.fail_next = [500]
    assert deliver(app, factory, now=evening).retried == 1
    retry_at = evening + timedelta(minutes=1)  # 21:00:30: quiet
    report = deliver(app, factory, now=retry_at)
    assert (report.held, report.sent) == (1, 0)
    [row] = texts(session)
    assert row.attempts == 1 and row.next_attempt_at == datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    assert len(twilio.requests) == 1


def test_the_reminder_goes_at_its_own_lead_time_once(app, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    book(session, svc, casey, day="2026-11-24", at="10:00")  # 15:00 UTC, 22 hours after NOW
    deliver(app, factory)
    assert queue_sms_reminders(session, now=NOW) == 0  # e-mail's 24 hours would be due; texts wait for 2
    at = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)  # two hours before
    assert queue_sms_reminders(session, now=at) == 1
    assert queue_sms_reminders(session, now=at) == 0
    assert deliver(app, factory, now=at).sent == 1
    assert twilio.messages[-1]["body"].startswith("Sparkle & Fix reminder: Standard clean, Tue, Nov 24, 10:00 AM EST.")
    assert [t.topic for t in texts(session)] == ["booking.created", "booking.reminder"]


def test_a_customer_who_turned_reminders_off_gets_no_text_reminder(app, session, factory, setup, casey):
    _, svc, _ = setup
    book(session, svc, casey)
    session.get(User, casey.id).notify_reminders = False
    session.commit()
    assert queue_sms_reminders(session, now=datetime(2026, 11, 24, 13, 0, tzinfo=UTC)) == 1
    assert [t.topic for t in texts(session)] == ["booking.created"]


def test_two_workers_send_each_text_exactly_once(app, session, factory, setup, twilio):
    _, svc, _ = setup
    for i in range(6):
        who = b.customer(session, f"c{i}@example.com", phone=f"+1201555{200 + i:04d}", sms_notifications=True)
        session.commit()
        book(session, svc, who, at=f"{9 + i:02d}:00")
    gate = threading.Barrier(2)
    reports = []

    def worker():
        gate.wait()
        reports.append(deliver(app, factory))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(r.sent for r in reports) == 6
    assert sorted(m["to"] for m in twilio.messages) == [f"+1201555{200 + i:04d}" for i in range(6)]
    assert {t.status for t in texts(session)} == {"sent"}


def test_the_worker_sends_texts_and_the_file_backend_writes_them_under_sms_dir(app, session, setup, casey, tmp_path):
    app.config["SMS_BACKEND"] = "file"
    _, svc, _ = setup
    book(session, svc, casey)
    stop = threading.Event()
    run_worker(app, stop, interval=0, rounds=1)
    [written] = list(Path(app.config["SMS_DIR"]).glob("*.txt"))
    text = written.read_text()
    assert text.startswith(f"To: {MOBILE}\n\nSparkle & Fix: booked Standard clean")
    assert texts(session)[0].status == "sent"


def test_the_dev_sms_folder_is_under_instance_by_default():
    from app.config import INSTANCE, defaults

    assert Path(defaults(INSTANCE)["SMS_DIR"]) == INSTANCE / "sms"


def test_texts_are_off_with_sms_backend_off(app, session, setup, casey):
    app.config["SMS_BACKEND"] = "off"
    _, svc, _ = setup
    book(session, svc, casey)
    run_worker(app, threading.Event(), interval=0, rounds=1)
    assert texts(session)[0].status == "pending"


def test_a_file_backend_channel_round_on_its_own(app, session, factory, setup, casey, tmp_path):
    _, svc, _ = setup
    book(session, svc, casey)
    channel = sms_channel(FileSmsBackend(tmp_path / "out"), compose=sms_composer(app))
    assert run_channel(factory, channel, clock=lambda: NOW).sent == 1
    assert len(list((tmp_path / "out").glob("sms-*.txt"))) == 1


def test_a_pending_booking_is_texted_when_it_is_confirmed(app, session, factory, setup, casey, twilio):
    from app.domain.booking import change_status

    _, svc, _ = setup
    booking = book(session, svc, casey, status="pending")
    assert texts(session) == []
    change_status(session, booking.id, "approved", actor=b.STAFF, now=NOW)
    assert [t.topic for t in texts(session)] == ["booking.confirmed"]
    assert deliver(app, factory).sent == 1
    assert twilio.messages[0]["body"].startswith("Sparkle & Fix: booked Standard clean, Tue, Nov 24, 10:00 AM EST.")


def test_the_commands_queue_text_reminders_and_send_texts(app, session, tmp_path):
    from tests.test_cli import run

    app.config["SMS_BACKEND"] = "file"
    loc = b.location(session, "Etc/UTC")
    svc = b.service(session, loc)
    b.agent(session, [svc], loc, hours={d: [("00:00", "23:30")] for d in range(7)})
    who = b.customer(session, phone=MOBILE, sms_notifications=True)
    session.commit()
    book(session, svc, who, day=None, at=None, when=NOW + timedelta(hours=1), send_notifications=False)
    queued = run(app, "notifications", "send-reminders")
    assert queued.exit_code == 0 and "queued 1 text reminder(s)" in queued.output
    assert "queued 0 text reminder(s)" in run(app, "notifications", "send-reminders").output
    delivered = run(app, "notifications", "deliver")
    assert delivered.exit_code == 0 and "texts: sent 1," in delivered.output
    [written] = list(Path(app.config["SMS_DIR"]).glob("*.txt"))
    assert "reminder: Standard clean" in written.read_text()
