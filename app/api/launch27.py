"""The Launch27 "create booking as logged-in customer" request schema
(shared/seeds/004), as JSON Schema draft 4, and its mapping onto a BookingRequest.

One change from the seed: its patterns end in `\\z`, which Python's `re` (before 3.14)
does not know; `\\Z` means the same here (end of string, no trailing newline allowed
because `\\A...\\Z` is matched against the whole value)."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft4Validator

from ..domain.errors import FieldErrors
from ..domain.inputs import BookingRequest, ExtraInput, FieldAnswer, HourlyInput, OptionAnswer, ParameterInput, ServiceLineInput

_DATETIME = r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\Z"

SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "title": "Create booking request",
    "type": "object",
    "properties": {
        "location_id": {"type": ["integer", "null"]},
        "original_booking_id": {"type": ["integer", "null"]},
        "address": {"type": "string", "minLength": 1, "maxLength": 255},
        "city": {"type": ["string", "null"], "minLength": 1, "maxLength": 100},
        "state": {"type": ["string", "null"], "minLength": 1, "maxLength": 3},
        "zip": {"type": ["string", "null"], "minLength": 1, "maxLength": 10},
        "phone": {"type": ["string", "null"], "minLength": 1, "maxLength": 20},
        "sms_notifications": {"type": ["boolean", "null"]},
        "frequency_id": {"type": "integer", "minimum": 1},
        "service_date": {"type": "string", "pattern": _DATETIME},
        "arrival_window": {"title": "arrival window in minutes", "type": "integer", "minimum": 0, "maximum": 1440},
        "services": {
            "type": "array",
            "items": {
                "title": "Service",
                "type": "object",
                "properties": {
                    "id": {"type": "integer", "minimum": 1},
                    "hourly": {
                        "type": ["object", "null"],
                        "properties": {
                            "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
                            "minutes": {"type": "integer", "minimum": 30, "maximum": 1440, "multipleOf": 30},
                        },
                        "required": ["quantity", "minutes"],
                    },
                    "extras": {
                        "type": ["array", "null"],
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 1},
                                "quantity": {"type": "integer", "minimum": 1, "maximum": 10000},
                                "recurring": {"type": ["boolean", "null"]},
                            },
                            "required": ["id", "quantity"],
                        },
                    },
                    "pricing_parameters": {
                        "type": ["array", "null"],
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer", "minimum": 1},
                                "quantity": {"type": "integer", "minimum": 0, "maximum": 250000},
                            },
                            "required": ["id", "quantity"],
                        },
                    },
                },
                "required": ["id"],
            },
            "minItems": 1,
        },
        "discount_code": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "tip": {"type": ["number", "null"], "minimum": 0, "maximum": 100000},
        "tip_recurring": {"type": ["boolean", "null"]},
        "payment_method": {"type": "string", "enum": ["stripe", "paypal", "cash", "check"]},
        "customer_notes": {"type": ["string", "null"], "minLength": 1},
        "custom_fields": {
            "type": ["array", "null"],
            "items": {
                "oneOf": [
                    {
                        "title": "Single-Line or Multi-Line values or Date or DateTime or Checkbox (true or false)",
                        "type": "object",
                        "properties": {"id": {"type": "integer", "minimum": 1}, "value": {"type": "string", "minLength": 0}},
                        "required": ["id", "value"],
                        "additionalProperties": False,
                    },
                    {
                        "title": "Radio buttons, drop downs or checkboxes values",
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer", "minimum": 1},
                            "values": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"id": {"type": "integer", "minimum": 1}, "other": {"type": ["string", "null"]}},
                                    "required": ["id"],
                                },
                                "minItems": 0,
                            },
                        },
                        "required": ["id", "values"],
                        "additionalProperties": False,
                    },
                ]
            },
        },
    },
    "required": ["address", "frequency_id", "service_date", "arrival_window", "services", "payment_method"],
}

ESTIMATE_SCHEMA: dict[str, Any] = copy.deepcopy(SCHEMA) | {"required": ["services"]}
RESCHEDULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"service_date": SCHEMA["properties"]["service_date"]},
    "required": ["service_date"],
    "additionalProperties": False,
}
CANCEL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"reason": {"type": ["string", "null"], "maxLength": 255}, "scope": {"enum": ["this", "this_and_future"]}},
    "additionalProperties": False,
}

_validators = {id(s): Draft4Validator(s) for s in (SCHEMA, ESTIMATE_SCHEMA, RESCHEDULE_SCHEMA, CANCEL_SCHEMA)}


def path_of(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_errors(schema: dict[str, Any], body: Any) -> dict[str, str]:
    """Every violation, keyed by its field path (services[0].hourly.minutes)."""
    errors = FieldErrors()
    for err in sorted(_validators[id(schema)].iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        base = path_of(err.absolute_path)
        if err.validator == "required":
            for name in err.validator_value:
                if isinstance(err.instance, dict) and name not in err.instance:
                    errors.add(f"{base}.{name}" if base else name, "This field is required.")
        elif err.validator == "additionalProperties" and err.validator_value is False and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for name in err.instance:
                if name not in allowed:
                    errors.add(f"{base}.{name}" if base else name, "Unknown field.")
        elif err.validator == "oneOf":
            errors.add(base, 'Give {"id", "value"} for a text answer or {"id", "values": [{"id", "other"}]} for options.')
        elif err.validator == "pattern" and base == "service_date":
            errors.add(base, "Expected a local date-time as YYYY-MM-DDTHH:MM:SS.")
        else:
            errors.add(base or "body", err.message)
    return errors.errors


def list_lengths(body: Any) -> Iterator[tuple[str, str, int]]:
    """(path, kind, length) of each list the body holds where a list belongs, outer lists
    first and lazily (see domain.bounds.check_list_lengths); other shapes are left to the
    schema."""
    if not isinstance(body, dict):
        return
    services, answers = body.get("services"), body.get("custom_fields")
    if isinstance(services, list):
        yield "services", "services", len(services)
    if isinstance(answers, list):
        yield "custom_fields", "custom_fields", len(answers)
    for i, line in enumerate(services if isinstance(services, list) else []):
        for kind in ("extras", "pricing_parameters"):
            items = line.get(kind) if isinstance(line, dict) else None
            if isinstance(items, list):
                yield f"services[{i}].{kind}", kind, len(items)
    for i, answer in enumerate(answers if isinstance(answers, list) else []):
        values = answer.get("values") if isinstance(answer, dict) else None
        if isinstance(values, list):
            yield f"custom_fields[{i}].values", "options", len(values)


def split_service_date(value: str, errors: FieldErrors) -> tuple[str, str]:
    day, _, clock = value.partition("T")
    if not clock.endswith(":00"):
        errors.add("service_date", "Start times are whole minutes: the seconds must be 00.")
    return day, clock[:5]


def to_request(body: dict[str, Any], errors: FieldErrors) -> BookingRequest:
    """A validated Launch27 body as a BookingRequest (agent assigned automatically)."""
    day, clock = split_service_date(body["service_date"], errors) if "service_date" in body else (None, None)
    services = [
        ServiceLineInput(
            id=s["id"],
            hourly=HourlyInput(s["hourly"]["quantity"], s["hourly"]["minutes"]) if s.get("hourly") else None,
            extras=[ExtraInput(e["id"], e["quantity"], e.get("recurring")) for e in s.get("extras") or []],
            pricing_parameters=[ParameterInput(p["id"], p["quantity"]) for p in s.get("pricing_parameters") or []],
        )
        for s in body.get("services", [])
    ]
    answers = [
        FieldAnswer(f["id"], value=f["value"]) if "value" in f
        else FieldAnswer(f["id"], values=[OptionAnswer(v["id"], v.get("other")) for v in f["values"]])
        for f in body.get("custom_fields") or []
    ]
    return BookingRequest(
        services=services,
        start_date=day,
        start_time=clock,
        agent_id="any",
        location_id=body.get("location_id"),
        frequency_id=body.get("frequency_id"),
        discount_code=body.get("discount_code"),
        tip=body.get("tip") or 0,
        tip_recurring=bool(body.get("tip_recurring")),
        payment_method=body.get("payment_method", "cash"),
        arrival_window=body.get("arrival_window", 0),
        customer_notes=body.get("customer_notes") or "",
        address=body.get("address"),
        city=body.get("city"),
        state=body.get("state"),
        zip=body.get("zip"),
        phone=body.get("phone"),
        sms_notifications=body.get("sms_notifications"),
        custom_fields=answers,
        original_booking_id=body.get("original_booking_id"),
    )
