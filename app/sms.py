"""Texts for the outbox: choosing the SMS backend from configuration, and writing each
text from its row when it is delivered.

Texts are short on purpose: one GSM-7 segment (160 characters) when the business and
service names allow it, each with the booking's signed link (the same links e-mails
carry, app/domain/links.py), built on PUBLIC_URL. Babel writes a narrow no-break space
before AM/PM; a plain space keeps the text in the GSM alphabet (one segment, not three).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from .domain.links import link_expiry, sign_booking_link
from .domain.models import Booking, SmsMessage
from .domain.settings import load_settings
from .domain.sms import SMS_TOPICS, SmsBackend, SmsComposer
from .links import public_url_for
from .transports.sms import FileSmsBackend, TwilioSmsBackend
from .web.formatting import local_date, local_time, zone_label

# Each kind of text; {name} the business, {service}, {when} the start in the location's
# zone, {link} the booking's page. tests/messages/test_sms_texts.py counts their segments.
TEMPLATES = {
    "confirmation": "{name}: booked {service}, {when}. {link}",
    "reminder": "{name} reminder: {service}, {when}. {link}",
    "moved": "{name}: {service} moved to {when}. {link}",
    "cancelled": "{name}: cancelled {service}, {when}. {link}",
}
_SPACES = {0x202F: " ", 0x00A0: " "}


def backend_from_config(app: Flask) -> SmsBackend | None:
    """The configured SMS backend, or None when texts are off."""
    config: dict[str, Any] = app.config
    chosen = config.get("SMS_BACKEND", "file")
    if chosen == "off":
        return None
    if chosen == "twilio":
        return TwilioSmsBackend(
            account_sid=config.get("TWILIO_ACCOUNT_SID") or "", auth_token=config.get("TWILIO_AUTH_TOKEN") or "",
            sender=config.get("SMS_FROM") or "", api_url=config.get("TWILIO_API_URL") or "https://api.twilio.com",
            status_callback=public_url_for("sms.twilio_status", app=app),
        )
    return FileSmsBackend(Path(config["SMS_DIR"]))


def when_text(start: datetime, tz: str) -> str:
    """'Tue, Nov 24, 10:00 AM EST': short, the zone named, in the GSM alphabet when the locale allows."""
    text = f"{local_date(start, tz, 'MMMEd')}, {local_time(start, tz)} {zone_label(tz, start)}"
    return text.translate(_SPACES)


def render_text(kind: str, *, name: str, service: str, when: str, link: str) -> str:
    return TEMPLATES[kind].format(name=name, service=service, when=when, link=link)


def sms_composer(app: Flask) -> SmsComposer:
    """The composer the SMS channel calls for each row, inside `app`'s context."""

    def compose(session: Session, row: SmsMessage, booking: Booking, now: datetime) -> str:
        with app.app_context():
            settings = load_settings(session)
            token = sign_booking_link(app.config["SECRET_KEY"], booking, "view", expires_at=link_expiry(booking, now))
            return render_text(
                SMS_TOPICS[row.topic], name=settings.business_name, service=booking.service.name,
                when=when_text(booking.start_at, booking.location.timezone),
                link=public_url_for("messages.booking_link", app=app, token=token),
            )

    return compose
