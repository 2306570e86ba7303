"""The calendar's models: the day view (a column per agent), one agent's week (a column
per day), the team's week (a row per agent, a cell per day listing that agent's
bookings in time order, so six agents on a full day stay readable) and the month
overview (bookings counted per day). Cancelled bookings are left out unless the status
filter asks for them. Bookings are placed by local
wall-clock time in the location's zone, so a daylight-saving day draws 09:00 at 09:00.

Each view costs a fixed number of queries whatever the number of bookings: agents (with
their hours), the bookings in range and the time off in range. A block needs only a few
of a booking's columns and its customer's name, so those are read as plain rows in one
statement: loading ~800 whole bookings with their customers was most of the team week's
time."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import g, has_app_context
from sqlalchemy.orm import Session

from ...domain import read_models
from ...domain.models import Agent, Booking, BookingStatus, Location, TimeOff
from ...domain.models.users import full_name_of
from ...domain.timeutil import local_day_bounds, zone
from ..formatting import local_date, local_time

DAY_START_HOUR = 6
DAY_END_HOUR = 22
GRID_MINUTES = (DAY_END_HOUR - DAY_START_HOUR) * 60


def grid_minute(local: datetime | time, day: date | None = None) -> int:
    """Minutes after the top of the grid, clipped to the grid; a moment on a later day
    is the bottom."""
    if isinstance(local, datetime) and day is not None and local.date() > day:
        return GRID_MINUTES
    if isinstance(local, datetime) and day is not None and local.date() < day:
        return 0
    minutes = (local.hour - DAY_START_HOUR) * 60 + local.minute
    return max(0, min(GRID_MINUTES, minutes))


def time_label(start: datetime, end: datetime) -> str:
    """'9:00 AM–10:00 AM' (en_US), '09:00–10:00' (de_DE): local wall-clock times, as
    the calendar and the panel write them on a booking."""
    return f"{_clock(start.time())}–{_clock(end.time())}"


def _clock(moment: time) -> str:
    # Hundreds of blocks share a few dozen times: format each once per request.
    cache = g.setdefault("clock_labels", {}) if has_app_context() else {}
    if moment not in cache:
        cache[moment] = local_time(moment)
    return cache[moment]


@dataclass(slots=True)
class Block:
    """A booking as the calendar draws it (templates/admin/calendar/_chip.html): its id,
    status, version and customer's name, and its local start and end."""

    id: int
    status: BookingStatus
    version: int
    customer: str  # the customer's name, as User.full_name writes it
    start: datetime
    end: datetime
    label: str  # the local times, as `time_label` writes them
    top: int = 0  # minutes after DAY_START_HOUR
    height: int = 0  # minutes
    lane: int = 0
    lanes: int = 1
    workers: int = 1  # a job for two or more workers says so on its block (one agent is booked)

    @property
    def hhmm(self) -> str:
        """The local start as a move request names it (not for people: see `label`)."""
        return f"{self.start:%H:%M}"


def booking_block(booking: Booking, tz: Any) -> Block:
    """One loaded booking's block, as the panel sends it out of band after a change."""
    start, end = booking.start_at.astimezone(tz), booking.end_at.astimezone(tz)
    return Block(booking.id, booking.status, booking.version, booking.customer.full_name, start, end, time_label(start, end),
                 workers=booking.workers)


@dataclass
class Band:
    """A shaded stretch of a column: working hours or time off."""

    top: int
    height: int
    kind: str  # "work" or "off"
    label: str


@dataclass
class Column:
    title: str
    day: date
    agent: Agent | None
    blocks: list[Block] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)


@dataclass
class Filters:
    agent_id: int | None = None
    service_id: int | None = None
    status: str | None = None

    def args(self) -> dict[str, Any]:
        return {k: v for k, v in (("agent_id", self.agent_id), ("service_id", self.service_id), ("status", self.status)) if v}

    def query(self) -> read_models.CalendarFilter:
        return read_models.CalendarFilter(self.agent_id, self.service_id, BookingStatus(self.status) if self.status else None)


@dataclass
class GridView:
    mode: str  # "day" or "week"
    days: list[date]
    location: Location
    agents: list[Agent]
    columns: list[Column]

    @property
    def hours(self) -> list[int]:
        return list(range(DAY_START_HOUR, DAY_END_HOUR))

    @property
    def height(self) -> int:
        return GRID_MINUTES


def _agents(session: Session, location: Location, filters: Filters) -> list[Agent]:
    return read_models.calendar_agents(session, location.id, filters.agent_id)


def _blocks(session: Session, location: Location, start: datetime, end: datetime, filters: Filters,
            agent_ids: list[int], tz: Any) -> list[tuple[int, Block]]:
    """(agent id, block) for each booking in range, in time order (one statement, see
    `read_models.calendar_rows`). Times are labelled once per pair of times."""
    labels: dict[tuple[time, time], str] = {}
    blocks = []
    for row in read_models.calendar_rows(session, location.id, start, end, agent_ids, filters.query()):
        local_start, local_end = row.start_at.astimezone(tz), row.end_at.astimezone(tz)
        key = (local_start.time(), local_end.time())
        label = labels.get(key)
        if label is None:
            label = labels[key] = time_label(local_start, local_end)
        name = full_name_of(row.first_name, row.last_name, row.email)
        blocks.append((row.agent_id, Block(row.booking_id, row.status, row.version, name, local_start, local_end, label,
                                           workers=row.workers or 1)))
    return blocks


def _time_off(session: Session, agent_ids: list[int], start: datetime, end: datetime) -> list[TimeOff]:
    return read_models.time_off_between(session, agent_ids, start, end)


def _place(block: Block, day: date) -> Block:
    """Set a block's place on the time grid of `day`."""
    block.top = grid_minute(block.start, day)
    block.height = max(grid_minute(block.end, day) - block.top, 15)
    return block


def _bands(agents: list[Agent], day: date, offs: list[TimeOff], tz: Any) -> list[Band]:
    """One agent: their hours and time off that day. Several (the week of a whole team):
    the hours when anyone works, merged; time off is shown in each agent's day view."""
    spans = sorted((wh.start_time, wh.end_time) for a in agents for wh in a.working_hours if wh.weekday == day.weekday())
    merged: list[list[time]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    label = "Working hours" if len(agents) == 1 else "Someone works"
    bands = [Band(grid_minute(s), grid_minute(e) - grid_minute(s), "work", f"{label} {s:%H:%M}–{e:%H:%M}") for s, e in merged]
    if len(agents) != 1:
        return bands
    day_start, day_end = local_day_bounds(day, tz)
    for off in offs:
        if off.agent_id == agents[0].id and off.start_at < day_end and off.end_at > day_start:
            top = grid_minute(max(off.start_at, day_start).astimezone(tz), day)
            bottom = grid_minute(off.end_at.astimezone(tz), day) if off.end_at < day_end else GRID_MINUTES
            bands.append(Band(top, max(bottom - top, 1), "off", f"Time off{': ' + off.reason if off.reason else ''}"))
    return bands


def _assign_lanes(blocks: list[Block]) -> None:
    """Overlapping blocks in one column sit side by side: each cluster of overlaps is
    split into as many lanes as it needs at most at once."""
    cluster: list[Block] = []
    cluster_end = -1
    lane_ends: list[int] = []

    def close() -> None:
        for b in cluster:
            b.lanes = len(lane_ends)

    for block in sorted(blocks, key=lambda b: (b.top, -b.height)):
        if block.top >= cluster_end and cluster:
            close()
            cluster, lane_ends = [], []
        free = next((i for i, end in enumerate(lane_ends) if end <= block.top), None)
        if free is None:
            lane_ends.append(block.top + block.height)
            block.lane = len(lane_ends) - 1
        else:
            lane_ends[free] = block.top + block.height
            block.lane = free
        cluster.append(block)
        cluster_end = max(cluster_end, block.top + block.height)
    if cluster:
        close()


def day_view(session: Session, location: Location, day: date, filters: Filters | None = None) -> GridView:
    filters = filters or Filters()
    tz = zone(location.timezone)
    start, end = local_day_bounds(day, tz)
    agents = _agents(session, location, filters)
    ids = [a.id for a in agents]
    offs = _time_off(session, ids, start, end)
    columns = {a.id: Column(a.name, day, a, bands=_bands([a], day, offs, tz)) for a in agents}
    for agent_id, block in _blocks(session, location, start, end, filters, ids, tz):
        columns[agent_id].blocks.append(_place(block, day))
    for column in columns.values():
        _assign_lanes(column.blocks)  # a capacity > 1 class shares its slot
    return GridView("day", [day], location, agents, list(columns.values()))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class AgentRow:
    agent: Agent
    cells: list[list[Block]]  # one per day of the week, in time order
    off_days: set[date]  # days the agent does not work (no hours) or is off all day


@dataclass
class TeamWeek:
    mode = "team"
    days: list[date]
    location: Location
    rows: list[AgentRow]


@dataclass
class _Week:
    """What both week views start from: the days, their span, the agents and their time off."""

    tz: Any
    days: list[date]
    start: datetime
    end: datetime
    agents: list[Agent]
    ids: list[int]
    offs: list[TimeOff]


def _week(session: Session, location: Location, day: date, filters: Filters) -> _Week:
    tz = zone(location.timezone)
    days = [week_start(day) + timedelta(days=i) for i in range(7)]
    start, end = local_day_bounds(days[0], tz)[0], local_day_bounds(days[-1], tz)[1]
    agents = _agents(session, location, filters)
    ids = [a.id for a in agents]
    return _Week(tz, days, start, end, agents, ids, _time_off(session, ids, start, end))


def team_week_view(session: Session, location: Location, day: date, filters: Filters | None = None) -> TeamWeek:
    """The whole team's week: a row per agent, a cell per day. Same three queries as
    the other views, whatever the number of bookings."""
    filters = filters or Filters()
    week = _week(session, location, day, filters)
    index = {d: i for i, d in enumerate(week.days)}
    rows = {a.id: AgentRow(a, [[] for _ in week.days], set()) for a in week.agents}
    for a in week.agents:
        worked = {wh.weekday for wh in a.working_hours}
        rows[a.id].off_days = {d for d in week.days if d.weekday() not in worked}
    bounds = [(d, *local_day_bounds(d, week.tz)) for d in week.days]
    for off in week.offs:
        for d, day_start, day_end in bounds:
            if off.start_at <= day_start and off.end_at >= day_end:
                rows[off.agent_id].off_days.add(d)
    for agent_id, block in _blocks(session, location, week.start, week.end, filters, week.ids, week.tz):
        rows[agent_id].cells[index[block.start.date()]].append(block)
    return TeamWeek(week.days, location, list(rows.values()))


def week_view(session: Session, location: Location, day: date, filters: Filters | None = None) -> GridView:
    """One agent's week on the time grid (the team's week is `team_week_view`)."""
    filters = filters or Filters()
    week = _week(session, location, day, filters)
    agents = week.agents
    columns = {d: Column(local_date(d, skeleton="MMMEd"), d, agents[0] if len(agents) == 1 else None,
                         bands=_bands(agents, d, week.offs, week.tz)) for d in week.days}
    for _agent_id, block in _blocks(session, location, week.start, week.end, filters, week.ids, week.tz):
        local_day = block.start.date()
        if local_day in columns:
            columns[local_day].blocks.append(_place(block, local_day))
    for column in columns.values():
        _assign_lanes(column.blocks)
    return GridView("week", days=week.days, location=location, agents=agents, columns=list(columns.values()))


@dataclass
class MonthView:
    location: Location
    first: date
    weeks: list[list[date]]
    counts: dict[date, Counter[str]]

    def in_month(self, day: date) -> bool:
        return day.month == self.first.month


def month_view(session: Session, location: Location, day: date, filters: Filters | None = None) -> MonthView:
    """Bookings per day and status for the weeks that show the month: one query."""
    filters = filters or Filters()
    tz = zone(location.timezone)
    first = day.replace(day=1)
    grid_start = week_start(first)
    following = (first + timedelta(days=32)).replace(day=1)
    grid_end = week_start(following - timedelta(days=1)) + timedelta(days=7)
    start, end = local_day_bounds(grid_start, tz)[0], local_day_bounds(grid_end - timedelta(days=1), tz)[1]
    counts: dict[date, Counter[str]] = {}
    for start_at, status in read_models.calendar_starts(session, location.id, start, end, filters.query()):
        counts.setdefault(start_at.astimezone(tz).date(), Counter())[status] += 1
    days = [grid_start + timedelta(days=i) for i in range((grid_end - grid_start).days)]
    return MonthView(location, first, [days[i:i + 7] for i in range(0, len(days), 7)], counts)
