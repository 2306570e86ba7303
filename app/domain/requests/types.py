"""The field types of request models: each is a value kind of validation.py, validated by
that kind's own parser (so a request model refuses exactly what the parser refuses, with
the parser's message) and described in JSON Schema by the same constants, so the OpenAPI
document states the limits the server applies."""
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo, WithJsonSchema

from ..phones import MAX_PHONE_TEXT
from ..validation import (
    DATE_PATTERN, INSTANT_PATTERN, MAX_DURATION, MAX_EMAIL, MAX_ID, MAX_TEXT, MIN_DURATION, TEXT_PATTERN, TIME_PATTERN,
    BadValue, parse_bool, parse_date, parse_email, parse_id, parse_instant, parse_int, parse_money, parse_text, parse_time,
)
from ..webhook_rules import EVENTS, MAX_URL_LENGTH, URL_PATTERN, URL_RULE, parse_events, parse_url, reachable_url


def parsed(kind: type, parse: Callable[..., Any], schema: dict[str, Any]) -> Any:
    """A field type: values of `kind` that `parse` returns, described by `schema`."""
    return Annotated[kind, PlainValidator(parse), WithJsonSchema(schema)]


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
DATE_SCHEMA = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
TIME_SCHEMA = {"type": "string", "pattern": TIME_PATTERN}
INSTANT_SCHEMA = {"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}
MINUTES_SCHEMA = {"type": "integer", "minimum": MIN_DURATION, "maximum": MAX_DURATION}

Id = parsed(int, parse_id, ID_SCHEMA)
LocalDate = parsed(date, parse_date, DATE_SCHEMA)
HHMM = parsed(time, parse_time, TIME_SCHEMA)
Instant = parsed(datetime, parse_instant, INSTANT_SCHEMA)
# A booking's length (validation.MIN_DURATION to MAX_DURATION minutes).
Minutes = parsed(int, partial(parse_int, lo=MIN_DURATION, hi=MAX_DURATION), MINUTES_SCHEMA)
Money = parsed(Decimal, parse_money, {"type": ["string", "number"], "pattern": r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"})


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise BadValue("Must be true or false.")
    return value


# true or false, nothing else (the JSON API's own flags).
Bool = parsed(bool, _strict_bool, {"type": "boolean"})


def Flag(default: bool = False) -> Any:  # noqa: N802 - a type, named like one
    """true/false, or a form's words for them (parse_bool); null is `default`."""
    return parsed(bool, partial(parse_bool, default=default), {"type": "boolean"})


def Text(max_length: int = MAX_TEXT, *, required: bool = False, single_line: bool = False) -> Any:  # noqa: N802
    """Text without surrounding spaces, at most `max_length` characters (parse_text); null is ""."""
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, "pattern": TEXT_PATTERN}
    if required:
        schema["minLength"] = 1
    return parsed(str, partial(parse_text, max_length=max_length, required=required, single_line=single_line), schema)


def Email(*, required: bool = True, max_length: int = MAX_EMAIL) -> Any:  # noqa: N802
    """An e-mail address (parse_email), "" when optional and empty. `max_length` is the
    text limit read first, where a form's field declares its own (the back office's)."""

    def parse(value: Any) -> str:
        if max_length != MAX_EMAIL:
            value = parse_text(value, max_length=max_length, required=required, single_line=True)
        return parse_email(value, required=required)

    schema: dict[str, Any] = {"type": "string", "format": "email", "maxLength": min(max_length, MAX_EMAIL)}
    return parsed(str, parse, schema)


# A phone number as typed: one line of at most MAX_PHONE_TEXT characters. It is read
# (phones.parse_phone) by the service, in the region of the location it is for.
PhoneText = parsed(str, partial(parse_text, max_length=MAX_PHONE_TEXT, single_line=True),
                   {"type": "string", "maxLength": MAX_PHONE_TEXT, "pattern": TEXT_PATTERN,
                    "description": "a number that can take texts; without a country code it is read as the location's "
                                   "country's; stored in E.164; another is a 422 naming the field"})


def _webhook_url(value: Any, info: ValidationInfo) -> str:
    """parse_url's form of the URL, refused if it names an address webhooks may not reach
    (the `allow_private` context, the WEBHOOKS_ALLOW_PRIVATE setting, lifts that)."""
    return reachable_url(parse_url(value), allow_private=bool((info.context or {}).get("allow_private")))


WebhookUrl = parsed(str, _webhook_url, {
    "type": "string", "minLength": 1, "maxLength": MAX_URL_LENGTH, "pattern": URL_PATTERN,
    "description": URL_RULE + " Loopback, link-local, private, multicast and reserved addresses (and IPv6 forms that "
                              "lead to them) are refused (422) unless WEBHOOKS_ALLOW_PRIVATE is set; a host name is "
                              "checked against every address it resolves to when a delivery is sent."})
Events = parsed(list[str], parse_events,
                {"type": "array", "items": {"enum": list(EVENTS)}, "minItems": 1, "uniqueItems": True})


def blank_is_none(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`parse`, with null and "" read as "not given" (None)."""

    def read(value: Any) -> Any:
        return None if value is None or value == "" else parse(value)

    return read


# An id that may be left out: null or "" is None (a customer_id, a location_id).
OptionalId = parsed(int, blank_is_none(parse_id), ID_SCHEMA)
OptionalMinutes = parsed(int, blank_is_none(partial(parse_int, lo=MIN_DURATION, hi=MAX_DURATION)), MINUTES_SCHEMA)
ANY_AGENT = ("any", -1, "-1")


def agent_choice(value: Any) -> int | None:
    """An agent's id, or None for "any agent". Raises BadValue."""
    if value is None or value == "" or (not isinstance(value, bool) and value in ANY_AGENT):
        return None
    return parse_id(value)


# An agent's id, or None for "any agent" ("any", -1, "-1", null or "").
AgentChoice = parsed(int, agent_choice, {"oneOf": [ID_SCHEMA, {"enum": list(ANY_AGENT)}]})
