"""Reading request bodies: JSON objects only, of storable text; their fields are the request models'."""
from __future__ import annotations

import json
import math
from typing import Any

from flask import request

from ..domain.booking import BookingChanges
from ..domain.errors import DomainError, ValidationFailed
from ..domain.requests.bookings import BookingUpdate, StaffBookingCustomer, StaffBookingInput
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


# The fields of the bodies, as the request models (app/domain/requests/bookings.py) declare them.
BOOKING_FIELDS = set(StaffBookingInput.model_fields)
CUSTOMER_FIELDS = tuple(StaffBookingCustomer.model_fields)
UPDATE_FIELDS = {field.alias or name for name, field in BookingUpdate.model_fields.items()}


def booking_changes(data: dict[str, Any]) -> tuple[BookingChanges, bool, Any]:
    """A PUT/PATCH body as BookingChanges, whether to notify, and the body's version."""
    update = BookingUpdate.parse(data)
    return update.changes(), update.send_notification, update.version
