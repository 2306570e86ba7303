"""Agents' schedules: weekly working hours (several intervals a day) and time off, in the
agent's time zone. A change that would leave coming bookings outside the schedule is
refused (StrandsBookings, nothing saved) unless staff save it knowingly."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actor import Actor
from .audit import audit
from .errors import FieldErrors, NotFound
from .models import Agent, TimeOff, WorkingHours
from .schedule_check import StrandsBookings, stranded_bookings
from .settings import load_settings
from .timeutil import as_local_instant
from .validation import as_text, id_or_none

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
INTERVAL = re.compile(r"^\s*([0-9]{1,2}):([0-9]{2})\s*[-–]\s*([0-9]{1,2}):([0-9]{2})\s*$")


def _agent(session: Session, agent_id: object) -> Agent:
    aid = id_or_none(agent_id)
    agent = session.get(Agent, aid) if aid else None
    if agent is None:
        raise NotFound(f"There is no agent with id {agent_id}.")
    return agent


def hours_as_text(agent: Agent) -> dict[int, str]:
    """The weekly hours as the editor shows them: "09:00-12:00, 13:00-17:00" per day."""
    days: dict[int, list[str]] = {d: [] for d in range(7)}
    for wh in agent.working_hours:
        days[wh.weekday].append(f"{wh.start_time:%H:%M}-{wh.end_time:%H:%M}")
    return {d: ", ".join(parts) for d, parts in days.items()}


def _parse_intervals(errors: FieldErrors, path: str, text: str) -> list[tuple[time, time]]:
    intervals: list[tuple[time, time]] = []
    for part in [p for p in re.split(r"[,;]", text or "") if p.strip()]:
        match = INTERVAL.match(part)
        if not match:
            errors.add(path, f'"{part.strip()}" is not a time range; write it like 09:00-17:00.')
            return []
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            errors.add(path, f'"{part.strip()}" has a time that does not exist.')
            return []
        start, end = time(h1, m1), time(23, 59) if h2 == 24 else time(h2, m2)
        if start >= end:
            errors.add(path, f'In "{part.strip()}" the end must be after the start.')
            return []
        intervals.append((start, end))
    intervals.sort()
    for (s1, e1), (s2, e2) in zip(intervals, intervals[1:], strict=False):
        if s2 < e1:
            errors.add(path, f"{s1:%H:%M}-{e1:%H:%M} and {s2:%H:%M}-{e2:%H:%M} overlap.")
            return []
    return intervals


def set_working_hours(
    session: Session, agent_id: object, days: Mapping[int, str], *, actor: Actor, now: datetime, strand_ok: bool = False,
) -> Agent:
    """Replace an agent's weekly hours. Several intervals a day are allowed; overlapping
    ones are refused. Hours that would leave coming bookings outside them raise
    StrandsBookings (nothing saved) unless `strand_ok`: staff save that knowingly.
    Raises NotFound, ValidationFailed (per day: `day-N`) or StrandsBookings."""
    agent = _agent(session, agent_id)
    errors = FieldErrors()
    parsed = {d: _parse_intervals(errors, f"day-{d}", days.get(d, "")) for d in range(7)}
    errors.raise_if_any("The working hours were not saved; see the marked days.")
    before = hours_as_text(agent)
    agent.working_hours = [WorkingHours(weekday=d, start_time=s, end_time=e) for d, ivs in parsed.items() for s, e in ivs]
    session.flush()
    session.refresh(agent)
    after = hours_as_text(agent)
    _refuse_stranding(session, agent, now, strand_ok)
    changes = {WEEKDAYS[d]: (before[d], after[d]) for d in range(7) if before[d] != after[d]}
    if changes:
        audit(session, actor=actor, now=now, kind="agents", object_id=agent.id, action="hours", changes=changes)
    session.commit()
    return agent


def agent_timezone(session: Session, agent: Agent) -> str:
    """The zone an agent's hours are in: their first location's, else the business's."""
    return agent.locations[0].timezone if agent.locations else load_settings(session).default_timezone


def time_off_for(session: Session, agent: Agent, now: datetime) -> list[TimeOff]:
    """The agent's time off that has not ended yet, soonest first."""
    return list(session.scalars(
        select(TimeOff).where(TimeOff.agent_id == agent.id, TimeOff.end_at > now).order_by(TimeOff.start_at)
    ))


def _refuse_stranding(session: Session, agent: Agent, now: datetime, strand_ok: bool) -> None:
    if strand_ok:
        return
    stranded = stranded_bookings(session, agent, now)
    if stranded:
        session.rollback()
        raise StrandsBookings(stranded)


def add_time_off(
    session: Session, agent_id: object, values: Mapping[str, Any], *, actor: Actor, now: datetime, strand_ok: bool = False,
) -> TimeOff:
    """Add time off (form values start, end, reason: local to the agent's zone); time off
    over coming bookings raises StrandsBookings (nothing saved) unless `strand_ok`.
    Raises NotFound, ValidationFailed or StrandsBookings."""
    agent = _agent(session, agent_id)
    errors = FieldErrors()
    tz = agent_timezone(session, agent)
    start = as_local_instant(errors, "start", str(values.get("start") or ""), tz) if values.get("start") else None
    end = as_local_instant(errors, "end", str(values.get("end") or ""), tz) if values.get("end") else None
    if not values.get("start"):
        errors.add("start", "Give the first moment of the time off.")
    if not values.get("end"):
        errors.add("end", "Give the moment work starts again.")
    reason = as_text(errors, "reason", values.get("reason"), max_length=255)
    if start and end and start >= end:
        errors.add("end", "Must be after the start.")
    errors.raise_if_any("The time off was not added; see the marked fields.")
    off = TimeOff(agent_id=agent.id, start_at=start, end_at=end, reason=reason or "")
    session.add(off)
    session.flush()
    _refuse_stranding(session, agent, now, strand_ok)
    audit(session, actor=actor, now=now, kind="agents", object_id=agent.id, action="time off",
          changes={"time_off": (None, f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC {reason or ''}".strip())})
    session.commit()
    return off


def remove_time_off(session: Session, agent_id: object, time_off_id: object, *, actor: Actor, now: datetime) -> None:
    """Time off is not referred to by bookings, so it may really be removed. Raises NotFound."""
    agent = _agent(session, agent_id)
    oid = id_or_none(time_off_id)
    off = session.get(TimeOff, oid) if oid else None
    if off is None or off.agent_id != agent.id:
        raise NotFound("That time off is not in this agent's list.")
    audit(session, actor=actor, now=now, kind="agents", object_id=agent.id, action="time off",
          changes={"time_off": (f"{off.start_at:%Y-%m-%d %H:%M} to {off.end_at:%Y-%m-%d %H:%M} UTC", None)})
    session.delete(off)
    session.commit()
