"""Wall-clock time in a location's zone versus UTC instants, daylight saving included."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError("expected a date, got a date-time")
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("expected a date as YYYY-MM-DD")
    return date.fromisoformat(value)


def parse_time(value: object) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValueError("expected a time as HH:MM (24-hour)")
    return time.fromisoformat(value)


def parse_instant(value: object) -> datetime:
    """An ISO 8601 date-time with an offset (a naive one is ambiguous and refused)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        raise ValueError("expected an ISO 8601 date-time with an offset")
    if parsed.tzinfo is None:
        raise ValueError("the date-time needs a UTC offset, e.g. 2026-12-01T09:00:00-05:00")
    return parsed.astimezone(UTC)


def fmt_hhmm(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%H:%M")
