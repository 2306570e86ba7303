"""Reading request bodies: JSON objects only, known fields only."""
from __future__ import annotations

import json
import math
from typing import Any

from flask import request

from ..domain.booking import UNSET, BookingChanges
from ..domain.errors import DomainError, FieldErrors, ValidationFailed
from ..domain.requests.bookings import StaffBookingInput
from ..domain.validation import bad_strings


class InvalidJson(DomainError):
    code = "invalid_json"
    status = 400


MAX_DEPTH = 20  # far deeper than any request of api.md nests


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError("number out of range")
    return number


def _depth(value: Any) -> int:
    """How deeply a parsed document nests, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def json_object(optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object of storable text; raises InvalidJson (400) for
    anything that is not strict JSON (NaN, Infinity, nesting past MAX_DEPTH: Python's
    parser would recurse until RecursionError) and ValidationFailed (422) naming the
    strings that hold NUL, other control characters or lone surrogates."""
    raw = request.get_data(cache=True)
    if not raw.strip() and optional:
        return {}
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite)
    except (ValueError, RecursionError):
        raise InvalidJson("The request body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise InvalidJson("The request body must be a JSON object.")
    if _depth(data) > MAX_DEPTH:
        raise InvalidJson(f"The request body nests more than {MAX_DEPTH} levels deep.")
    problems = bad_strings(data)
    if problems:
        raise ValidationFailed("Some text in the request cannot be stored.", problems)
    return data


# The staff booking object's fields (app/domain/requests/bookings.py declares them).
BOOKING_FIELDS = set(StaffBookingInput.model_fields)
CUSTOMER_FIELDS = ("first_name", "last_name", "email", "phone")


def unknown_fields(data: dict[str, Any], allowed: set[str], errors: FieldErrors, prefix: str = "") -> None:
    for name in data:
        if name not in allowed:
            errors.add(f"{prefix}{name}", "Unknown field.")


UPDATE_FIELDS = {
    "service_id", "agent_id", "location_id", "start_date", "start_time", "start_at", "duration", "status",
    "customer_id", "customer", "price", "notes", "staff_notes", "send_notification", "version", "reason",
} | {f"customer.{name}" for name in CUSTOMER_FIELDS}


def booking_changes(data: dict[str, Any]) -> tuple[BookingChanges, bool, Any]:
    """A PUT/PATCH body as BookingChanges, whether to notify, and the body's version."""
    errors = FieldErrors()
    unknown_fields(data, UPDATE_FIELDS, errors)
    customer: dict[str, Any] = {}
    if "customer" in data:
        if not isinstance(data["customer"], dict):
            errors.add("customer", "Must be an object.")
        else:
            unknown_fields(data["customer"], set(CUSTOMER_FIELDS), errors, "customer.")
            customer |= data["customer"]
    customer |= {k.split(".", 1)[1]: v for k, v in data.items() if k.startswith("customer.")}
    notify = data.get("send_notification", False)
    if not isinstance(notify, bool):
        errors.add("send_notification", "Must be true or false.")
    if errors:
        raise ValidationFailed("The update is not valid.", errors.errors)
    simple = {k: data[k] for k in ("service_id", "agent_id", "location_id", "start_date", "start_time", "start_at",
                                   "duration", "status", "customer_id", "price", "notes", "staff_notes") if k in data}
    changes = BookingChanges(**simple, customer=customer if customer else UNSET, reason=data.get("reason") or "")
    return changes, bool(notify), data.get("version")
