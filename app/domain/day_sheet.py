"""Day sheets (issue 22): one printed page per agent for one office day, with each job's
time, service, customer, phone, address and notes, as a field team takes them on paper.
Square prints an appointment list per staff member; Launch27 a "job sheet". The
bookings are those the calendar shows for the day (cancelled left out), read in one
query (`dashboard.bookings_by_agent`)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .dashboard import AgentDay, bookings_by_agent
from .models import Location
from .timeutil import zone
from .validation import BadValue, id_or_none, parse_date


@dataclass(frozen=True)
class DaySheet:
    location: Location
    day: date
    agents: list[AgentDay]


def day_sheet(session: Session, location_id: str | None, day_text: str | None, *, now: datetime) -> DaySheet | None:
    """The sheet for an office (the default one when the id is missing or unknown) and a
    day (today there when the date is missing or not a date); None when there is no
    active office."""
    offices = list(session.scalars(select(Location).where(Location.active.is_(True))
                                   .order_by(Location.is_default.desc(), Location.id)))
    if not offices:
        return None
    wanted = id_or_none(location_id)
    location = next((loc for loc in offices if loc.id == wanted), offices[0])
    tz = zone(location.timezone)
    try:
        day = parse_date(day_text or "")
    except (BadValue, ValueError):
        day = now.astimezone(tz).date()
    return DaySheet(location, day, bookings_by_agent(session, location, day, tz))
