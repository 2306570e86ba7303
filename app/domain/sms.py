"""Text messages to customers who asked for them: queued beside the e-mails of the same
booking event (in the same transaction), delivered by the outbox runner's SMS channel,
then followed by the provider's delivery reports.

Consent is checked twice: when a text is queued and again just before it is sent, so a
customer who turns texts off (preferences page, or a STOP reply) gets none of the texts
already waiting. A text is for the booking's phone, else the customer's, in E.164.

Texts never go out between 21:00 and 08:00 in the booking's location's zone: one
queued then waits until 08:00 (`next_attempt_at`), and the channel checks again at
delivery (a retry may fall in the night), holding it without spending an attempt.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from .actor import Actor
from .concurrency import begin_write
from .errors import DomainError, NotFound
from .history import record as record_history
from .models import ACTIVE_STATUSES, Booking, BookingEvent, BookingStatus, OutboxStatus, SmsMessage, User
from .outbox import DEADLINE_SECONDS, Attempt, Channel, Delivered, DeliveryFailed, Doubling, NotYet, Parcel
from .phones import BadValue, parse_phone, region_for, segments
from .preferences import customer_wants
from .settings import load_settings
from .timeutil import zone

# The booking events a customer is texted about, and what the text is called.
SMS_TOPICS = {
    "booking.created": "confirmation",
    "booking.confirmed": "confirmation",
    "booking.rescheduled": "moved",
    "booking.cancelled": "cancelled",
    "booking.reminder": "reminder",
}
KIND_TOPIC = {"confirmation": "booking.confirmed", "moved": "booking.rescheduled", "cancelled": "booking.cancelled",
              "reminder": "booking.reminder"}
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
MAX_ATTEMPTS = 6
# Twilio's words for "stop texting me" (its Advanced Opt-Out defaults); matched whole, any case.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "STOP ALL"})
# How far the delivery reports go, so a late "sent" never overwrites "delivered".
DELIVERY_RANK = {"accepted": 1, "scheduled": 1, "queued": 2, "sending": 3, "sent": 4,
                 "delivered": 5, "undelivered": 5, "failed": 5, "read": 6, "canceled": 5}
LIST_LIMIT = 20


class TextsOff(DomainError):
    code = "sms_not_allowed"
    status = 409


def quiet_until(now: datetime, tz: str) -> datetime | None:
    """08:00 next in zone `tz` when `now` is between 21:00 and 08:00 there, else None."""
    local = now.astimezone(zone(tz))
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    # 08:00 is never in a daylight-saving gap or fold, so the wall time is one instant.
    return datetime.combine(day, QUIET_UNTIL, tzinfo=zone(tz))


def text_number(session: Session, booking: Booking) -> str | None:
    """The E.164 number a booking's texts go to (the booking's phone, else the
    customer's), or None when there is none that can take texts."""
    region = region_for(session, booking.location_id)
    for raw in (booking.phone, booking.customer.phone):
        if raw:
            try:
                return parse_phone(raw, region=region)
            except BadValue:
                continue
    return None


def texts_allowed(booking: Booking, topic: str) -> bool:
    """Whether the customer asked for texts, on their account and on this booking, and
    lets this kind of message reach them."""
    customer = booking.customer
    return bool(customer.sms_notifications and booking.sms_notifications and customer.active
                and customer_wants(customer, topic))


def queue_booking_text(session: Session, booking: Booking, topic: str, now: datetime, *, requested_by: str = "",
                       force: bool = False) -> SmsMessage | None:
    """Write the customer's text for one booking event, when they asked for texts and
    have a number that takes them; None otherwise. Does not commit. A text queued in
    the customer's quiet hours waits until 08:00 there. `force` (a staff resend)
    skips the reminder/change preferences, never the consent to texts."""
    if topic not in SMS_TOPICS:
        return None
    if topic == "booking.created" and booking.status != BookingStatus.APPROVED:
        return None  # a pending booking's text goes out when it is confirmed
    if force:
        if not (booking.customer.sms_notifications and booking.sms_notifications):
            return None
    elif not texts_allowed(booking, topic):
        return None
    to = text_number(session, booking)
    if to is None:
        return None
    held = quiet_until(now, booking.location.timezone)
    message = SmsMessage(
        booking_id=booking.id, customer_id=booking.customer_id, topic=topic, to=to, body="", encoding="", segments=0,
        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=held or now, created_at=now, last_error="",
        delivery_status="", delivery_error="", requested_by=requested_by,
    )
    session.add(message)
    return message


def queue_sms_reminders(session: Session, *, now: datetime) -> int:
    """Queue one text reminder for each active booking starting within SMS_REMINDER_HOURS
    whose customer asked for texts. Idempotent (sms_reminder_sent_at), also across
    workers: the rows are locked (PostgreSQL) or the write lock held (SQLite) while
    marked. Returns how many bookings were due."""
    begin_write(session)
    hours = load_settings(session).sms_reminder_hours
    due = list(session.scalars(
        select(Booking).where(
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.sms_notifications.is_(True),
            Booking.sms_reminder_sent_at.is_(None),
            Booking.start_at > now,
            Booking.start_at <= now + timedelta(hours=hours),
        ).order_by(Booking.id).with_for_update(skip_locked=True)
    ))
    for booking in due:
        queue_booking_text(session, booking, "booking.reminder", now)
        # A plain UPDATE: a reminder is not a change to the booking (no new version).
        session.execute(update(Booking).where(Booking.id == booking.id).values(sms_reminder_sent_at=now))
    session.commit()
    return len(due)


def resend_text(session: Session, booking_id: int, kind: str, *, actor: Actor, now: datetime) -> SmsMessage:
    """Queue the booking's text of `kind` (confirmation, reminder, moved, cancelled) again,
    at a staff member's request. Raises NotFound, TextsOff (no consent or no number)."""
    if kind not in KIND_TOPIC:
        raise NotFound("There is no such text.")
    booking = session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("There is no such booking.")
    if not (booking.customer.sms_notifications and booking.sms_notifications):
        raise TextsOff("The customer has not asked for text messages on this booking.")
    topic = KIND_TOPIC[kind]
    if topic == "booking.confirmed" and booking.status != BookingStatus.APPROVED:
        raise TextsOff("The booking is not confirmed.")
    message = queue_booking_text(session, booking, topic, now, requested_by=actor.label, force=True)
    if message is None:
        raise TextsOff("The customer has no number that can take text messages.")
    record_history(session, booking, actor=actor, now=now, action="text_resent", changes={"text": (None, kind)})
    session.commit()
    return message


def set_texts(session: Session, user_id: int, *, wanted: bool) -> User:
    """Turn a customer's texts on or off (their preferences page). Raises NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    user.sms_notifications = wanted
    session.commit()
    return user


def opt_out(session: Session, number: str, *, now: datetime) -> int:
    """A STOP reply from `number` (E.164): every customer with that number stops
    getting texts, on their account and their bookings to come. Idempotent; returns
    how many accounts were on."""
    begin_write(session)
    users = list(session.scalars(select(User).where(User.phone == number)))
    booked_ids = list(session.scalars(
        select(Booking.customer_id).where(Booking.phone == number, Booking.start_at > now).distinct()))
    ids = {u.id for u in users} | set(booked_ids)
    turned = 0
    for user in session.scalars(select(User).where(User.id.in_(ids))) if ids else []:
        turned += bool(user.sms_notifications)
        user.sms_notifications = False
    # Through the ORM, so each booking gets a new version, its history and a change stamp
    # (API sync clients see `sms_notifications` go false).
    actor = Actor.system("Text messages (STOP reply)")
    upcoming = session.scalars(select(Booking).where(Booking.customer_id.in_(ids), Booking.start_at > now,
                                                     Booking.sms_notifications.is_(True)).order_by(Booking.id)) if ids else []
    for booking in upcoming:
        booking.sms_notifications = False
        record_history(session, booking, actor=actor, now=now, action="updated", changes={"sms_notifications": (True, False)})
    session.commit()
    return turned


def record_delivery_report(session: Session, provider_id: str, status: str, error_code: str, *, now: datetime) -> bool:
    """What the provider reports about a text it accepted. Idempotent and in order: a
    report repeated, or one that arrives after a later one, changes nothing. Returns
    whether the text is known."""
    begin_write(session)
    row = session.scalars(select(SmsMessage).where(SmsMessage.provider_id == provider_id).with_for_update()).first()
    if row is None:
        session.rollback()
        return False
    status = status.lower()[:20]
    if DELIVERY_RANK.get(status, 0) > DELIVERY_RANK.get(row.delivery_status, 0):
        row.delivery_status = status
        row.delivery_error = error_code[:10]
        row.delivery_updated_at = now
    session.commit()
    return True


@dataclass(frozen=True)
class TextLine:
    message: SmsMessage
    kind: str


def texts_for_customer(session: Session, customer_id: int, *, limit: int = LIST_LIMIT) -> list[TextLine]:
    """The customer's latest texts, newest first (at most `limit`)."""
    rows = session.scalars(select(SmsMessage).where(SmsMessage.customer_id == customer_id)
                           .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit))
    return [TextLine(r, SMS_TOPICS.get(r.topic, r.topic)) for r in rows]


def texts_for_booking(session: Session, booking_id: int, *, limit: int = LIST_LIMIT) -> list[TextLine]:
    rows = session.scalars(select(SmsMessage).where(SmsMessage.booking_id == booking_id)
                           .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(limit))
    return [TextLine(r, SMS_TOPICS.get(r.topic, r.topic)) for r in rows]


# --- delivery ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextSent:
    """What the provider answered: its id for the message and the status it gave."""

    provider_id: str | None
    status: str = ""


class SmsBackend(Protocol):
    """An SMS transport (app/transports/sms.py): sends within `timeout` seconds in all,
    giving up when `stop` is set; raises DeliveryFailed."""

    def send(self, *, to: str, body: str, reference: int, timeout: float, stop: threading.Event | None) -> TextSent: ...


# Builds the text of a row at delivery: (session, row, booking, now) -> body.
SmsComposer = Callable[[Session, SmsMessage, Booking, datetime], str]

# Waits doubling from one minute, six attempts in all (about an hour): a reminder that
# arrives much later than that is worse than none.
SMS_RETRY = Doubling(first=timedelta(minutes=1), attempts=MAX_ATTEMPTS)


def sms_channel(backend: SmsBackend, *, compose: SmsComposer, deadline: float = DEADLINE_SECONDS) -> Channel:
    """The outbox's texts, as the runner (outbox.run_channel) sends them: consent and
    quiet hours checked again, the body built and its segments counted, then sent."""
    def prepare(session: Session, row: SmsMessage, now: datetime) -> Parcel:
        booking = session.get(Booking, row.booking_id) if row.booking_id is not None else None
        if booking is None:
            raise DeliveryFailed("the booking is gone", permanent=True)
        customer = booking.customer
        if not (customer.sms_notifications and booking.sms_notifications):
            raise DeliveryFailed("not sent: the customer turned text messages off", permanent=True)
        held = quiet_until(now, booking.location.timezone)
        if held is not None:
            raise NotYet(held)
        body = compose(session, row, booking, now)
        encoding, count = segments(body)
        to, reference = row.to, row.id

        def send(timeout: float, stop: threading.Event | None) -> Delivered:
            sent = backend.send(to=to, body=body, reference=reference, timeout=timeout, stop=stop)
            return Delivered(changes={
                "body": body, "encoding": encoding, "segments": count, "provider_id": sent.provider_id,
                "delivery_status": sent.status[:20],
            })

        return send

    return Channel(
        name="sms", model=SmsMessage, prepare=prepare, retry=SMS_RETRY,
        sent_status=OutboxStatus.SENT, pending_status=OutboxStatus.PENDING, failed_status=OutboxStatus.FAILED,
        record=_record_text, deadline=deadline,
    )


# How a transport words Twilio's "this recipient replied STOP" (app/transports/sms.py).
UNSUBSCRIBED_REASON = "error 21610:"


def _record_text(row: SmsMessage, attempt: Attempt) -> None:
    """The text is noted in its booking's history once it is sent, or has failed for
    good; a recipient Twilio says has opted out gets no more texts from us either."""
    if not (attempt.ok or attempt.final) or row.booking_id is None:
        return
    if attempt.ok:
        row.sent_at = attempt.at
    session = object_session(row)
    if session is None:
        return
    if UNSUBSCRIBED_REASON in row.last_error:
        # The account's flag alone stops every text (bookings are not touched here: a
        # booking write could meet a concurrent change while this text's outcome is saved).
        customer = session.get(User, row.customer_id)
        if customer is not None:
            customer.sms_notifications = False
    kind = SMS_TOPICS.get(row.topic, row.topic)
    outcome = f"{kind} text to {row.to}" + ("" if attempt.ok else f" failed: {row.last_error[:200]}")
    session.add(BookingEvent(
        booking_id=row.booking_id, occurred_at=attempt.at, actor_kind="system", actor_id=None, actor_label="Text messages",
        action="text_sent" if attempt.ok else "text_failed", changes={"text": [None, outcome]},
    ))
