"""E-mail notifications: written to the outbox inside the transaction of the change
they announce, delivered afterwards through the e-mail channel (`email_channel`) by the
outbox runner (outbox.py), with claims and retries.

A row records who the message is for (customer or staff), the booking's version and
status at that moment; the message itself is built at delivery by a composer (the app's
renders templates/email/, see app/mail.py). A message is marked sent only after the
backend accepted it; a temporary failure is retried with exponential backoff, up to
MAX_ATTEMPTS, so nothing is lost while the mail server is down; a message that cannot
be built or is refused for good is marked failed at once and the next one goes out.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .concurrency import begin_write
from .errors import NotFound, ValidationFailed
from .models import ACTIVE_STATUSES, Agent, Booking, OutboxMessage, OutboxStatus, User
from .outbox import DEADLINE_SECONDS, Attempt, Channel, Delivered, Doubling, Parcel
from .preferences import CHANGE_TOPICS, REMINDER_TOPICS, customer_wants  # noqa: F401 - also imported from here
from .sms import queue_booking_text
from .settings import load_settings

MAX_ATTEMPTS = 8

TOPIC_LABELS = {
    "booking.created": "Booking received",
    "booking.confirmed": "Booking confirmed",
    "booking.rescheduled": "Booking moved",
    "booking.cancelled": "Booking cancelled",
    "booking.reminder": "Reminder",
    "booking.updated": "Booking changed",
    "booking.refunded": "Refund made",
}
# The office and the agent hear about everything that changes their day, not reminders.
STAFF_TOPICS = {"booking.created", "booking.confirmed", "booking.rescheduled", "booking.updated", "booking.cancelled"}
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
    # A phone-only customer (no e-mail, issue 22) gets no e-mail; staff still hear of it.
    if booking.customer.email and customer_wants(booking.customer, topic):
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
    # The customer's text, when they asked for texts (sms.py checks their consent);
    # text reminders have their own lead time and round (sms.queue_sms_reminders).
    if topic != "booking.reminder":
        queue_booking_text(session, booking, topic, now)
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


def set_message_preferences(session: Session, user_id: int, *, reminders: bool, changes: bool, texts: bool | None = None) -> User:
    """Save which optional messages a customer wants, and (`texts`) whether they are
    also sent as text messages. Raises NotFound for an unknown user, ValidationFailed
    for texts without a mobile number."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    if texts and not user.phone:
        raise ValidationFailed("Add your mobile number first.", {"sms_notifications": "Add your mobile number on your profile first."})
    user.notify_reminders = reminders
    user.notify_changes = changes
    if texts is not None:
        user.sms_notifications = texts
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
    """A mail transport (app/transports/mail.py): sends within `timeout` seconds in all,
    giving up when `stop` is set; raises DeliveryFailed."""

    def send(self, message: EmailMessage, *, timeout: float, stop: threading.Event | None) -> None: ...


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


# E-mail is retried after waits doubling from 30 s, for MAX_ATTEMPTS attempts in all
# (about two hours): a mail server down longer than that needs a person anyway.
EMAIL_RETRY = Doubling(first=timedelta(seconds=30), attempts=MAX_ATTEMPTS)


def email_channel(
    backend: MailBackend, *, sender: str, compose: Composer = build_email, deadline: float = DEADLINE_SECONDS
) -> Channel:
    """The outbox's e-mail, as the runner (outbox.run_channel) sends it. A message that
    cannot be built, or that the server refuses for good, is failed at once with the
    reason; the runner then goes on with the next: one poisoned row never holds up the
    rest."""

    def prepare(session: Session, row: OutboxMessage, now: datetime) -> Parcel:
        message = compose(session, row, sender, now)

        def send(timeout: float, stop: threading.Event | None) -> Delivered:
            backend.send(message, timeout=timeout, stop=stop)
            # Keep the subject as sent, so the outbox shows what the person received.
            return Delivered(changes={"subject": str(message["Subject"])[:255]})

        return send

    return Channel(
        name="email", model=OutboxMessage, prepare=prepare, retry=EMAIL_RETRY,
        sent_status=OutboxStatus.SENT, pending_status=OutboxStatus.PENDING, failed_status=OutboxStatus.FAILED,
        due=lambda now: [OutboxMessage.channel == "email"], record=_record_email, deadline=deadline,
    )


def _record_email(row: OutboxMessage, attempt: Attempt) -> None:
    if attempt.ok:
        row.sent_at = attempt.at
