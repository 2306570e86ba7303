"""Staff bookings endpoints (X-API-Key): list, get, create, bulk create, update, cancel."""
from __future__ import annotations

from typing import Any

from flask import request

from ..db import get_session
from ..domain import queries
from ..domain.booking import cancel_booking, create_booking, update_booking
from ..domain.bulk import check_size, create_bookings_bulk
from ..domain.errors import DomainError, FieldErrors, ValidationFailed
from ..domain.validation import MAX_ID, BadValue, parse_int
from . import bp, serializers
from .auth import client, now, staff
from .idempotent import idempotent
from .parsing import BOOKING_FIELDS, CUSTOMER_FIELDS, booking_changes, json_object, staff_booking
from .query import query_args
from .responses import error_body, prefixed, respond, success, success_page


@bp.get("/bookings")
@staff()
def list_bookings() -> Any:
    page = queries.list_bookings(get_session(), query_args(), actor=client().actor)
    return success_page(page, [serializers.booking(b) for b in page.items])


@bp.get("/bookings/<ref:booking_id>")
@staff()
def get_booking(booking_id: str) -> Any:
    query_args()
    booking = queries.get_booking(get_session(), booking_id, actor=client().actor)
    return success(serializers.booking(booking), headers={"ETag": f'"{booking.version}"'})


@bp.post("/bookings")
@staff(write=True)
@idempotent
def create() -> Any:
    body = json_object()
    errors = FieldErrors()
    send = body.pop("send_confirmation_email", False)
    if not isinstance(send, bool):
        errors.add("send_confirmation_email", "Must be true or false.")
    request_ = staff_booking(body, errors, send_notifications=send is True)
    errors.raise_if_any("The booking is not valid.")
    assert request_ is not None
    session = get_session()
    try:
        result = create_booking(session, request_, actor=client().actor, now=now())
    except DomainError as exc:
        exc.details = as_sent(exc.details)
        raise
    data = serializers.booking(queries.get_booking(session, result.booking.id, actor=client().actor))
    return success(data | {"customer_matched": result.customer_matched}, 201)


@bp.post("/bookings/bulk")
@staff(write=True)
@idempotent
def bulk_create() -> Any:
    body = json_object()
    items = body.get("bookings")
    errors = FieldErrors()
    for name in body:
        if name not in ("bookings", "send_confirmation_emails"):
            errors.add(name, "Unknown field.")
    send = body.get("send_confirmation_emails", False)
    if not isinstance(send, bool):
        errors.add("send_confirmation_emails", "Must be true or false.")
    if not isinstance(items, list) or not items:
        errors.add("bookings", "Give a non-empty list of bookings.")
    if errors:
        # LatePoint answers an invalid request format with 400, like a request whose
        # every item failed (seed 000).
        raise InvalidBulkRequest("The bulk request is not valid.", errors.errors)
    assert isinstance(items, list)
    # Counted before parsing: items that fail to parse still count towards the limit.
    check_size(len(items))
    session = get_session()
    actor = client().actor
    parsed: list[tuple[int, Any]] = []
    refused: dict[int, dict[str, str]] = {}
    failed: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        item_errors = FieldErrors()
        request_ = staff_booking(item, item_errors, send_notifications=send is True)
        if request_ is None and isinstance(item, dict):
            # Still checked by the domain (never created), so every error is reported.
            request_ = staff_booking(_present_fields(item), FieldErrors(), send_notifications=False)
            refused[len(parsed)] = item_errors.errors
        if request_ is None:
            details = prefixed(item_errors.errors, f"bookings[{index}]") if isinstance(item, dict) else {f"bookings[{index}]": "Must be an object."}
            failed.append({"index": index, "error": error_body("validation_failed", "The booking is not valid.", details)["error"]})
        else:
            parsed.append((index, request_))
    result = create_bookings_bulk(session, [r for _, r in parsed], actor=actor, now=now(), refused=refused)
    created = [
        {"index": parsed[i][0], "booking": serializers.booking(queries.get_booking(session, r.booking.id, actor=actor)),
         "customer_id": r.booking.customer_id, "customer_matched": r.customer_matched}
        for i, r in result.created
    ]
    for i, exc in result.failed:
        index = parsed[i][0]
        failed.append({"index": index, "error": error_body(exc.code, exc.message, prefixed(as_sent(exc.details), f"bookings[{index}]"))["error"]})
    failed.sort(key=lambda f: f["index"])
    status, word = (201, "success") if not failed else (207, "partial") if created else (400, "error")
    summary = {"requested": len(items), "created": len(created), "failed": len(failed)}
    return respond({"status": word, "data": {"created": created, "failed": failed, "summary": summary}}, status)


def _present_fields(item: dict[str, Any]) -> dict[str, Any]:
    """A bulk item with its unknown fields left out and missing required ones empty, so
    the domain can check the rest of it."""
    data = {k: v for k, v in item.items() if k in BOOKING_FIELDS}
    data.setdefault("service_id", None)
    data.setdefault("agent_id", "any")
    if "start_at" not in data:
        data.setdefault("start_date", None)
        data.setdefault("start_time", None)
    if data.get("customer_id") in (None, ""):
        given = data.get("customer")
        data["customer"] = {k: v for k, v in given.items() if k in CUSTOMER_FIELDS} if isinstance(given, dict) else {}
    return data


class InvalidBulkRequest(ValidationFailed):
    status = 400


# The domain names a staff booking's fields as the booking form does; the client sent
# LatePoint's names, and errors point at what it sent.
SENT_NAMES = {"services[0].id": "service_id", "services": "service_id", "customer_notes": "notes"}


def as_sent(details: dict[str, Any]) -> dict[str, Any]:
    """Error paths renamed to the fields of the staff booking object."""
    renamed: dict[str, Any] = {}
    for path, message in details.items():
        name = SENT_NAMES.get(path)
        if name is None and path.startswith("services[0]."):
            name = "service_id"
        renamed.setdefault(name or path, message)
    return renamed


def _expected_version(body_version: Any) -> int | None:
    raw = request.headers.get("If-Match")
    value = body_version if raw is None else raw.strip().removeprefix("W/").strip('"')
    if value is None:
        return None
    try:
        return parse_int(value, lo=0, hi=MAX_ID)
    except BadValue:
        raise ValidationFailed("If-Match (or version) must be the booking's version number, e.g. \"3\".", {"version": "Must be a whole number."}) from None


@bp.route("/bookings/<ref:booking_id>", methods=["PUT", "PATCH"])
@staff(write=True)
@idempotent
def update(booking_id: str) -> Any:
    changes, notify, version = booking_changes(json_object())
    session = get_session()
    actor = client().actor
    booking = update_booking(session, booking_id, changes, actor=actor, now=now(), expected_version=_expected_version(version), notify=notify)
    fresh = queries.get_booking(session, booking.id, actor=actor)
    return success(serializers.booking(fresh), headers={"ETag": f'"{fresh.version}"'})


@bp.delete("/bookings/<ref:booking_id>")
@staff(write=True)
def delete(booking_id: str) -> Any:
    session = get_session()
    actor = client().actor
    cancelled = cancel_booking(session, booking_id, actor=actor, now=now(), expected_version=_expected_version(None), notify=False)
    return success(serializers.booking(queries.get_booking(session, cancelled[0].id, actor=actor)))
