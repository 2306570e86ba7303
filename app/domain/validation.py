"""The strict parsers: one per kind of value, written once and used by pages, API and
CLI alike. Each turns what a client sent (JSON types or form text) into a typed value.

`parse_*` raise BadValue (a ValueError) with a message fit to show next to the field;
`as_*` add that message to a FieldErrors under the field's path and return None, so a
client sees every problem of a request at once.

What they know that the obvious code gets wrong: `str.isdigit()` is true for "²" and
"①" (int() then raises) and Python's int() and date parsers accept non-ASCII digits;
`date(9999, 12, 31) + timedelta(days=1)` overflows; a number past 2**31 - 1 overflows a
PostgreSQL integer column and one past 2**63 - 1 SQLite's; PostgreSQL refuses NUL
characters in text; a lone surrogate ("\\ud800", valid in JSON) cannot be encoded as
UTF-8 for the database.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from .errors import FieldErrors

MAX_TEXT = 10_000
# A booking's length in minutes, wherever one is given (booking, change, availability, catalog, API).
MIN_DURATION = 5
MAX_DURATION = 24 * 60
MAX_AMOUNT = Decimal("1e12")
MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds
MAX_INT = 2**63 - 1  # the largest integer SQLite stores
MAX_EMAIL = 254  # RFC 5321's path limit less the angle brackets
MAX_LOCAL_PART = 64  # RFC 5321; email-validator lets longer ones through
# Dates far enough apart for any booking, and far enough from date.min/date.max that a
# few years of timedelta arithmetic never overflows.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2200, 12, 31)

# Declared once for these parsers and the OpenAPI document (app/api/openapi.py), so the
# document states what the server refuses: text holds none of these characters, a date's
# year is within FIRST_DATE..LAST_DATE (tests/api/test_openapi.py holds the two together).
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT_PATTERN = f"^[^{CONTROL_CHARACTERS}]*$"
YEARS = r"(19[0-9]{2}|2[01][0-9]{2}|2200)"
_DAY = r"(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9]"
DATE_PATTERN = rf"^{YEARS}-{_DAY}$"
TIME_PATTERN = rf"^{_CLOCK}$"
INSTANT_PATTERN = rf"^{YEARS}-{_DAY}T{_CLOCK}:[0-5][0-9](\.[0-9]{{1,6}})?(Z|[+-]{_CLOCK})$"

_INTEGER = re.compile(r"-?[0-9]{1,19}", re.ASCII)
_MONEY = re.compile(r"-?[0-9]{1,13}(\.[0-9]{1,10})?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}", re.ASCII)
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?", re.ASCII)
_LOCAL_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?", re.ASCII)
_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")


class BadValue(ValueError):
    """A value that does not parse; str() is a message for the person who sent it."""


# --- the parsers ----------------------------------------------------------------------


def parse_int(value: Any, *, lo: int | None = None, hi: int | None = None, multiple_of: int | None = None) -> int:
    """A whole number from a JSON integer or ASCII digits with an optional minus sign
    (surrounding spaces allowed). Raises BadValue."""
    if isinstance(value, str):
        text = value.strip(" \t")
        if not _INTEGER.fullmatch(text):
            raise BadValue("Must be a whole number.")
        value = int(text)
    elif isinstance(value, bool) or not isinstance(value, int):
        raise BadValue("Must be a whole number.")
    if lo is not None and value < lo:
        raise BadValue(f"Must be at least {lo}.")
    if hi is not None and value > hi:
        raise BadValue(f"Must be at most {hi}.")
    if not -MAX_INT <= value <= MAX_INT:
        raise BadValue("Must be a smaller number.")
    if multiple_of and value % multiple_of:
        raise BadValue(f"Must be a multiple of {multiple_of}.")
    return value


def parse_id(value: Any) -> int:
    """A database id: 1 to 2**31 - 1. Raises BadValue."""
    try:
        return parse_int(value, lo=1, hi=MAX_ID)
    except BadValue:
        raise BadValue("Must be an id (a whole number from 1).") from None


def id_or_none(value: Any) -> int | None:
    """The id, or None when the value is missing or not an id (for filters that ignore
    what they cannot use, such as a bookmark naming an agent since removed)."""
    try:
        return parse_id(value)
    except BadValue:
        return None


def parse_date(value: Any) -> date:
    """A calendar date as YYYY-MM-DD, 1900-01-01 to 2200-12-31. Raises BadValue."""
    if isinstance(value, datetime):
        raise BadValue("Expected a date as YYYY-MM-DD, not a date and time.")
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise BadValue("That date does not exist.") from None
    else:
        raise BadValue("Expected a date as YYYY-MM-DD.")
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise BadValue(f"Must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}.")
    return parsed


def parse_time(value: Any) -> time:
    """A wall-clock time as HH:MM (24-hour). Raises BadValue."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _TIME.fullmatch(value.strip()):
        raise BadValue("Expected a time as HH:MM (24-hour).")
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise BadValue("Expected a time as HH:MM (24-hour).") from None


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 date-time with a UTC offset, as UTC; a naive one is ambiguous and
    refused. Raises BadValue."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and _INSTANT.fullmatch(value.strip()):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise BadValue("That date and time does not exist.") from None
    else:
        raise BadValue("Expected an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00-05:00.")
    if parsed.tzinfo is None:
        raise BadValue("The date-time needs a UTC offset, e.g. 2026-12-01T09:00:00-05:00.")
    if not FIRST_DATE <= parsed.date() <= LAST_DATE:
        raise BadValue(f"Must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}.")
    return parsed.astimezone(UTC)


def parse_local_datetime(value: Any) -> datetime:
    """A wall-clock date and time without an offset, YYYY-MM-DDTHH:MM[:SS] (what
    <input type="datetime-local"> sends), in the parse_date range. Raises BadValue."""
    if not isinstance(value, str) or not _LOCAL_DATETIME.fullmatch(value.strip()):
        raise BadValue("Expected a date and time as YYYY-MM-DDTHH:MM.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadValue("That date and time does not exist.") from None
    if not FIRST_DATE <= parsed.date() <= LAST_DATE:
        raise BadValue(f"Must be between {FIRST_DATE.isoformat()} and {LAST_DATE.isoformat()}.")
    return parsed


def parse_money(value: Any, *, lo: str = "0", hi: str | None = None) -> Decimal:
    """An amount with at most two decimals, from a JSON number or ASCII text. Raises BadValue."""
    if isinstance(value, bool) or value is None:
        raise BadValue("Must be an amount of money.")
    if isinstance(value, str):
        if not _MONEY.fullmatch(value.strip()):
            raise BadValue("Must be an amount of money.")
        amount = Decimal(value.strip())
    elif isinstance(value, (int, float, Decimal)):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise BadValue("Must be an amount of money.") from None
    else:
        raise BadValue("Must be an amount of money.")
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        # Far beyond any price (1e400 would not even round to cents): refused, not a crash.
        raise BadValue("Must be an amount of money.")
    if amount != amount.quantize(Decimal("0.01")):
        raise BadValue("Use at most two decimal places.")
    if amount < Decimal(lo):
        raise BadValue(f"Must be at least {lo}.")
    if hi is not None and amount > Decimal(hi):
        raise BadValue(f"Must be at most {hi}.")
    return amount.quantize(Decimal("0.01"))


def check_text(value: str) -> str:
    """Text the database can store: no NUL or other control characters except tab and
    line breaks, no lone surrogates. Raises BadValue."""
    if _CONTROL.search(value):
        raise BadValue("Must not contain control characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadValue("Must be valid text (it contains a broken character).") from None
    return value


def parse_text(value: Any, *, max_length: int = MAX_TEXT, required: bool = False, single_line: bool = False) -> str:
    """Text without surrounding spaces, at most max_length characters; None is "". Raises BadValue."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadValue("Must be text.")
    value = check_text(value).strip()
    if single_line and _LINE_BREAK.search(value):
        raise BadValue("Must be a single line.")
    if required and not value:
        raise BadValue("This field is required.")
    if len(value) > max_length:
        raise BadValue(f"Must be at most {max_length} characters.")
    return value


def parse_email(value: Any, *, required: bool = True) -> str:
    """An e-mail address, checked by email-validator (syntax only, no DNS), lower-cased,
    with an internationalised domain in its ASCII form; "" when optional and empty.
    Raises BadValue."""
    if isinstance(value, str) and _LINE_BREAK.search(value):
        raise BadValue("Enter a valid e-mail address: one line, without line breaks.")
    text = parse_text(value, max_length=MAX_EMAIL, required=required)
    if not text:
        return ""
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise BadValue("Enter a valid e-mail address.") from None
    if len(checked.local_part) > MAX_LOCAL_PART:
        raise BadValue(f"Enter a valid e-mail address: at most {MAX_LOCAL_PART} characters before the @.")
    return normalise_email(checked.ascii_email or checked.normalized)


def normalise_email(value: str) -> str:
    return value.strip().lower()


def parse_bool(value: Any, *, default: bool = False) -> bool:
    """true/false from JSON, or a form's "1", "on", "yes", "true" and their opposites
    ("" is false). Raises BadValue."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "on", "yes", "no", ""):
        return value.lower() in ("true", "1", "on", "yes")
    raise BadValue("Must be true or false.")


# A yes/no parameter of a query string: these words exactly (the OpenAPI document lists
# the same), so a typo such as `include_inactive=ture` is refused rather than read as no.
FLAG_VALUES = {"1": True, "true": True, "0": False, "false": False}


def parse_flag(value: Any, *, default: bool = False) -> bool:
    """A query-string flag, one of FLAG_VALUES (absent: `default`). Raises BadValue."""
    if value is None:
        return default
    if isinstance(value, str) and value in FLAG_VALUES:
        return FLAG_VALUES[value]
    raise BadValue(f"Must be one of {', '.join(FLAG_VALUES)}.")


# --- the same, collecting field errors --------------------------------------------------


def _collect(errors: FieldErrors, path: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return parse(*args, **kwargs)
    except BadValue as exc:
        errors.add(path, str(exc))
        return None


def as_int(
    errors: FieldErrors,
    path: str,
    value: Any,
    *,
    lo: int | None = None,
    hi: int | None = None,
    multiple_of: int | None = None,
) -> int | None:
    return _collect(errors, path, parse_int, value, lo=lo, hi=hi, multiple_of=multiple_of)


def as_id(errors: FieldErrors, path: str, value: Any) -> int | None:
    return _collect(errors, path, parse_id, value)


def as_date(errors: FieldErrors, path: str, value: Any) -> date | None:
    return _collect(errors, path, parse_date, value)


def as_time(errors: FieldErrors, path: str, value: Any) -> time | None:
    return _collect(errors, path, parse_time, value)


def as_instant(errors: FieldErrors, path: str, value: Any) -> datetime | None:
    return _collect(errors, path, parse_instant, value)


def as_money(errors: FieldErrors, path: str, value: Any, *, lo: str = "0", hi: str | None = None) -> Decimal | None:
    return _collect(errors, path, parse_money, value, lo=lo, hi=hi)


def as_text(errors: FieldErrors, path: str, value: Any, *, max_length: int = MAX_TEXT, required: bool = False,
            single_line: bool = False) -> str | None:
    return _collect(errors, path, parse_text, value, max_length=max_length, required=required, single_line=single_line)


def as_bool(errors: FieldErrors, path: str, value: Any, *, default: bool = False) -> bool | None:
    return _collect(errors, path, parse_bool, value, default=default)


def as_flag(errors: FieldErrors, path: str, value: Any, *, default: bool = False) -> bool | None:
    return _collect(errors, path, parse_flag, value, default=default)


def as_email(errors: FieldErrors, path: str, value: Any, *, required: bool = True) -> str | None:
    return _collect(errors, path, parse_email, value, required=required)


def bad_strings(value: Any, path: str = "", depth: int = 0) -> dict[str, str]:
    """Field paths of the strings (keys included) in a parsed JSON document that the
    database cannot store, with the reason."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        try:
            check_text(value)
        except BadValue as exc:
            found[path or "body"] = str(exc)
    elif isinstance(value, dict):
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else str(key)
            found |= bad_strings(key, child_path) | bad_strings(child, child_path, depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found |= bad_strings(child, f"{path}[{index}]", depth + 1)
    return found


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern that finds `text` literally anywhere: its `%` and `_` are not
    wildcards (`q=_` must not match everything). Use with escape=LIKE_ESCAPE."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
