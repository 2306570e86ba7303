"""iCalendar (.ics) for bookings, with the location's time zone, via `icalendar`."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from babel.numbers import format_currency
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Booking
from .settings import Settings
from .summary import booking_place
from .timeutil import zone


DEFAULT_UID_DOMAIN = "booking-portal.local"


def booking_uid(booking: Booking, uid_domain: str = DEFAULT_UID_DOMAIN) -> str:
    """The event's UID: the same in every file about one booking (download, feed and each
    e-mail) for the booking's whole life, so calendar apps update the one event instead
    of adding another. Built from the booking code (never changes) and a configured
    domain, never from the business's display name, which an admin may rename."""
    return f"booking-{booking.booking_code}@{uid_domain}"


def _event(
    booking: Booking, *, settings: Settings, sequence: int, modified: datetime, status: str | None = None
) -> Event:
    """One VEVENT. SEQUENCE is the booking's version and LAST-MODIFIED and DTSTAMP the
    moment it reached it, in every file: a download, the feed and the invitation of one
    version are the same revision, and a later version always outranks them."""
    tz = zone(booking.location.timezone)
    event = Event()
    event.add("uid", booking_uid(booking, settings.calendar_uid_domain))
    event.add("dtstamp", modified)
    event.add("last-modified", modified)
    event.add("sequence", sequence)
    event.add("dtstart", booking.start_at.astimezone(tz))
    event.add("dtend", booking.end_at.astimezone(tz))
    names = ", ".join(line.name for line in booking.lines) or booking.service.name
    event.add("summary", f"{names} ({settings.business_name})")
    event.add("location", booking_place(booking))
    total = format_currency(booking.total, booking.location.currency or settings.currency, locale=settings.business_locale)
    event.add("description", f"Booking code {booking.booking_code}. With {booking.agent.name}. Total {total}.")
    status = status or booking.status
    event.add("status", "CANCELLED" if status == "cancelled" else "CONFIRMED" if status == "approved" else "TENTATIVE")
    return event


def _utc(moment: datetime) -> datetime:
    # SQLite gives stored instants back without their zone; they are UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def revision(booking: Booking, sequence: int | None = None, queued_at: datetime | None = None) -> tuple[int, datetime]:
    """The SEQUENCE and LAST-MODIFIED of a booking's event: its current version and last
    change, or for a message queued at an earlier version, that version and the time it
    was queued (the moment the booking reached it)."""
    if sequence is None or sequence >= booking.version or queued_at is None:
        return booking.version if sequence is None else sequence, _utc(booking.updated_at)
    return sequence, min(_utc(queued_at), _utc(booking.updated_at))


def bookings_ics(bookings: Iterable[Booking], *, settings: Settings) -> bytes:
    """One calendar with an event per booking, each at its current revision; times carry
    the location's zone (TZID), and the VTIMEZONE definitions are included so any client
    shows the right hour."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.business_name}//Booking portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for booking in bookings:
        sequence, modified = revision(booking)
        calendar.add_component(_event(booking, settings=settings, sequence=sequence, modified=modified))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def booking_invitation(
    booking: Booking, *, sequence: int, cancel: bool, organizer: str, attendee: str, settings: Settings,
    queued_at: datetime | None = None, status: str | None = None,
    later_visits: Iterable[Booking] = (),
) -> bytes:
    """The .ics an e-mail carries: METHOD:REQUEST (or CANCEL), the booking's stable UID and
    the SEQUENCE of the version the message was queued at (with that version's
    LAST-MODIFIED), so the attendee's calendar keeps one event and updates it (or removes
    it on CANCEL), and a download of the same version is the same revision. `status` is
    the booking's status when the message was written (it may have changed again by the
    time it is sent).

    `later_visits` are the other visits of a series the message announces: each is its own
    VEVENT with its own UID and current revision (not one RRULE), because each visit can be
    moved or cancelled on its own later and that message must update exactly its event."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.business_name}//Booking portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    sequence, modified = revision(booking, sequence, queued_at)
    event = _event(booking, settings=settings, sequence=sequence, modified=modified, status=status)
    if cancel:
        event["status"] = vText("CANCELLED")
    # REQUEST and CANCEL need an organizer and the attendee, or clients ignore them.
    who = vCalAddress(f"mailto:{organizer}")
    who.params["cn"] = vText(settings.business_name)
    event.add("organizer", who)
    guest = vCalAddress(f"mailto:{attendee}")
    guest.params.update({"role": vText("REQ-PARTICIPANT"), "partstat": vText("ACCEPTED"), "rsvp": vText("FALSE")})
    event.add("attendee", guest)
    calendar.add_component(event)
    last = booking.start_at
    for visit in later_visits:
        visit_sequence, visit_modified = revision(visit)
        later = _event(visit, settings=settings, sequence=visit_sequence, modified=visit_modified)
        later.add("organizer", who)
        later.add("attendee", guest)
        calendar.add_component(later)
        last = max(last, visit.start_at)
    # The zone's rules around the visits are enough; all of 1970-2038 would make every
    # e-mail's file tens of kilobytes and its building the slowest part of delivery.
    calendar.add_missing_timezones(first_date=date(booking.start_at.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1))
    return calendar.to_ical()
