"""The day view's model: agents as columns, bookings as blocks placed by local time.
One query for the agents and one for the day's bookings, whatever their number."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...domain.models import Agent, Booking, Location
from ...domain.timeutil import local_day_bounds, zone

DAY_START_HOUR = 6
DAY_END_HOUR = 22


@dataclass
class Block:
    booking: Booking
    start: datetime
    end: datetime
    top: int  # minutes after DAY_START_HOUR
    height: int  # minutes


@dataclass
class Column:
    agent: Agent
    blocks: list[Block] = field(default_factory=list)


@dataclass
class DayView:
    day: date
    location: Location
    columns: list[Column]

    @property
    def hours(self) -> list[int]:
        return list(range(DAY_START_HOUR, DAY_END_HOUR))


def day_view(session: Session, location: Location, day: date, *, status: str | None = None) -> DayView:
    tz = zone(location.timezone)
    start, end = local_day_bounds(day, tz)
    agents = list(session.scalars(
        select(Agent).where(Agent.active.is_(True), Agent.locations.any(Location.id == location.id)).order_by(Agent.name)
    ))
    query = (
        select(Booking)
        .where(Booking.location_id == location.id, Booking.start_at >= start, Booking.start_at < end)
        .options(selectinload(Booking.customer), selectinload(Booking.service))
        .order_by(Booking.start_at)
    )
    if status:
        query = query.where(Booking.status == status)
    columns = {a.id: Column(a) for a in agents}
    for booking in session.scalars(query):
        column = columns.get(booking.agent_id)
        if column is None:
            continue
        local_start, local_end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
        top = (local_start.hour - DAY_START_HOUR) * 60 + local_start.minute
        height = max(int((booking.end_at - booking.start_at).total_seconds() // 60), 15)
        column.blocks.append(Block(booking, local_start, local_end, top, height))
    return DayView(day, location, list(columns.values()))
