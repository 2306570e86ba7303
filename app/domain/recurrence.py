"""The dates of a recurring series."""
from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from .models import Frequency


def add_months(day: date, months: int) -> date:
    """The same day of a later month, or that month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def later_dates(first: date, frequency: Frequency, horizon_weeks: int) -> Iterator[date]:
    """The local dates after `first` up to the horizon (inclusive); none for one-time.

    Occurrences keep the first booking's wall-clock time, so a series does not shift by
    an hour when clocks change; each date is counted from the first, so a month-end
    series does not drift (31 Jan, 28 Feb, 31 Mar).
    """
    if not frequency.recurs:
        return
    last = first + timedelta(weeks=horizon_weeks)
    k = 1
    while True:
        if frequency.interval_unit == "week":
            day = first + timedelta(weeks=frequency.interval_count * k)
        else:
            day = add_months(first, frequency.interval_count * k)
        if day > last:
            return
        yield day
        k += 1
