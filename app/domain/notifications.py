"""E-mail notifications: written to the outbox inside the transaction of the change
they announce, delivered afterwards by `deliver()` with claims and retries.

A row records who the message is for (customer or staff), the booking's version and
status at that moment; the message itself is built at delivery by a composer (the app's
renders templates/email/, see app/mail.py). A message is marked sent only after the
backend accepted it; a temporary failure is retried with exponential backoff, up to
MAX_ATTEMPTS, so nothing is lost while the mail server is down; a message that cannot
be built or is refused for good is marked failed at once and the next one goes out.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .concurrency import begin_write
from .errors import NotFound
from .models import ACTIVE_STATUSES, Agent, Booking, OutboxMessage, OutboxStatus, User
from .settings import load_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)

TOPIC_LABELS = {
    "booking.created": "Booking received",
    "booking.confirmed": "Booking confirmed",
    "booking.rescheduled": "Booking moved",
    "booking.cancelled": "Booking cancelled",
    "booking.reminder": "Reminder",
    "booking.updated": "Booking changed",
}
# The office and the agent hear about everything that changes their day, not reminders.
STAFF_TOPICS = {"booking.created", "booking.confirmed", "booking.rescheduled", "booking.updated", "booking.cancelled"}
# What a customer may turn off; confirmations (received, confirmed, cancelled) always go.
REMINDER_TOPICS = {"booking.reminder"}
CHANGE_TOPICS = {"booking.rescheduled", "booking.updated"}


def customer_wants(customer: User, topic: str) -> bool:
    """Whether the customer's message preferences let this message go out."""
    if topic in REMINDER_TOPICS:
        return bool(customer.notify_reminders)
    if topic in CHANGE_TOPICS:
        return bool(customer.notify_changes)
    return True


def queue_booking_message(
    session: Session, booking: Booking, topic: str, now: datetime, *,
    previous_start: datetime | None = None, previous_agent_id: int | None = None,
) -> list[OutboxMessage]:
    """Write the messages for one booking event to the outbox: the customer's (if their
    preferences allow it) and one written for staff to the agent and the office address.

    Each row records the booking's version (the calendar SEQUENCE, so the .ics of a later
    change always outranks an earlier one however late either is delivered) and its
    status at this moment; the rest is rendered at delivery from the booking and the
    templates. A move records the time it had; an agent taken off the booking is told so.
    """
    settings = load_settings(session)
    subject = f"{TOPIC_LABELS[topic]}: {booking.service.name} ({booking.booking_code})"
    # By id: after a reassignment the relationship may still hold the agent it had.
    agent = session.get(Agent, booking.agent_id)
    recipients: list[tuple[str, dict[str, Any]]] = []
    if customer_wants(booking.customer, topic):
        recipients.append((booking.customer.email, {"audience": "customer"}))
    if topic in STAFF_TOPICS:
        for address in dict.fromkeys(a for a in (agent.email if agent else "", settings.office_email) if a):
            recipients.append((address, {"audience": "staff"}))
        previous = session.get(Agent, previous_agent_id) if previous_agent_id not in (None, booking.agent_id) else None
        if previous is not None and previous.email and previous.email not in {a for a, _ in recipients}:
            recipients.append((previous.email, {"audience": "staff", "released": True}))
    moved_from = previous_start.isoformat() if previous_start is not None and previous_start != booking.start_at else None
    messages = []
    for address, extra in recipients:
        message = OutboxMessage(
            channel="email",
            topic=topic,
            booking_id=booking.id,
            recipient=address,
            subject=subject,
            body="",
            payload={
                **extra, "sequence": booking.version, "status": booking.status, "previous_start": moved_from,
                "from_name": settings.business_name,
            },
            next_attempt_at=now,
            created_at=now,
        )
        session.add(message)
        messages.append(message)
    return messages


def queue_message(
    session: Session, *, topic: str, recipient: str, subject: str, body: str, now: datetime, payload: dict[str, Any] | None = None
) -> OutboxMessage:
    """A message not about a booking (password reset, welcome). `body` is its plain text;
    `payload` carries what a template for the topic needs (e.g. the reset link)."""
    message = OutboxMessage(
        channel="email", topic=topic, recipient=recipient, subject=subject, body=body, payload=payload or {},
        next_attempt_at=now, created_at=now,
    )
    session.add(message)
    return message


def set_message_preferences(session: Session, user_id: int, *, reminders: bool, changes: bool) -> User:
    """Save which optional messages a customer wants. Raises NotFound for an unknown user."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    user.notify_reminders = reminders
    user.notify_changes = changes
    session.commit()
    return user


def queue_reminders(session: Session, *, now: datetime) -> int:
    """Queue one reminder for each active booking starting within the reminder window.

    Idempotent: a booking is reminded once (reminder_sent_at), also when its customer
    turned reminders off. Returns how many bookings were due.
    """
    # Two runs at once (several workers) must not both remind: serialise like any other
    # write; on PostgreSQL a second worker skips the rows the first has locked.
    begin_write(session)
    hours = load_settings(session).reminder_hours
    due = list(
        session.scalars(
            select(Booking)
            .where(
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.reminder_sent_at.is_(None),
                Booking.start_at > now,
                Booking.start_at <= now + timedelta(hours=hours),
            )
            .with_for_update(skip_locked=True)
        )
    )
    for booking in due:
        queue_booking_message(session, booking, "booking.reminder", now)
        # A plain UPDATE: a reminder is not a change to the booking, so no new version.
        session.execute(update(Booking).where(Booking.id == booking.id).values(reminder_sent_at=now))
    session.commit()
    return len(due)


# --- delivery ---------------------------------------------------------------------


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class FileBackend:
    """Writes each message as an .eml file a person can open (the default)."""

    directory: Path

    def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        target = self.directory / f"{name}.eml"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(target)


@dataclass
class SmtpBackend:
    host: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


Composer = Callable[[Session, OutboxMessage, str, datetime], EmailMessage]


def build_email(session: Session, row: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    """The plain-text message stored in the row (the composer for messages without a
    template). Raises ValueError for a header that cannot be written (CR/LF)."""
    message = email_envelope(row, sender, now)
    message.set_content(row.body)
    return message


_HEADER_SPACES = {0x202F: " ", 0x00A0: " "}


def email_envelope(row: OutboxMessage, sender: str, now: datetime, *, subject: str | None = None) -> EmailMessage:
    """The headers every message carries; the email package refuses CR/LF in them
    (ValueError), so a poisoned address cannot add recipients."""
    message = EmailMessage()
    from_name = (row.payload or {}).get("from_name")
    message["From"] = formataddr((from_name, sender)) if from_name else sender
    message["To"] = row.recipient
    # CLDR puts a narrow no-break space before "AM"/"PM": in a header it makes the whole
    # subject an encoded word, folded straight after "Subject:". A plain space keeps it readable.
    message["Subject"] = (row.subject if subject is None else subject).translate(_HEADER_SPACES)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=sender.partition("@")[2] or "localhost")
    return message


def refused_for_good(exc: Exception) -> bool:
    """A refusal that no retry will change: the server refused this message's recipient
    or content with a 5xx. Refusals of our sender or login (also 5xx) are not the
    message's fault and would refuse every message, so those are retried instead."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return isinstance(exc, smtplib.SMTPNotSupportedError)  # e.g. a non-ASCII address the server cannot take


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver(
    factory: sessionmaker[Session],
    backend: MailBackend,
    *,
    sender: str,
    now: datetime,
    limit: int = 100,
    compose: Composer = build_email,
) -> DeliveryReport:
    """Send due e-mail outbox messages. Each is claimed first (so two workers, on one
    machine or several, never send the same one), built and sent outside any
    transaction, then marked sent, rescheduled, or failed with the reason.

    A message that cannot be built or that the server refuses for good is marked failed
    at once and delivery goes on with the next: one poisoned row never holds up the rest.
    """
    report = DeliveryReport()
    with factory() as session:
        due = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.channel == "email",
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    for message_id in due:
        with factory() as session:
            claimed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .values(claimed_until=now + CLAIM_FOR, attempts=OutboxMessage.attempts + 1)
            ).rowcount
            session.commit()
            if not claimed:
                continue
            row = session.get(OutboxMessage, message_id)
            assert row is not None
            outcome = _send_one(session, row, backend, compose, sender, now)
            row.claimed_until = None
            if outcome == "sent":
                row.status = OutboxStatus.SENT
                row.sent_at = now
                report.sent += 1
            elif outcome == "failed" or row.attempts >= MAX_ATTEMPTS:
                row.status = OutboxStatus.FAILED
                report.failed += 1
            else:
                row.next_attempt_at = now + timedelta(seconds=30 * 2 ** (row.attempts - 1))
                report.retried += 1
            session.commit()
    return report


def _send_one(session: Session, row: OutboxMessage, backend: MailBackend, compose: Composer, sender: str, now: datetime) -> str:
    """Build and send one claimed message: "sent", "retry" or "failed" (last_error says why)."""
    try:
        message = compose(session, row, sender, now)
    except SQLAlchemyError as exc:
        # The database, not the message: try again later.
        session.rollback()
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        return "retry"
    except Exception as exc:  # noqa: BLE001 - whatever stops one message from being built must not stop the queue
        log.warning("outbox message %s cannot be built: %r", row.id, exc)
        session.rollback()
        row.last_error = f"cannot be built: {type(exc).__name__}: {exc}"[:2000]
        return "failed"
    try:
        backend.send(message)
    except (OSError, smtplib.SMTPException) as exc:
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        return "failed" if refused_for_good(exc) else "retry"
    # Keep the subject as sent, so the outbox shows what the person received.
    row.subject = str(message["Subject"])[:255]
    return "sent"
