"""Fixed class times (issue 21): a group service (a workshop, a class) starts at set local
times, say 10:00 and 18:00, instead of on the booking grid, as Acuity's classes and
LatePoint's group "timeslots" do. On each day an agent who offers the service works
through a whole class, that class can be booked until its places are gone; nothing in
between is offered or accepted (`availability.DayPlan.grid` and `.offers` read the same
times, so the write accepts exactly what the pages offer)."""
from __future__ import annotations

from datetime import time
from typing import Any

from .validation import BadValue, parse_time

# At most this many classes a day (one an hour is already a busy studio).
MAX_CLASS_TIMES = 24
MAX_CLASS_TIMES_TEXT = 200


def parse_class_times(value: Any) -> tuple[time, ...]:
    """"10:00, 18:00" (commas or spaces between HH:MM times, any order) as sorted times;
    "" for none. Raises BadValue naming the first wrong entry."""
    if value is None:
        return ()
    if not isinstance(value, str):
        raise BadValue("Give the class times as text, like 10:00, 18:00.")
    if len(value) > MAX_CLASS_TIMES_TEXT:
        raise BadValue(f"Keep the class times to {MAX_CLASS_TIMES_TEXT} characters or fewer.")
    parts = [p for p in value.replace(",", " ").split() if p]
    if len(parts) > MAX_CLASS_TIMES:
        raise BadValue(f"At most {MAX_CLASS_TIMES} class times a day.")
    found: list[time] = []
    for part in parts:
        try:
            at = parse_time(part)
        except BadValue:
            raise BadValue(f"{part!r} is not a time; write times as HH:MM, like 10:00, 18:00.") from None
        if at in found:
            raise BadValue(f"{part} is given twice.")
        found.append(at)
    return tuple(sorted(found))


def as_text(times: tuple[time, ...]) -> str:
    """How the times are stored and shown in the form: "10:00, 18:00"."""
    return ", ".join(t.strftime("%H:%M") for t in times)


def stored_times(text: str) -> tuple[time, ...]:
    """The stored column's times (written by as_text, so always valid)."""
    return parse_class_times(text or "")
