"""Staff bookings endpoints (X-API-Key): list, get, create, bulk create, update, cancel."""
from __future__ import annotations

from typing import Any

from flask import request

from ..db import get_session
from ..domain import queries
from ..domain.booking import cancel_booking, create_booking, update_booking
from ..domain.bulk import check_size, create_bookings_bulk
from ..domain.errors import FieldErrors, ValidationFailed
from ..domain.validation import MAX_ID, BadValue, parse_int
from . import bp, serializers
from .auth import client, now, staff
from .idempotent import idempotent
from .parsing import booking_changes, json_object, staff_booking
from .responses import error_body, prefixed, respond, success, success_page


@bp.get("/bookings")
@staff()
def list_bookings() -> Any:
    page = queries.list_bookings(get_session(), request.args.to_dict(), actor=client().actor)
    return success_page(page, [serializers.booking(b) for b in page.items])


@bp.get("/bookings/<booking_id>")
@staff()
def get_booking(booking_id: str) -> Any:
    booking = queries.get_booking(get_session(), booking_id, actor=client().actor)
    return success(serializers.booking(booking), headers={"ETag": f'"{booking.version}"'})


@bp.post("/bookings")
@staff(write=True)
@idempotent
def create() -> Any:
    body = json_object()
    errors = FieldErrors()
    send = body.pop("send_confirmation_email", False)
    request_ = staff_booking(body, errors, send_notifications=send is True)
    errors.raise_if_any("The booking is not valid.")
    assert request_ is not None
    session = get_session()
    result = create_booking(session, request_, actor=client().actor, now=now())
    return success(serializers.booking(queries.get_booking(session, result.booking.id, actor=client().actor)), 201)


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
    errors.raise_if_any("The bulk request is not valid.")
    assert isinstance(items, list)
    # Counted before parsing: items that fail to parse still count towards the limit.
    check_size(len(items))
    session = get_session()
    actor = client().actor
    parsed: list[tuple[int, Any]] = []
    failed: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        item_errors = FieldErrors()
        request_ = staff_booking(item, item_errors, f"bookings[{index}].", send_notifications=send is True)
        if request_ is None:
            failed.append({"index": index, "error": error_body("validation_failed", "The booking is not valid.", item_errors.errors)["error"]})
        else:
            parsed.append((index, request_))
    result = create_bookings_bulk(session, [r for _, r in parsed], actor=actor, now=now())
    created = [
        {"index": parsed[i][0], "booking": serializers.booking(queries.get_booking(session, b.id, actor=actor))}
        for i, b in result.created
    ]
    for i, exc in result.failed:
        index = parsed[i][0]
        failed.append({"index": index, "error": error_body(exc.code, exc.message, prefixed(exc.details, f"bookings[{index}]"))["error"]})
    failed.sort(key=lambda f: f["index"])
    status, word = (201, "success") if not failed else (207, "partial") if created else (400, "error")
    summary = {"requested": len(items), "created": len(created), "failed": len(failed)}
    return respond({"status": word, "data": {"created": created, "failed": failed, "summary": summary}}, status)


def _expected_version(body_version: Any) -> int | None:
    raw = request.headers.get("If-Match")
    value = body_version if raw is None else raw.strip().removeprefix("W/").strip('"')
    if value is None:
        return None
    try:
        return parse_int(value, lo=0, hi=MAX_ID)
    except BadValue:
        raise ValidationFailed("If-Match (or version) must be the booking's version number, e.g. \"3\".", {"version": "Must be a whole number."}) from None


@bp.route("/bookings/<booking_id>", methods=["PUT", "PATCH"])
@staff(write=True)
@idempotent
def update(booking_id: str) -> Any:
    changes, notify, version = booking_changes(json_object())
    session = get_session()
    actor = client().actor
    booking = update_booking(session, booking_id, changes, actor=actor, now=now(), expected_version=_expected_version(version), notify=notify)
    fresh = queries.get_booking(session, booking.id, actor=actor)
    return success(serializers.booking(fresh), headers={"ETag": f'"{fresh.version}"'})


@bp.delete("/bookings/<booking_id>")
@staff(write=True)
def delete(booking_id: str) -> Any:
    session = get_session()
    actor = client().actor
    cancelled = cancel_booking(session, booking_id, actor=actor, now=now(), expected_version=_expected_version(None), notify=False)
    return success(serializers.booking(queries.get_booking(session, cancelled[0].id, actor=actor)))
