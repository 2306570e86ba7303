"""Customer endpoints (Launch27 style): login/logout with bearer tokens, create a
booking, estimate a price, list/get own bookings, reschedule and cancel."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_limiter.util import get_remote_address

from .. import throttle
from ..db import get_session
from ..domain import accounts, bounds, payments, pricing, queries
from ..domain.booking import BookingResult, cancel_booking, create_booking, reschedule_booking
from ..domain.errors import FieldErrors, ValidationFailed
from ..domain.settings import load_settings
from ..transports.stripe import gateway_for
from . import bp, limiter, serializers
from .auth import bearer_token, client, customer, now
from .idempotent import idempotent
from .launch27 import (
    CANCEL_SCHEMA, ESTIMATE_SCHEMA, RESCHEDULE_SCHEMA, SCHEMA, list_lengths, schema_errors, split_service_date, to_request,
)
from .parsing import json_object
from .query import query_args
from .responses import error, respond, success, success_page


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_key() -> str:
    return "login:" + get_remote_address()


@bp.post("/login")
@limiter.limit(_login_limit, key_func=_login_key)
def login() -> Any:
    body = json_object()
    email, password = body.get("email"), body.get("password")
    problems = {k: "Required." for k in ("email", "password") if not isinstance(body.get(k), str)}
    problems |= {k: "Unknown field." for k in body if k not in ("email", "password")}
    if problems:
        raise ValidationFailed("Send your email and password, and nothing else.", problems)
    assert isinstance(email, str) and isinstance(password, str)
    session = get_session()
    throttle.reserve_login(email)  # counted before the check: concurrent guesses cannot slip past
    user = accounts.find_user_by_email(session, email)
    # Verify first, whoever it is: an unknown address costs the same Argon2 work.
    if not accounts.verify_password(user, password) or user is None or user.role != "customer" or not user.active:
        return error("unauthorized", "The e-mail or password is not correct.", 401)
    throttle.refund_login(email)
    token, secret = accounts.issue_token(session, user, now=now())
    return respond({"token": secret, "expires_at": token.expires_at.isoformat()})


@bp.post("/logout")
@customer()
def logout() -> Any:
    accounts.revoke_token(get_session(), bearer_token() or "", now=now())
    return success({"logged_out": True})


def _validated(schema: dict[str, Any]) -> dict[str, Any]:
    body = json_object()
    # Lists longer than the catalog are refused before the schema reads them item by item.
    bounds.check_list_lengths(get_session(), list_lengths(body))
    problems = schema_errors(schema, body)
    if problems:
        raise ValidationFailed("The request does not match the booking schema.", problems)
    return body


@bp.post("/customer/bookings")
@customer()
@idempotent
def customer_create() -> Any:
    body = _validated(SCHEMA)
    errors = FieldErrors()
    request_ = to_request(body, errors)
    errors.raise_if_any("The request does not match the booking schema.")
    session = get_session()
    stripe_gateway = gateway_for(current_app._get_current_object())  # type: ignore[attr-defined]
    request_.card_payments = stripe_gateway is not None
    with throttle.code_guesses(client().owner, request_.discount_code):  # a booking checks its code: guesses count here too
        if request_.payment_method == "stripe" and stripe_gateway is not None:
            # Against the customer's saved card (Launch27's card on file); none: 422 naming payment_method.
            booking = payments.book_with_saved_card(
                session, request_, actor=client().actor, now=now(), gateway=stripe_gateway,
                hold_minutes=int(current_app.config.get("PAYMENT_HOLD_MINUTES") or 15),
            )
            result = BookingResult(booking)
        else:
            result = create_booking(session, request_, actor=client().actor, now=now())
    booking = result.booking
    total = float(booking.total)
    payload: dict[str, Any] = {
        "id": booking.id,
        # "affilation" is spelled as in the Launch27 document: its clients read that key.
        # Launch27 gives the account's subdomain there: our ACCOUNT_SLUG.
        "ga_transaction": {"id": booking.booking_code, "affilation": load_settings(session).account_slug, "revenue": total},
        "ga_item": {"id": booking.booking_code, "name": "Booking", "price": total, "quantity": 1},
    }
    if result.occurrences or result.skipped:
        payload["series"] = {
            "booking_ids": [b.id for b in result.bookings],
            "skipped": [{"date": s.date.isoformat(), "time": s.time, "reason": s.reason} for s in result.skipped],
        }
    return respond(payload, 201)


@bp.post("/customer/bookings/price")
@customer()
def customer_price() -> Any:
    body = _validated(ESTIMATE_SCHEMA)
    errors = FieldErrors()
    request_ = to_request(body, errors)
    with throttle.code_guesses(client().owner, request_.discount_code):  # wrong codes are guesses: counted per customer
        quote = pricing.estimate(
            get_session(), services=request_.services, frequency_id=request_.frequency_id, discount_code=request_.discount_code,
            tip=request_.tip, tip_recurring=request_.tip_recurring, customer_id=client().actor.id, now=now(),
            problems=request_.problems,
        )
    return success(quote.breakdown() | {"duration": quote.duration})


@bp.get("/customer/bookings")
@customer()
def customer_list() -> Any:
    page = queries.list_bookings(get_session(), query_args(), actor=client().actor)
    return success_page(page, [serializers.booking(b, staff=False) for b in page.items])


@bp.get("/customer/bookings/<ref:booking_id>")
@customer()
def customer_get(booking_id: str) -> Any:
    query_args()
    booking = queries.get_booking(get_session(), booking_id, actor=client().actor)
    return success(serializers.booking(booking, staff=False))


@bp.put("/customer/bookings/<ref:booking_id>")
@customer()
@idempotent
def customer_reschedule(booking_id: str) -> Any:
    body = _validated(RESCHEDULE_SCHEMA)
    errors = FieldErrors()
    day, clock = split_service_date(body["service_date"], errors)
    errors.raise_if_any("The new date is not valid.")
    session = get_session()
    booking = reschedule_booking(session, booking_id, start_date=day, start_time=clock, actor=client().actor, now=now())
    return success(serializers.booking(queries.get_booking(session, booking.id, actor=client().actor), staff=False))


@bp.post("/customer/bookings/<ref:booking_id>/cancel")
@customer()
@idempotent
def customer_cancel(booking_id: str) -> Any:
    body = _validated(CANCEL_SCHEMA)
    session = get_session()
    cancelled = cancel_booking(
        session, booking_id, actor=client().actor, now=now(), scope=body.get("scope") or "this", reason=body.get("reason") or ""
    )
    return success({"cancelled": [b.id for b in cancelled]})
