"""The booking form's month calendar: which days of the shown month have free times,
as weeks of cells for the template. The domain's free_days() answers the month in one go."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

import calendar as cal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy.orm import Session

from ...domain.errors import DomainError
from ...domain.free_days import free_days
from ...domain.inputs import ServiceLineInput

# How far ahead the month buttons go.
MONTHS_AHEAD = 24


@dataclass
class Cell:
    day: date
    in_month: bool
    free: bool
    earliest: str | None
    chosen: bool
    today: bool

    iso: str = ""  # the day as the form sends it (filled in __post_init__: read three times per cell)

    def __post_init__(self) -> None:
        self.iso = self.day.isoformat()

    @property
    def id(self) -> str:
        return f"day-{self.iso}"


@dataclass
class MonthCalendar:
    month: date  # the first of the shown month
    weeks: list[list[Cell]]
    previous: date | None
    next: date | None
    chosen: date | None
    error: str | None = None

    @property
    def free_count(self) -> int:
        return sum(1 for week in self.weeks for c in week if c.in_month and c.free)

    @property
    def focus_id(self) -> str:
        """The control an error link about the day leads to."""
        for week in self.weeks:
            for c in week:
                if c.in_month and (c.chosen or c.free):
                    return c.id
        return "calendar"

    @property
    def chosen_elsewhere(self) -> bool:
        """The chosen day is not in the shown month (its radio is not on the page)."""
        return self.chosen is not None and (self.chosen.year, self.chosen.month) != (self.month.year, self.month.month)


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")  # ASCII digits only: "²" is a digit to str.isdigit


def parse_month(text: str) -> date | None:
    """'2030-01' as date(2030, 1, 1); anything else is None."""
    if not isinstance(text, str) or not _MONTH.fullmatch(text):
        return None
    year, month = int(text[:4]), int(text[5:])
    return date(year, month, 1) if 1900 < year < 9000 and 1 <= month <= 12 else None


def _add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_calendar(
    session: Session, services: list[ServiceLineInput], *, month: date | None, chosen: date | None, today: date,
    now: datetime, agent_id: object, location_id: object, staff: bool = False,
) -> MonthCalendar:
    """The booking form's month: the days free_days() marks (for staff, without the
    customers' notice and horizon)."""
    return month_of_days(
        lambda first, last: free_days(session, services, first=first, last=last, now=now, agent_id=agent_id,
                                      location_id=location_id, staff=staff).earliest,
        month=month, chosen=chosen, today=today,
    )


def month_of_days(free_between: Callable[[date, date], dict[date, str]], *, month: date | None, chosen: date | None,
                  today: date) -> MonthCalendar:
    """The shown month (clamped to this month and MONTHS_AHEAD) as weeks of cells, the
    free ones (with their first time) from `free_between(first, last)`."""
    this_month = today.replace(day=1)
    shown = month or this_month
    shown = min(max(shown, this_month), _add_months(this_month, MONTHS_AHEAD))
    first = shown
    last = _add_months(shown, 1) - timedelta(days=1)
    result = MonthCalendar(
        month=shown, weeks=[], chosen=chosen,
        previous=_add_months(shown, -1) if shown > this_month else None,
        next=_add_months(shown, 1) if shown < _add_months(this_month, MONTHS_AHEAD) else None,
    )
    try:
        free = free_between(first, last)
    except DomainError as error:
        free, result.error = {}, error.message
    for week in cal.Calendar(firstweekday=cal.SUNDAY).monthdatescalendar(shown.year, shown.month):
        result.weeks.append([
            Cell(day=d, in_month=d.month == shown.month, free=d in free, earliest=free.get(d), chosen=d == chosen, today=d == today)
            for d in week
        ])
    return result


# The month calendar is most of what the booking form draws (about 35 cells, each with
# its radio, label and spoken day), and every visitor of the same month sees the same
# one: each drawing is kept under everything it shows (bounded, in this process).
_DRAWN: OrderedDict[tuple[Any, ...], Markup] = OrderedDict()
_DRAWN_MAX = 512
_DRAWN_LOCK = threading.Lock()


def calendar_html(calendar: MonthCalendar | None, errors: Mapping[str, str], form_action: str,
                  values: Mapping[str, str]) -> Markup:
    """customer/book/_calendar.html for these values, drawn once per distinct calendar."""
    from ..formatting import current_formats  # the spoken day names follow the business's locale

    shown: tuple[Any, ...]
    if calendar is None:
        shown = (None, values.get("date"))
    else:
        shown = (calendar.month, calendar.previous, calendar.next, calendar.chosen, calendar.error,
                 tuple((c.iso, c.in_month, c.free, c.earliest, c.chosen, c.today) for week in calendar.weeks for c in week))
    key = (current_formats().locale, form_action, errors.get("date"), shown)
    with _DRAWN_LOCK:
        drawn = _DRAWN.get(key)
        if drawn is not None:
            _DRAWN.move_to_end(key)
            return drawn
    drawn = Markup(render_template("customer/book/_calendar.html", calendar=calendar, errors=errors,
                                   form_action=form_action, values=values))
    with _DRAWN_LOCK:
        _DRAWN[key] = drawn
        while len(_DRAWN) > _DRAWN_MAX:
            _DRAWN.popitem(last=False)
    return drawn
