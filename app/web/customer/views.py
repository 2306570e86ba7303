"""The customer's pages: the booking form (with htmx partials for the free times and
the live price), the confirmation, my bookings, one booking, reschedule, cancel and
book this again. Each view parses, calls one domain function, and renders."""
from __future__ import annotations

import functools
import time as clock
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ... import throttle
from ...db import get_session
from ...domain import idempotency, pricing, queries
from ...domain.actor import Actor
from ...domain.availability import slots_for_request
from ...domain.booking import book_again_request, cancel_booking, create_booking, customer_change_refusal, reschedule_booking
from ...domain.errors import Conflict, DomainError
from ...domain.ical import bookings_ics
from ...domain.models import ACTIVE_STATUSES, Booking
from ...domain.settings import load_settings
from ...domain.status import allowed_transitions
from ...domain.timeutil import parse_date, zone
from .forms import HOURLY_MINUTES, FormCatalog, chosen_service_ids, errors_for_inputs, load_catalog, parse_booking_form, request_as_form

bp = Blueprint("customer", __name__)


def now() -> datetime:
    return datetime.now(UTC)


def customer_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.user.role != "customer":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def actor() -> Actor:
    return Actor.for_user(current_user.user)


def local_today() -> date:
    return now().astimezone(zone(load_settings(get_session()).default_timezone)).date()


def slot_label(day: date, hhmm: str) -> str:
    return f"{day.strftime('%A %d %B %Y')} at {hhmm}"


# --- the booking form ------------------------------------------------------------------


def _form_defaults(catalog: FormCatalog) -> MultiDict[str, str]:
    user = current_user.user
    data: MultiDict[str, str] = MultiDict()
    wanted = request.args.get("service", "")
    if wanted.isdigit() and catalog.service(int(wanted)):
        data.add("services", wanted)
    if catalog.frequencies:
        data["frequency_id"] = str(catalog.frequencies[0].id)
    data["date"] = (local_today() + timedelta(days=1)).isoformat()
    data["payment_method"] = "cash"
    for name in ("address", "city", "state", "zip", "phone"):
        data[name] = getattr(user, name) or ""
    return data


def _preview(values: MultiDict[str, str], catalog: FormCatalog, *, exclude_booking_id: int | None = None,
             customer_id: int | None = None) -> dict[str, Any]:
    """The free times and the price for the form as it stands; problems are shown, not raised.
    The price is the one the booking's customer would pay (per-customer code limits)."""
    session = get_session()
    parsed = parse_booking_form(values, catalog)
    result: dict[str, Any] = {"slots": None, "slots_error": None, "quote": None, "price_error": None, "code_error": None, "day": None}
    if not parsed.request.services:
        result["slots_error"] = result["price_error"] = "Choose a service to see times and prices."
        return result
    code = parsed.request.discount_code
    guesser = f"user:{current_user.user.id}"  # the API's customer key: one budget for both
    if code and (wait := throttle.CODE_CHECKS.retry_after(guesser)) is not None:
        result["code_error"] = throttle.too_many_codes(wait)
        code = None
    for attempt in (code, None) if code else (None,):
        try:
            result["quote"] = pricing.estimate(
                session, services=parsed.request.services, frequency_id=parsed.request.frequency_id,
                discount_code=attempt, tip=parsed.request.tip,
                customer_id=customer_id if customer_id is not None else current_user.user.id, now=now(),
            )
            break
        except DomainError as error:
            if error.code in ("discount_code_invalid", "discount_code_exhausted"):
                result["code_error"] = error.message  # shown by the code field; price without it
                if error.code == "discount_code_invalid":
                    throttle.CODE_CHECKS.hit(guesser)
                continue
            result["price_error"] = next(iter(error.details.values()), error.message) if error.details else error.message
            break
    try:
        day = parse_date(values.get("date", ""))
    except ValueError:
        result["slots_error"] = "Pick a date."
        return result
    result["day"] = day
    try:
        result["slots"] = slots_for_request(
            session, parsed.request.services, day=day, now=now(), agent_id=values.get("agent_id") or "any",
            location_id=values.get("location_id") or None, exclude_booking_id=exclude_booking_id,
        )
    except DomainError as error:
        result["slots_error"] = error.message
    return result


def render_booking_form(values: MultiDict[str, str], catalog: FormCatalog, errors: dict[str, str] | None = None, status: int = 200,
                        *, customer_id: int | None = None, **extra: Any) -> Any:
    """The booking form page; the back office passes its own action, layout and customer."""
    chosen = chosen_service_ids(values, catalog)
    context = {
        "catalog": catalog, "values": values, "errors": errors or {}, "chosen": chosen,
        "fields": catalog.fields_for(chosen), "agents": catalog.agents_for(chosen) if chosen else [],
        "hourly_minutes": HOURLY_MINUTES, "nonce": values.get("nonce") or uuid.uuid4().hex,
        "min_date": local_today().isoformat(), "slot_label": slot_label,
        "cutoff_hours": load_settings(get_session()).cancellation_cutoff_hours,
        "form_action": url_for("customer.book_submit"), "layout": "base.html", "staff": False,
        **_preview(values, catalog, customer_id=customer_id), **extra,
    }
    return render_template("customer/book/form.html", **context), status


@bp.route("/book", methods=["GET"])
@customer_only
def book() -> Any:
    catalog = load_catalog(get_session())
    values = _form_defaults(catalog)
    again = request.args.get("again", "")
    if again:
        try:
            prepared = book_again_request(get_session(), again, actor=actor())
        except DomainError:
            abort(404)
        values = request_as_form(prepared)
        values["date"] = (local_today() + timedelta(days=1)).isoformat()
    return render_booking_form(values, catalog)


@bp.post("/book")
@customer_only
def book_submit() -> Any:
    session = get_session()
    catalog = load_catalog(session)
    values = request.form.copy()
    if request.form.get("action") != "book":
        return render_booking_form(values, catalog)
    parsed = parse_booking_form(values, catalog)
    guesser = f"user:{current_user.user.id}"  # booking with a code checks it too: same budget as the preview
    if parsed.request.discount_code and (wait := throttle.CODE_CHECKS.retry_after(guesser)) is not None:
        page, status = render_booking_form(values, catalog, {"discount_code": throttle.too_many_codes(wait)}, 429)
        return page, status, {"Retry-After": str(wait)}
    owner, nonce = f"web:{current_user.user.id}", (values.get("nonce") or "")[:64]
    replay = claim_submission(owner, nonce)
    if replay is not None:
        return redirect(replay)
    try:
        result = create_booking(session, parsed.request, actor=actor(), now=now())
    except DomainError as error:
        idempotency.finish(session, owner=owner, key=nonce, status=500, body="")  # free the form for another try
        if error.code == "discount_code_invalid":
            throttle.CODE_CHECKS.hit(guesser)
        return refused_booking(error, values, catalog, parsed.inputs_by_path)
    target = url_for("customer.confirmation", booking_id=result.booking.id)
    web_session[f"skipped-{result.booking.id}"] = [
        {"date": s.date.isoformat(), "time": s.time, "reason": s.reason} for s in result.skipped
    ]
    idempotency.finish(session, owner=owner, key=nonce, status=303, body=target)
    return redirect(target, code=303)


def claim_submission(owner: str, nonce: str) -> str | None:
    """A double click sends the form twice: the second waits for the first and goes to
    the same confirmation instead of booking again."""
    if not nonce:
        return None
    session = get_session()
    fingerprint = idempotency.request_fingerprint("POST", "/book", nonce.encode())
    for _ in range(100):
        try:
            replay = idempotency.claim(session, owner=owner, key=nonce, fingerprint=fingerprint, now=now())
            return replay.body if replay is not None else None
        except Conflict:
            clock.sleep(0.1)
    abort(409)


def refused_booking(error: DomainError, values: MultiDict[str, str], catalog: FormCatalog, paths: dict[str, str], **extra: Any) -> Any:
    """The form again with the domain's refusal next to the field it is about."""
    if error.code == "slot_unavailable":
        errors = {"time": "Sorry, that time was just taken. Please pick another one from the fresh list."}
        values.pop("time", None)
    elif error.code == "price_changed":
        errors = {"form": error.message}
    elif error.details:
        errors = errors_for_inputs(error.details, paths)
    else:
        field = {"past_date": "time", "discount_code_invalid": "discount_code", "discount_code_exhausted": "discount_code"}.get(error.code, "form")
        errors = {field: error.message}
    return render_booking_form(values, catalog, errors, 422, **extra)


@bp.get("/book/slots")
@customer_only
def book_slots() -> Any:
    catalog = load_catalog(get_session())
    exclude = request.args.get("booking_id", "")
    preview = _preview(request.args.copy(), catalog, exclude_booking_id=int(exclude) if exclude.isdigit() else None)
    return render_template("customer/book/_slots.html", values=request.args, errors={}, slot_label=slot_label, **preview)


@bp.post("/book/price")
@customer_only
def book_price() -> Any:
    catalog = load_catalog(get_session())
    preview = _preview(request.form.copy(), catalog)
    return render_template("customer/book/_price.html", values=request.form, **preview)


# --- my bookings -----------------------------------------------------------------------------


def _own_booking(booking_id: int) -> Booking:
    try:
        return queries.get_booking(get_session(), booking_id, actor=actor())
    except DomainError:
        abort(404)


def _change_window(booking: Booking) -> tuple[bool, str]:
    """Whether the customer may still change the booking online, and if not, why."""
    refusal = customer_change_refusal(get_session(), booking, now())
    return refusal is None, refusal.message if refusal else ""


@bp.get("/bookings")
@customer_only
def my_bookings() -> Any:
    page = queries.list_bookings(get_session(), {"per_page": 100, "page": request.args.get("page", 1)}, actor=actor())
    moment = now()
    upcoming = sorted((b for b in page.items if b.end_at >= moment and b.status in ACTIVE_STATUSES), key=lambda b: b.start_at)
    past = [b for b in page.items if b not in upcoming]
    return render_template("customer/bookings/list.html", upcoming=upcoming, past=past, page=page, local=_local)


def _local(booking: Booking) -> datetime:
    return booking.start_at.astimezone(zone(booking.location.timezone))


@bp.get("/bookings/<int:booking_id>")
@customer_only
def booking_detail(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    can_change, reason = _change_window(booking)
    series = queries.series_of(get_session(), booking) if booking.series_id else []
    return render_template(
        "customer/bookings/detail.html", booking=booking, can_change=can_change, reason=reason, local=_local,
        series=series, can_cancel="cancelled" in allowed_transitions(booking.status, actor()),
    )


@bp.get("/bookings/<int:booking_id>/confirmation")
@customer_only
def confirmation(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    series = queries.series_of(get_session(), booking) if booking.series_id else []
    skipped = web_session.get(f"skipped-{booking_id}", [])
    return render_template("customer/bookings/confirmation.html", booking=booking, series=series, skipped=skipped, local=_local)


@bp.get("/bookings/<int:booking_id>.ics")
@customer_only
def booking_ics(booking_id: int) -> Response:
    booking = _own_booking(booking_id)
    body = bookings_ics([booking], business_name=load_settings(get_session()).business_name, now=now())
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="booking-{booking.booking_code}.ics"'})


@bp.post("/bookings/<int:booking_id>/cancel")
@customer_only
def cancel(booking_id: int) -> Any:
    _own_booking(booking_id)
    scope = request.form.get("scope", "this")
    try:
        cancelled = cancel_booking(get_session(), booking_id, actor=actor(), now=now(), scope=scope, reason="Cancelled online by the customer")
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("Your booking is cancelled." if len(cancelled) == 1 else f"{len(cancelled)} bookings are cancelled.", "success")
    return redirect(url_for("customer.booking_detail", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/reschedule", methods=["GET", "POST"])
@customer_only
def reschedule(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    can_change, reason = _change_window(booking)
    if not can_change:
        flash(reason, "error")
        return redirect(url_for("customer.booking_detail", booking_id=booking_id))
    catalog = load_catalog(get_session())
    values = request.values.copy() if request.method == "POST" else request_as_form(book_again_request(get_session(), booking.id, actor=actor()))
    values.setdefault("date", _local(booking).date().isoformat())
    values["location_id"] = str(booking.location_id)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and request.form.get("action") == "move":
        try:
            reschedule_booking(get_session(), booking_id, start_date=values.get("date"), start_time=values.get("time"), actor=actor(), now=now())
        except DomainError as error:
            errors = {"time": error.message if error.code != "validation_failed" else "Pick a free time."}
            status = 422
        else:
            flash("Your booking has been moved.", "success")
            return redirect(url_for("customer.booking_detail", booking_id=booking_id), code=303)
    preview = _preview(values, catalog, exclude_booking_id=booking.id)
    return render_template("customer/bookings/reschedule.html", booking=booking, values=values, errors=errors,
                           slot_label=slot_label, min_date=local_today().isoformat(), local=_local, **preview), status

