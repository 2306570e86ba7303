"""Staff bookings endpoints (X-API-Key): list, get, create, bulk create, update, cancel."""
from __future__ import annotations

from typing import Any

from flask import request

from ..db import get_session
from ..domain import queries
from ..domain.booking import cancel_booking, create_booking, update_booking
from ..domain.bulk import check_size, create_bookings_bulk
from ..domain.errors import DomainError, FieldErrors, ValidationFailed
from ..domain.requests.bookings import StaffBookingCreate, StaffBookingInput
from ..domain.validation import MAX_ID, BadValue, parse_int
from . import bp, serializers
from .auth import client, now, staff
from .idempotent import idempotent
from .parsing import booking_changes, json_object
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
    body = StaffBookingCreate.parse(json_object())
    request_ = body.booking_request(send_notifications=body.send_confirmation_email)
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
    failed: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            # Every problem of the item's values at once, at the paths the client sent.
            booking = StaffBookingInput.parse(item, prefix=f"bookings[{index}].")
        except ValidationFailed as exc:
            failed.append({"index": index, "error": error_body(exc.code, exc.message, exc.details)["error"]})
        else:
            parsed.append((index, booking.booking_request(send_notifications=send is True)))
    result = create_bookings_bulk(session, [r for _, r in parsed], actor=actor, now=now())
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
    session = get_session()
    actor = client().actor
    try:
        changes, notify, version = booking_changes(json_object())
    except ValidationFailed as exc:
        # A booking that does not exist is answered before the values sent for it (404,
        # as LatePoint's own example shows); unknown fields before either.
        if "Unknown field." not in exc.details.values():
            queries.get_booking(session, booking_id, actor=actor)
        raise
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
