"""Calendar subscription feeds: each agent and each customer may have one private URL
that serves their upcoming bookings as iCalendar, so Google, Apple or Outlook
calendars follow them without a login.

The secret in the URL is HMAC-SHA256(SECRET_KEY, nonce): the owner's page can show
the link again (it is derived, not stored), only its SHA-256 is stored for the
lookup, and a stolen copy of the database opens no feed. Regenerating draws a new
nonce (the old link stops working at once); revoking deletes the row. Changing
SECRET_KEY ends every link.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from .errors import Conflict, NotFound
from .ical import bookings_ics
from .models import ACTIVE_STATUSES, Agent, Booking, BookingLine, CalendarFeed, Role, User
from .settings import load_settings

# Recent bookings stay in the feed for a while, so today's and last week's visits
# do not vanish from the subscriber's calendar the moment they end.
KEEP_PAST = timedelta(days=30)
MAX_EVENTS = 500
OWNERS = ("agent", "customer")


def token_for(feed: CalendarFeed, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"calendar-feed:{feed.nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner_column(kind: str) -> object:
    if kind not in OWNERS:
        raise NotFound(f"There is no calendar feed for a {kind}.")
    return CalendarFeed.agent_id if kind == "agent" else CalendarFeed.user_id


def _check_owner(session: Session, kind: str, owner_id: int) -> None:
    found = session.get(Agent, owner_id) if kind == "agent" else session.get(User, owner_id)
    if found is None or (kind == "customer" and found.role != Role.CUSTOMER):
        raise NotFound(f"There is no {kind} with id {owner_id}.")


def find_feed(session: Session, kind: str, owner_id: int) -> CalendarFeed | None:
    """The owner's feed, or None while they have no link."""
    column = _owner_column(kind)
    return session.scalars(select(CalendarFeed).where(column == owner_id)).first()  # type: ignore[arg-type]


def feed_token(session: Session, kind: str, owner_id: int, *, secret: str) -> str | None:
    """The secret of the owner's current link, or None while they have none."""
    feed = find_feed(session, kind, owner_id)
    return token_for(feed, secret) if feed is not None else None


def regenerate_feed(session: Session, kind: str, owner_id: int, *, secret: str, now: datetime) -> str:
    """Give the owner a new link (the old one, if any, stops working); returns its
    secret. Raises NotFound for an unknown owner, Conflict if two requests raced."""
    _check_owner(session, kind, owner_id)
    feed = find_feed(session, kind, owner_id)
    if feed is None:
        feed = CalendarFeed(agent_id=owner_id if kind == "agent" else None, user_id=owner_id if kind == "customer" else None)
        session.add(feed)
    feed.nonce, feed.created_at = secrets.token_urlsafe(32), now
    token = token_for(feed, secret)
    feed.token_hash = _hash(token)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("The link was being changed at the same moment; reload the page.") from exc
    return token


def revoke_feed(session: Session, kind: str, owner_id: int) -> bool:
    """End the owner's link; True if there was one."""
    feed = find_feed(session, kind, owner_id)
    if feed is None:
        return False
    session.delete(feed)
    session.commit()
    return True


def _owner_active(session: Session, feed: CalendarFeed) -> bool:
    """A deactivated agent's or customer's link serves nothing (their customers' home
    addresses included); reactivating an agent brings the link back."""
    owner = session.get(Agent, feed.agent_id) if feed.agent_id is not None else session.get(User, feed.user_id)
    return owner is not None and bool(owner.active)


def feed_ics(session: Session, token: str, *, now: datetime) -> bytes:
    """The calendar a link serves: the owner's pending and approved bookings from
    KEEP_PAST ago onwards (cancelled ones drop out, so they leave the subscriber's
    calendar). Raises NotFound for an unknown or revoked link, or one whose owner is
    deactivated."""
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token))).first() if token else None
    if feed is None or not _owner_active(session, feed):
        raise NotFound("There is no calendar at this address.")
    owner = Booking.agent_id == feed.agent_id if feed.agent_id is not None else Booking.customer_id == feed.user_id
    bookings = session.scalars(
        select(Booking).options(
            selectinload(Booking.lines).selectinload(BookingLine.extras), selectinload(Booking.location),
            selectinload(Booking.agent), selectinload(Booking.service),
        ).where(owner, Booking.status.in_([s.value for s in ACTIVE_STATUSES]), Booking.end_at >= now - KEEP_PAST)
        .order_by(Booking.start_at, Booking.id).limit(MAX_EVENTS)
    ).all()
    settings = load_settings(session)
    business = settings.business_name
    calendar = Calendar.from_ical(bookings_ics(bookings, settings=settings))
    # Calendar apps name the subscription and poll it at this pace.
    calendar.add("x-wr-calname", f"{business} bookings")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    return calendar.to_ical()
