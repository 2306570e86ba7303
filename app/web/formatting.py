"""Dates, times, zones and money as people read them.

Everything a person reads as a date, a time, a zone or an amount goes through these
functions (Jinja filters on pages and in e-mails), backed by Babel and fed by the
business's locale and currency settings and by the location's zone and currency
(STYLE.md habit 13). Templates never call strftime or write a currency sign.

`tz` may be a zone name, a Location (its zone; for money, its currency) or None (the
business's default zone). Instants are converted to that zone; plain dates and times
are shown as they are.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_name
from babel.numbers import format_currency, format_percent
from flask import Flask, g, has_app_context

from .. import clock
from ..domain.phones import national
from ..domain.summary import stored_answer
from ..domain.timeutil import duration_text


@dataclass(frozen=True)
class Formats:
    """The business's locale, currency and default zone."""

    locale: str = "en_US"
    currency: str = "USD"
    timezone: str = "America/New_York"


def current_formats() -> Formats:
    """The formats in force, read once per request (or app context) from the settings."""
    if not has_app_context():
        return Formats()
    if "formats" not in g:
        from app.db import get_session
        from app.domain.settings import load_settings

        settings = load_settings(get_session())
        g.formats = Formats(settings.business_locale, settings.currency, settings.default_timezone)
    return g.formats


# A page formats the same few dates, times and amounts many times (a month calendar, a
# day of times, prices): Babel's answers are pure functions of their arguments, so they
# are kept (bounded), and each locale is parsed once. Aware datetimes are equal (and hash
# alike) when they are the same instant in different zones, so each is kept under its
# wall-clock reading and its zone as well (`_wall`): 10:00 EST is not 15:00 UTC on a page.
_locale = functools.lru_cache(maxsize=32)(Locale.parse)


def _wall(value: Any) -> tuple[Any, ...]:
    if isinstance(value, datetime):
        return (value.replace(tzinfo=None), str(value.tzinfo))
    return ()


@functools.lru_cache(maxsize=4096)
def _kept_skeleton(skeleton: str, value: date | datetime, locale: str, wall: tuple[Any, ...]) -> str:
    return format_skeleton(skeleton, value, locale=_locale(locale))


@functools.lru_cache(maxsize=4096)
def _kept_time(value: time | datetime, locale: str, wall: tuple[Any, ...]) -> str:
    return format_time(value, "short", locale=_locale(locale))


@functools.lru_cache(maxsize=4096)
def _kept_money(amount: Decimal, code: str, locale: str) -> str:
    return format_currency(amount, code, locale=_locale(locale))


@functools.lru_cache(maxsize=1024)
def _kept_full_date(value: date, locale: str, wall: tuple[Any, ...]) -> str:
    return format_date(value, "full", locale=_locale(locale))


def _zone(tz: Any, formats: Formats) -> ZoneInfo:
    name = getattr(tz, "timezone", tz) or formats.timezone
    return ZoneInfo(name)


def _local(value: datetime, tz: Any, formats: Formats) -> datetime:
    if value.tzinfo is None:  # SQLite hands back naive UTC when a column type is bypassed
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(tz, formats))


def local_date(value: date | datetime | None, tz: Any = None, skeleton: str = "yMMMEd") -> str:
    """'Wed, Nov 25, 2026' (en_US), 'Mi., 25. Nov. 2026' (de_DE)."""
    if value is None:
        return ""
    formats = current_formats()
    if isinstance(value, datetime):
        value = _local(value, tz, formats)
    return _kept_skeleton(skeleton, value, formats.locale, _wall(value))


def local_time(value: time | datetime | None, tz: Any = None) -> str:
    """'2:00 PM' (en_US), '14:00' (en_GB, de_DE)."""
    if value is None:
        return ""
    formats = current_formats()
    if isinstance(value, datetime):
        value = _local(value, tz, formats)
    return _kept_time(value, formats.locale, _wall(value))


def clock_hour(hour: int) -> str:
    """An hour of the day as the business writes times: '2 PM'-style '2:00 PM' (en_US), '14:00' (de_DE)."""
    return local_time(time(hour % 24))


def local_datetime(value: datetime | None, tz: Any = None, with_zone: bool = True) -> str:
    """'Wed, Nov 25, 2026, 2:00 PM EST': the date and time in the zone, the zone named."""
    if value is None:
        return ""
    formats = current_formats()
    pattern = _locale(formats.locale).datetime_formats["medium"]
    text = str(pattern).replace("{1}", local_date(value, tz)).replace("{0}", local_time(value, tz))
    return f"{text} {zone_label(tz, value)}" if with_zone else text


def zone_label(tz: Any = None, value: datetime | None = None) -> str:
    """The zone's abbreviation at that instant (EST, EDT, CET, CEST), from the tz database."""
    formats = current_formats()
    instant = value or clock.now()
    return _local(instant, tz, formats).tzname() or ""


def zone_name(tz: Any = None, value: datetime | None = None) -> str:
    """The zone's long name in the business's language ('Eastern Standard Time')."""
    formats = current_formats()
    instant = _local(value or clock.now(), tz, formats)
    return get_timezone_name(instant, "long", locale=formats.locale)


def money(amount: Decimal | int | float | str | None, currency: Any = None) -> str:
    """'$1,234.50' (en_US), '25,00 €' (de_DE). `currency` is a code or a Location."""
    if amount is None:
        return ""
    formats = current_formats()
    code = getattr(currency, "currency", currency) or formats.currency
    return _kept_money(Decimal(str(amount)), code, formats.locale)


def percent(value: Decimal | int | float | str | None) -> str:
    """A percentage given as a number of percent: 10 → '10%' (en_US), '10 %' (de_DE)."""
    if value is None:
        return ""
    number = Decimal(str(value)) / 100
    return format_percent(number, locale=current_formats().locale, decimal_quantization=False)


def local_day(value: date, tz: Any = None) -> str:
    """A plain date in the long form: 'Wednesday, November 25, 2026'."""
    return _kept_full_date(value, current_formats().locale, _wall(value))


def answer_text(answer: Any) -> str:
    """An answer as people read it: a date or date and time (stored as ISO text, the
    customer's own wall-clock value) in the business's locale; other answers as given."""
    formats = current_formats()
    try:
        if answer.kind == "date":
            return format_date(date.fromisoformat(answer.text), "medium", locale=formats.locale)
        if answer.kind == "datetime":
            moment = datetime.fromisoformat(answer.text)
            return f"{format_date(moment.date(), 'medium', locale=formats.locale)}, {format_time(moment.time(), 'short', locale=formats.locale)}"
    except ValueError:
        pass
    return str(answer.text)


def phone(value: str | None, region: str | None = None) -> str:
    """A stored (E.164) number as people write it: national format in the business's
    country (the default location's), international for numbers from elsewhere."""
    if not value:
        return ""
    if region is None and has_app_context():
        if "phone_region" not in g:
            from app.db import get_session
            from app.domain.phones import region_for

            g.phone_region = region_for(get_session())
        region = g.phone_region
    return national(value, region)


FILTERS = {
    "phone": phone,
    "answer_text": answer_text,
    "stored_answer": stored_answer,
    "duration": duration_text,
    "money": money,
    "percent": percent,
    "local_date": local_date,
    "local_day": local_day,
    "local_time": local_time,
    "clock_hour": clock_hour,
    "local_datetime": local_datetime,
    "zone_label": zone_label,
    "zone_name": zone_name,
}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
