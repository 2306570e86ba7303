"""E-mail notifications: composed and written to the outbox inside the transaction of
the change they announce, delivered afterwards by `deliver()` with retries.

A message is marked sent only after the backend accepted it; a failed attempt is
retried with exponential backoff, up to MAX_ATTEMPTS, so nothing is lost while the mail
server is down.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from .concurrency import begin_write
from .models import ACTIVE_STATUSES, Booking, OutboxMessage, OutboxStatus
from .settings import load_settings
from .timeutil import zone

MAX_ATTEMPTS = 8
CLAIM_FOR = timedelta(minutes=5)

SUBJECTS = {
    "booking.created": "Booking received: {service} on {when}",
    "booking.confirmed": "Booking confirmed: {service} on {when}",
    "booking.rescheduled": "Booking moved: {service} now on {when}",
    "booking.cancelled": "Booking cancelled: {service} on {when}",
    "booking.reminder": "Reminder: {service} on {when}",
    "booking.updated": "Booking updated: {service} on {when}",
}

INTROS = {
    "booking.created": "Thank you, we have your booking.",
    "booking.confirmed": "Your booking is confirmed.",
    "booking.rescheduled": "Your booking has been moved to a new time.",
    "booking.cancelled": "Your booking has been cancelled.",
    "booking.reminder": "A reminder of your upcoming booking.",
    "booking.updated": "Your booking has been updated.",
}

AGENT_TOPICS = {"booking.created", "booking.rescheduled", "booking.cancelled"}


def describe_when(booking: Booking) -> str:
    local = booking.start_at.astimezone(zone(booking.location.timezone))
    return local.strftime("%A %d %B %Y at %H:%M ") + (local.tzname() or "")


def queue_booking_message(session: Session, booking: Booking, topic: str, now: datetime) -> list[OutboxMessage]:
    """Write the messages for one booking event to the outbox (customer, and the agent
    for new, moved and cancelled bookings)."""
    settings = load_settings(session)
    values = {"service": booking.service.name, "when": describe_when(booking)}
    subject = SUBJECTS[topic].format(**values)
    recipients = [(booking.customer.email, booking.customer.full_name)]
    if topic in AGENT_TOPICS and booking.agent.email:
        recipients.append((booking.agent.email, booking.agent.name))
    messages = []
    for address, name in recipients:
        body = "\n".join(
            [
                f"Hello {name},",
                "",
                INTROS[topic],
                "",
                f"Booking code: {booking.booking_code}",
                f"Service: {', '.join(line.name for line in booking.lines) or booking.service.name}",
                f"When: {values['when']}",
                f"Where: {booking.address or booking.location.address}",
                f"With: {booking.agent.name}",
                f"Status: {booking.status}",
                f"Total: {booking.total}",
                "",
                f"— {settings.business_name}",
            ]
        )
        message = OutboxMessage(
            channel="email",
            topic=topic,
            booking_id=booking.id,
            recipient=address,
            subject=subject,
            body=body,
            payload={"from_name": settings.business_name},
            next_attempt_at=now,
            created_at=now,
        )
        session.add(message)
        messages.append(message)
    return messages


def queue_message(session: Session, *, topic: str, recipient: str, subject: str, body: str, now: datetime) -> OutboxMessage:
    """A message not about a booking (password reset, welcome)."""
    message = OutboxMessage(
        channel="email", topic=topic, recipient=recipient, subject=subject, body=body, next_attempt_at=now, created_at=now
    )
    session.add(message)
    return message


def queue_reminders(session: Session, *, now: datetime) -> int:
    """Queue one reminder for each active booking starting within the reminder window.

    Idempotent: a booking is reminded once (reminder_sent_at). Returns how many were queued.
    """
    # Two runs at once must not both remind: serialise like any other write.
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


def build_email(row: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    from_name = (row.payload or {}).get("from_name")
    message["From"] = f"{from_name} <{sender}>" if from_name else sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=f"outbox{row.id}", domain=sender.partition("@")[2] or "localhost")
    message.set_content(row.body)
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver(
    factory: sessionmaker[Session], backend: MailBackend, *, sender: str, now: datetime, limit: int = 100
) -> DeliveryReport:
    """Send due outbox messages. Each is claimed first (so two workers never send the
    same one), sent outside any transaction, then marked sent or rescheduled."""
    report = DeliveryReport()
    with factory() as session:
        due = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
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
            try:
                backend.send(build_email(row, sender, now))
            except (OSError, smtplib.SMTPException) as exc:
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                row.claimed_until = None
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = OutboxStatus.FAILED
                    report.failed += 1
                else:
                    row.next_attempt_at = now + timedelta(seconds=30 * 2 ** (row.attempts - 1))
                    report.retried += 1
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = now
                row.claimed_until = None
                report.sent += 1
            session.commit()
    return report
