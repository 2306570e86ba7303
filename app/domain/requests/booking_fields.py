"""The typed values of a booking request (inputs.BookingRequest), each read once by the
parser of its kind (validation.py, as types.py declares them) where the request is built:
by the staff API (StaffBookingInput), the customer API (launch27.to_request), the web
form (parse_booking_form), book-again and the CLI. A value that does not parse is
recorded under its field path with the parser's message and left out (None or the
default); the booking service reports those with the checks that need the database, so
one refusal names every field that is wrong, and a form's preview still reads the rest."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from ..validation import (
    MAX_DURATION, MIN_DURATION, BadValue, parse_bool, parse_date, parse_id, parse_instant, parse_int, parse_money,
    parse_text, parse_time,
)
from .types import agent_choice, blank_is_none

if TYPE_CHECKING:
    from ..inputs import ServiceLineInput

MAX_TIP = "100000"  # a tip, at most
MAX_ARRIVAL_WINDOW = 1440
# A place of visit, as the booking's columns hold it.
ADDRESS_LIMITS = {"address": 255, "city": 100, "state": 40, "zip": 20}


def _kept_if_none(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`parse`, with None kept as "not given" (the customer's profile holds then)."""
    return lambda value: None if value is None else parse(value)


def _word(message: str, *, blank: str | None = None) -> Callable[[Any], Any]:
    """Text the service compares against its own list (status, payment method, code);
    nothing given is `blank`."""

    def read(value: Any) -> str | None:
        if value is None or value == "":
            return blank
        if not isinstance(value, str):
            raise BadValue(message)
        return value

    return read


def _phone(value: Any) -> str | None:
    # Read by the service (phones.as_phone) in the region of the booking's location.
    if value is None or isinstance(value, str):
        return value
    raise BadValue("Must be text.")


def _tip(value: Any) -> Decimal:
    return parse_money(0 if value is None or value == "" else value, hi=MAX_TIP)


def _arrival(value: Any) -> int:
    return parse_int(value or 0, lo=0, hi=MAX_ARRIVAL_WINDOW)


# Field name -> its parser; the start (start_at, or start_date and start_time) is read apart.
PARSERS: dict[str, Callable[[Any], Any]] = {
    "agent_id": agent_choice,
    "location_id": blank_is_none(parse_id),
    "customer_id": blank_is_none(parse_id),
    "duration": blank_is_none(partial(parse_int, lo=MIN_DURATION, hi=MAX_DURATION)),
    "status": _word("Unknown status."),
    "frequency_id": blank_is_none(parse_id),
    "discount_code": _word("Must be a code of 1-255 characters."),
    "tip": _tip,
    "tip_recurring": parse_bool,
    "payment_method": _word("Choose cash or check.", blank="cash"),
    "arrival_window": _arrival,
    "customer_notes": parse_text,
    "staff_notes": parse_text,
    **{name: _kept_if_none(partial(parse_text, max_length=limit, single_line=True)) for name, limit in ADDRESS_LIMITS.items()},
    "phone": _phone,
    "sms_notifications": _kept_if_none(parse_bool),
    "original_booking_id": blank_is_none(parse_id),
    "expected_total": blank_is_none(parse_money),
}
# What a field left out (or refused) reads as.
FALLBACK: dict[str, Any] = {"tip": Decimal("0.00"), "tip_recurring": False, "arrival_window": 0, "customer_notes": "",
                            "staff_notes": "", "payment_method": "cash"}


def read_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """`raw` (field name -> value as sent) as typed values, and the problems by field path."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, value in raw.items():
        parse = PARSERS.get(name)
        if parse is None:
            values[name] = value
            continue
        try:
            values[name] = parse(value)
        except BadValue as exc:
            problems[name] = str(exc)
            values[name] = FALLBACK.get(name)
    start_at, start_date, start_time = raw.get("start_at"), raw.get("start_date"), raw.get("start_time")
    values.update(start_at=None, start_date=None, start_time=None)
    if start_at not in (None, ""):
        _read(values, problems, "start_at", start_at, parse_instant)
    else:
        _read(values, problems, "start_date", start_date, parse_date)
        _read(values, problems, "start_time", start_time, parse_time)
    return values, problems


def _read(values: dict[str, Any], problems: dict[str, str], name: str, value: Any, parse: Callable[[Any], Any]) -> None:
    try:
        values[name] = parse(value)
    except BadValue as exc:
        problems[name] = str(exc)


def read_lines(lines: list[ServiceLineInput]) -> dict[str, str]:
    """Each service line's ids and numbers as whole numbers, in place (a value that does
    not parse becomes None); the problems by field path. Not a list: pricing says so."""
    problems: dict[str, str] = {}
    if not isinstance(lines, list):
        return problems

    def read(owner: object, name: str, path: str, parse: Callable[[Any], Any]) -> None:
        value = getattr(owner, name)
        if value is None:
            return
        try:
            setattr(owner, name, parse(value))
        except BadValue as exc:
            problems.setdefault(path, str(exc))
            setattr(owner, name, None)

    for i, line in enumerate(lines):
        path = f"services[{i}]"
        read(line, "id", f"{path}.id", parse_id)
        if line.hourly is not None:
            read(line.hourly, "quantity", f"{path}.hourly.quantity", parse_int)
            read(line.hourly, "minutes", f"{path}.hourly.minutes", parse_int)
        for j, extra in enumerate(line.extras if isinstance(line.extras, list) else []):
            read(extra, "id", f"{path}.extras[{j}].id", parse_id)
            read(extra, "quantity", f"{path}.extras[{j}].quantity", parse_int)
            read(extra, "recurring", f"{path}.extras[{j}].recurring", parse_bool)
        for j, parameter in enumerate(line.pricing_parameters if isinstance(line.pricing_parameters, list) else []):
            read(parameter, "id", f"{path}.pricing_parameters[{j}].id", parse_id)
            read(parameter, "quantity", f"{path}.pricing_parameters[{j}].quantity", parse_int)
    return problems
