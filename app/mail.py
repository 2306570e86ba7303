"""Mail for the outbox: choosing the backend from configuration, and composing each
message from its row when it is delivered.

Booking messages are multipart (text and HTML from templates/email/, with the booking's
summary, a signed link to its page and calendar links) with an .ics attachment whose UID
stays the same for every message about one booking and whose SEQUENCE is the booking's
version when the message was queued. Every link comes from configuration (links.py)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy.orm import Session

from .domain import payments
from .domain.booking import customer_change_refusal, later_visits
from .domain.ical import booking_invitation
from .domain.links import link_expiry, sign_booking_link
from .domain.models import Booking, OutboxMessage
from .domain.notifications import Composer, MailBackend, build_email, email_envelope
from .domain.settings import load_settings
from .domain.summary import BookingSummary, booking_summary
from .links import public_url_for
from .transports.mail import FileBackend, SmtpBackend
from .web.formatting import local_datetime

# What each message says first, for the customer and for staff.
CUSTOMER_TEXT = {
    "booking.created": ("We have your booking", "Thank you! We have your booking and will confirm it shortly."),
    "booking.confirmed": ("Your booking is confirmed", "Good news: your booking is confirmed. We look forward to seeing you."),
    "booking.rescheduled": ("Your booking has moved", "Your booking has been moved to a new time. The details below are up to date."),
    "booking.updated": ("Your booking has changed", "We have updated your booking. The details below are up to date."),
    "booking.cancelled": ("Your booking is cancelled", "Your booking has been cancelled. If this is a mistake, book again or reply to this e-mail."),
    "booking.reminder": ("See you soon", "A reminder of your upcoming booking."),
    "booking.refunded": ("Your refund is on its way", "We have refunded money you paid for this booking to your card; "
                         "it shows on your statement within a few days."),
}
STAFF_TEXT = {
    "booking.created": "New booking",
    "booking.confirmed": "Booking confirmed",
    "booking.rescheduled": "Booking moved",
    "booking.updated": "Booking changed",
    "booking.cancelled": "Booking cancelled",
}
SUBJECTS = {
    "booking.created": "Booking received: {title} on {when}",
    "booking.confirmed": "Booking confirmed: {title} on {when}",
    "booking.rescheduled": "Booking moved: {title} now on {when}",
    "booking.updated": "Booking changed: {title} on {when}",
    "booking.cancelled": "Booking cancelled: {title} on {when}",
    "booking.reminder": "Reminder: {title} on {when}",
    "booking.refunded": "Refund: {title} on {when}",
}


def backend_from_config(config: dict[str, Any]) -> MailBackend:
    if config.get("MAIL_BACKEND", "file") == "smtp":
        return SmtpBackend(
            host=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")),
        )
    return FileBackend(Path(config["MAIL_DIR"]))


def composer(app: Flask) -> Composer:
    """The composer the e-mail channel calls for each row, rendering inside `app`'s context."""

    def compose(session: Session, row: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
        with app.app_context():
            if row.booking_id is not None and row.topic in SUBJECTS:
                booking = session.get(Booking, row.booking_id)
                if booking is None:
                    raise LookupError(f"booking {row.booking_id} does not exist")
                return compose_booking(app, session, row, booking, sender, now)
            if row.topic == "account.password_reset" and (row.payload or {}).get("link"):
                return compose_password_reset(app, session, row, sender, now)
            return build_email(session, row, sender, now)

    return compose


def _render(app: Flask, template: str, **context: Any) -> str:
    return app.jinja_env.get_template(template).render(**context)


def calendar_links(summary: BookingSummary, business_name: str) -> dict[str, str]:
    """'Add to Google Calendar' and 'Add to Outlook' links for the booking's time (in UTC,
    which both read without a zone name)."""
    start, end = summary.start_at.astimezone(UTC), summary.end_at.astimezone(UTC)
    text = f"{summary.title} ({business_name})"
    details = f"Booking code {summary.code}. With {summary.agent_name}."
    google = "https://calendar.google.com/calendar/render?" + urlencode({
        "action": "TEMPLATE", "text": text, "details": details, "location": summary.where,
        "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
    })
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode({
        "path": "/calendar/action/compose", "rru": "addevent", "subject": text, "body": details,
        "location": summary.where, "startdt": f"{start:%Y-%m-%dT%H:%M:%SZ}", "enddt": f"{end:%Y-%m-%dT%H:%M:%SZ}",
    })
    return {"google": google, "outlook": outlook}


def compose_booking(app: Flask, session: Session, row: OutboxMessage, booking: Booking, sender: str, now: datetime) -> EmailMessage:
    """The customer's or the staff's message about one booking, with its .ics."""
    settings = load_settings(session)
    payload = row.payload or {}
    # The status the message announces, even if the booking changed again since.
    summary = replace(booking_summary(booking), status=payload.get("status", booking.status))
    staff = payload.get("audience") == "staff"
    # An agent taken off the booking gets it removed from their calendar.
    released = staff and bool(payload.get("released"))
    # A refund of a cancelled booking keeps it off the calendar.
    cancel = row.topic == "booking.cancelled" or released or (row.topic == "booking.refunded" and summary.status == "cancelled")
    previous_start = datetime.fromisoformat(payload["previous_start"]) if payload.get("previous_start") else None
    # A booking staff made is approved from the start: the customer hears it is confirmed.
    kind = "booking.confirmed" if row.topic == "booking.created" and summary.status == "approved" else row.topic
    secret = app.config["SECRET_KEY"]
    expires = link_expiry(booking, now)
    context: dict[str, Any] = {
        "topic": row.topic, "s": summary, "staff": staff, "cancelled": cancel, "business_name": settings.business_name,
        "previous_start": previous_start,
        "preferences_url": public_url_for("messages.preferences", app=app),
        "home_url": public_url_for("main.home", app=app),
        "calendar": None if cancel else calendar_links(summary, settings.business_name),
        # What was paid by card (amount, card, when), refunded, and is due later.
        "receipt": payments.receipt(session, booking),
    }
    if staff:
        context |= {
            "heading": "Taken off your schedule" if released else STAFF_TEXT[row.topic],
            "admin_url": public_url_for("admin.booking_panel", app=app, booking_id=booking.id),
        }
    else:
        heading, intro = CUSTOMER_TEXT[kind]
        may_change = customer_change_refusal(session, booking, now) is None
        context |= {
            "heading": heading, "intro": intro,
            "view_url": public_url_for("messages.booking_link", app=app, token=sign_booking_link(secret, booking, "view", expires_at=expires)),
            "reschedule_url": public_url_for("messages.booking_link", app=app, token=sign_booking_link(
                secret, booking, "reschedule", expires_at=expires)) if may_change else None,
        }
    # The first visit of a new series announces the whole series to the customer: every
    # later visit in the text and as its own event in the .ics.
    starts_series = not staff and row.topic == "booking.created" and booking.occurrence_index == 0
    visits = later_visits(session, booking) if starts_series else []
    context["later_visits"] = [(v.start_at, v.booking_code) for v in visits]
    subject = SUBJECTS[kind].format(title=summary.title, when=local_datetime(summary.start_at, summary.timezone))
    if staff:
        subject = f"{context['heading']}: {summary.customer_name or summary.customer_email}, {summary.title} on " \
                  f"{local_datetime(summary.start_at, summary.timezone)}"
    # Babel puts a narrow no-break space before AM/PM; some clients show it as "?" in a subject.
    subject = subject.replace("\u202f", " ")
    context["subject"] = subject
    message = email_envelope(row, sender, now, subject=subject)
    message["Auto-Submitted"] = "auto-generated"
    if settings.office_email and not staff:
        message["Reply-To"] = settings.office_email  # a customer's reply reaches a person
    message.set_content(_render(app, "email/booking.txt", **context))
    message.add_alternative(_render(app, "email/booking.html", **context), subtype="html")
    ics = booking_invitation(
        booking, sequence=int(payload.get("sequence", booking.version)), cancel=cancel, organizer=sender,
        attendee=row.recipient, settings=settings,
        queued_at=row.created_at, status=summary.status, later_visits=visits,
    )
    message.add_attachment(
        ics, maintype="text", subtype="calendar", filename=f"booking-{booking.booking_code}.ics",
        params={"method": "CANCEL" if cancel else "REQUEST"},
    )
    return message


def compose_password_reset(app: Flask, session: Session, row: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    settings = load_settings(session)
    context = {
        "subject": row.subject, "link": row.payload["link"], "name": row.payload.get("name", ""),
        "business_name": settings.business_name, "home_url": public_url_for("main.home", app=app), "preferences_url": None,
    }
    message = email_envelope(row, sender, now)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_render(app, "email/password_reset.txt", **context))
    message.add_alternative(_render(app, "email/password_reset.html", **context), subtype="html")
    return message
