"""Wall-clock time in a location's zone versus UTC instants, daylight saving included."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import validation
from .errors import FieldErrors


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def resolve_local(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None if that time does not exist.

    A time skipped when clocks go forward does not exist. A time that happens twice when
    clocks fall back resolves to its first occurrence (fold=0), so the repeated hour is
    offered and accepted once.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    local = naive.replace(tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return instant


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which a local day begins and ends (23 to 25 hours apart)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


# The strict parsers live with the others in validation.py; their BadValue is a
# ValueError, so callers that catch ValueError keep working.
parse_date = validation.parse_date
parse_time = validation.parse_time
parse_instant = validation.parse_instant


def fmt_hhmm(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def duration_text(minutes: int) -> str:
    """A length of time, the one way every page, e-mail and summary writes it: "45 min",
    "2 h", "1 h 30 min" (never "1.5 h")."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def as_local_instant(errors: FieldErrors, path: str, text: str, tz: str) -> datetime | None:
    """A form's local date and time ("2026-12-24T09:00") in zone `tz` as a UTC instant, or
    None with a message under `path` (unreadable, or skipped when the clocks go forward)."""
    try:
        naive = validation.parse_local_datetime(text)
    except validation.BadValue:
        errors.add(path, "Use a date and time such as 2026-12-24T09:00.")
        return None
    instant = resolve_local(naive.date(), naive.time(), zone(tz))
    if instant is None:
        errors.add(path, "That time does not exist on that day (the clocks go forward); pick another.")
    return instant
