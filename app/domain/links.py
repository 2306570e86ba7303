"""Signed links to one booking, for e-mails: the token names the booking, its customer
and the page (view, reschedule), and ends at a fixed time. It opens nothing by itself:
the person still signs in, and the link then lands on that booking's page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer

from .errors import DomainError
from .models import Booking

ACTIONS = ("view", "reschedule")
# A link works until a month after the booking ends, and at least a week from sending.
VALID_AFTER_END = timedelta(days=30)
VALID_AT_LEAST = timedelta(days=7)


class LinkInvalid(DomainError):
    code = "link_invalid"
    status = 404


class LinkExpired(DomainError):
    code = "link_expired"
    status = 410


@dataclass(frozen=True)
class BookingLink:
    booking_id: int
    customer_id: int
    action: str


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="booking-link")


def link_expiry(booking: Booking, now: datetime) -> datetime:
    return max(booking.end_at + VALID_AFTER_END, now + VALID_AT_LEAST)


def sign_booking_link(secret: str, booking: Booking, action: str, *, expires_at: datetime) -> str:
    """A token for one booking's page. Raises ValueError for an unknown action."""
    if action not in ACTIONS:
        raise ValueError(f"unknown booking link action {action!r}")
    return _serializer(secret).dumps([booking.id, booking.customer_id, action, int(expires_at.timestamp())])


def read_booking_link(secret: str, token: str, *, now: datetime) -> BookingLink:
    """The booking a token is for. Raises LinkInvalid (forged, altered) or LinkExpired."""
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        raise LinkInvalid("This link is not valid.") from None
    if not (isinstance(data, list) and len(data) == 4 and all(isinstance(v, int) for v in (data[0], data[1], data[3]))
            and data[2] in ACTIONS):
        raise LinkInvalid("This link is not valid.")
    if datetime.fromtimestamp(data[3], UTC) <= now:
        raise LinkExpired("This link has expired.")
    return BookingLink(booking_id=data[0], customer_id=data[1], action=data[2])
