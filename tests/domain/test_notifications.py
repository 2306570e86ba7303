"""The outbox: messages are written with the change and delivered afterwards, to .eml
files or over real SMTP on loopback, with retries while the server is down."""
from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain.booking import create_booking
from app.domain.models import Booking, OutboxMessage
from app.domain.notifications import MAX_ATTEMPTS, build_email, email_channel, queue_reminders
from app.domain.outbox import run_channel
from app.mail import composer
from app.transports.mail import FileBackend, SmtpBackend
from tests import builders as b
from tests.mailbox import free_port, smtp_server  # noqa: F401 - the fixture


def deliver(factory, backend, *, sender, now, compose=build_email, limit=100):
    """One round of the e-mail channel, as the worker runs it, on a pinned clock."""
    return run_channel(factory, email_channel(backend, sender=sender, compose=compose), clock=lambda: now, limit=limit)


@pytest.fixture
def booked(session, now):
    _, svc, _ = b.basic_setup(session)
    return create_booking(session, b.request(svc.id, day="2026-11-24", at="10:00"), actor=b.STAFF, now=now).booking


def statuses(session):
    session.expire_all()
    return [(m.recipient, m.status, m.attempts) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_a_booking_writes_its_messages_in_the_same_transaction(session, booked):
    rows = session.scalars(select(OutboxMessage)).all()
    assert {r.topic for r in rows} == {"booking.created"}
    assert all(r.booking_id == booked.id and r.status == "pending" for r in rows)
    # The customer's and the agent's; each knows its audience and the calendar SEQUENCE.
    assert [(r.recipient, r.payload["audience"], r.payload["sequence"]) for r in rows] == [
        ("casey@example.com", "customer", 1), ("alex@example.com", "staff", 1)]
    assert booked.booking_code in rows[0].subject


def test_the_file_backend_writes_readable_eml_files(app, session, factory, booked, now, tmp_path):
    report = deliver(factory, FileBackend(tmp_path / "mail"), sender="bookings@example.com", now=now, compose=composer(app))
    assert report.sent == 2
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert {m["To"] for m in parsed} == {"casey@example.com", "alex@example.com"}
    assert booked.booking_code in parsed[0].get_body(("plain",)).get_content()
    assert [s for _, s, _ in statuses(session)] == ["sent", "sent"]
    # Delivered messages are not sent again.
    assert deliver(factory, FileBackend(tmp_path / "mail"), sender="bookings@example.com", now=now).sent == 0


def test_smtp_delivery_reaches_a_real_server(session, factory, booked, now, smtp_server):
    inbox, port = smtp_server
    report = deliver(factory, SmtpBackend("127.0.0.1", port), sender="bookings@example.com", now=now)
    assert report.sent == 2
    received = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
    assert sorted(m["To"] for m in received) == ["alex@example.com", "casey@example.com"]
    assert all(m["Subject"].strip().startswith("Booking received: Standard clean") for m in received)


def test_nothing_is_lost_while_the_server_is_down_and_retries_back_off(session, factory, booked, now, smtp_server):
    inbox, port = smtp_server
    down = SmtpBackend("127.0.0.1", free_port(), timeout=2)
    report = deliver(factory, down, sender="bookings@example.com", now=now)
    assert (report.sent, report.retried) == (0, 2)
    assert statuses(session) == [("casey@example.com", "pending", 1), ("alex@example.com", "pending", 1)]
    first = session.scalars(select(OutboxMessage)).first()
    assert first.next_attempt_at == now + timedelta(seconds=30)
    assert "ConnectionRefusedError" in first.last_error
    # Not due yet: nothing is attempted.
    assert deliver(factory, SmtpBackend("127.0.0.1", port), sender="x@example.com", now=now + timedelta(seconds=10)).sent == 0
    # The second failure waits twice as long.
    deliver(factory, down, sender="bookings@example.com", now=now + timedelta(seconds=30))
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).first().next_attempt_at == now + timedelta(seconds=30 + 60)
    # Back up: delivered, marked sent.
    report = deliver(factory, SmtpBackend("127.0.0.1", port), sender="bookings@example.com", now=now + timedelta(minutes=5))
    assert report.sent == 2 and len(inbox.messages) == 2
    assert [s for _, s, _ in statuses(session)] == ["sent", "sent"]


def test_a_refused_message_is_not_marked_sent_and_gives_up_after_the_last_attempt(session, factory, booked, now, smtp_server):
    inbox, port = smtp_server
    inbox.refuse = True
    backend = SmtpBackend("127.0.0.1", port)
    when = now
    for _ in range(MAX_ATTEMPTS):
        deliver(factory, backend, sender="bookings@example.com", now=when)
        when += timedelta(days=1)
    assert statuses(session) == [("casey@example.com", "failed", MAX_ATTEMPTS), ("alex@example.com", "failed", MAX_ATTEMPTS)]
    assert inbox.messages == []


def test_two_workers_never_send_the_same_message(session, factory, booked, now, tmp_path):
    sent: list[str] = []

    class NestedWorker:
        """While sending, a second worker runs: it must find the message claimed."""

        def send(self, message, *, timeout, stop):
            sent.append(message["To"])
            if len(sent) == 1:
                inner = deliver(factory, FileBackend(tmp_path), sender="bookings@example.com", now=now)
                sent.extend(["inner"] * inner.sent)

    deliver(factory, NestedWorker(), sender="bookings@example.com", now=now)
    # The inner worker could take only the other, unclaimed message.
    assert sorted(sent) == ["casey@example.com", "inner"]
    assert [s for _, s, _ in statuses(session)] == ["sent", "sent"]


def test_reminders_are_queued_once_for_bookings_starting_soon(session, booked, now):
    # The booking starts at 15:00 UTC the next day, 22 hours after `now`.
    assert queue_reminders(session, now=now - timedelta(hours=3)) == 0  # 25 hours away: not yet
    assert queue_reminders(session, now=now) == 1
    assert queue_reminders(session, now=now) == 0
    reminders = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "booking.reminder")).all()
    assert [r.recipient for r in reminders] == ["casey@example.com"]
    session.expire_all()
    assert session.get(Booking, booked.id).version == 1  # a reminder is not a change to the booking
    assert queue_reminders(session, now=now + timedelta(hours=1)) == 0


def test_the_dev_mail_folder_is_under_instance_by_default():
    from app.config import INSTANCE, defaults

    assert Path(defaults(INSTANCE)["MAIL_DIR"]) == INSTANCE / "mail"
