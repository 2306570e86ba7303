"""The customer's pages: the booking form's routes (the form itself, shared with the back
office, is app/web/booking_form.py), the confirmation, my bookings, one booking,
reschedule, cancel and book this again. Each view parses, calls one domain function,
and renders."""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ...clock import now
from ...db import get_session
from ...domain import queries
from ...domain.actor import Actor
from ...domain.booking import (
    BookingResult, book_again_request, cancel_booking, customer_change_refusal, first_move_day, later_visits, move_choices,
    move_days, reschedule_booking,
)
from ...domain.errors import DomainError
from ...domain.free_days import SEARCH_DAYS
from ...domain.ical import bookings_ics
from ...domain.models import ACTIVE_STATUSES, Booking
from ...domain.settings import load_settings
from ...domain.status import allowed_transitions
from ...domain.summary import booking_summary
from ...domain.timeutil import parse_date, zone
from ...domain.validation import id_or_none
from .. import booking_form  # a module, not its names: it imports this package's forms (and so this module) itself
from ..auth.views import RESUME_KEY
from .calendar import month_of_days, parse_month
from .forms import load_catalog, parse_booking_form, request_as_form

bp = Blueprint("customer", __name__)


def customer_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.user.role != "customer":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def customer_or_visitor(view: Callable[..., Any]) -> Callable[..., Any]:
    """The booking form is open to visitors (they sign in or register at the details
    step); staff book for customers in the back office instead."""
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.is_authenticated and current_user.user.role != "customer":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def actor() -> Actor:
    return Actor.for_user(current_user.user)


# --- the booking form ------------------------------------------------------------------


@bp.route("/book", methods=["GET"])
@customer_or_visitor
def book() -> Any:
    catalog = load_catalog(get_session())
    values = booking_form.form_defaults(catalog)
    again = request.args.get("again", "")
    if again:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        try:
            prepared = book_again_request(get_session(), again, actor=actor())
        except DomainError:
            abort(404)
        values = request_as_form(prepared)
    resumed = web_session.pop(RESUME_KEY, None) if request.args.get("resume") else None
    if isinstance(resumed, list) and resumed:
        # Back from confirming the address or signing in: the choices as they were, on the
        # review once signed in (which checks them all again).
        values = MultiDict([(str(k), str(v)) for k, v in resumed])
        if current_user.is_authenticated:
            return booking_form.review(values, catalog)
    return booking_form.render_booking_form(values, catalog)


@bp.post("/book")
@customer_or_visitor
def book_submit() -> Any:
    catalog = load_catalog(get_session())
    values = request.form.copy()
    action = request.form.get("action")
    if action == "review" or (action == "book" and not current_user.is_authenticated):
        return booking_form.review(values, catalog)
    if action != "book":
        return booking_form.render_booking_form(values, catalog)
    parsed = parse_booking_form(values, catalog)
    from ..payments import start_card_booking  # a service paid by card when booking goes to the card step

    def skipped(result: BookingResult) -> None:
        # The confirmation names the dates of a series that could not be booked.
        web_session[f"skipped-{result.booking.id}"] = [
            {"date": s.date.isoformat(), "time": s.time, "reason": s.reason} for s in result.skipped
        ]

    return booking_form.submit(
        values, catalog, parsed, pending_endpoint="customer.book_pending",
        target_for=lambda result: url_for("customer.confirmation", booking_id=result.booking.id), created=skipped,
        card_step=lambda: start_card_booking(values, parsed.request, owner_actor=actor()),
    )


@bp.get("/book/pending/<nonce>")
@customer_only
def book_pending(nonce: str) -> Any:
    """Where a second copy of the form goes while the first is still booking."""
    return booking_form.pending(nonce, form_url=url_for("customer.book"), list_url=url_for("customer.my_bookings"),
                                layout="base.html")


@bp.get("/book/slots")
@customer_only
def book_slots() -> Any:
    catalog = load_catalog(get_session())
    values = request.args.copy()
    preview = booking_form.preview(values, catalog, parse_booking_form(values, catalog),
                                   exclude_booking_id=_own_booking_id(request.args.get("booking_id")))
    location = catalog.location(request.args.get("location_id"))
    return render_template("customer/book/_slots.html", values=request.args, errors={}, slot_label=booking_form.slot_label,
                           slot_tz=location.timezone if location else None, **preview)


def _own_booking_id(value: str | None) -> int | None:
    """The id of one of the caller's own bookings, else None: the times listed free
    while moving a booking include its own slot, and another customer's booking must
    not be freed in the answer (that would tell when they are booked)."""
    if not value:
        return None
    try:
        return queries.get_booking(get_session(), value, actor=actor()).id
    except DomainError:
        return None


@bp.post("/book/price")
@customer_or_visitor
def book_price() -> Any:
    catalog = load_catalog(get_session())
    values = request.form.copy()
    preview = booking_form.preview(values, catalog, parse_booking_form(values, catalog))
    location = catalog.location(request.form.get("location_id"))
    return render_template("customer/book/_price.html", values=request.form, location=location, **preview)


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
    number = min(id_or_none(request.args.get("page")) or 1, queries.MAX_PAGE)  # a bad page number shows the first page
    page = queries.list_bookings(get_session(), {"per_page": 100, "page": number}, actor=actor(), listing=True)
    moment = now()
    upcoming = sorted((b for b in page.items if b.end_at >= moment and b.status in ACTIVE_STATUSES), key=lambda b: b.start_at)
    soon = {b.id for b in upcoming}
    past = [b for b in page.items if b.id not in soon]
    return render_template("customer/bookings/list.html", upcoming=upcoming, past=past, page=page, local=_local,
                           places=queries.series_places(get_session(), page.items))


def _local(booking: Booking) -> datetime:
    return booking.start_at.astimezone(zone(booking.location.timezone))


@bp.get("/bookings/<int:booking_id>")
@customer_only
def booking_detail(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    can_change, reason = _change_window(booking)
    series = queries.series_of(get_session(), booking) if booking.series_id else []
    return render_template(
        "customer/bookings/detail.html", booking=booking, summary=booking_summary(booking), can_change=can_change, reason=reason,
        local=_local, series=series, place=queries.series_places(get_session(), [booking]).get(booking.id), can_cancel=can_change and "cancelled" in allowed_transitions(booking.status, actor()),
    )


@bp.get("/bookings/<int:booking_id>/confirmation")
@customer_only
def confirmation(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    series = queries.series_of(get_session(), booking) if booking.series_id else []
    skipped = _skipped_dates(web_session.get(f"skipped-{booking_id}", []))
    return render_template("customer/bookings/confirmation.html", booking=booking, summary=booking_summary(booking), series=series,
                           skipped=skipped, local=_local, cutoff_hours=load_settings(get_session()).cancellation_cutoff_hours)


def _skipped_dates(kept: Any) -> list[dict[str, Any]]:
    """The series dates that could not be booked, as book_submit kept them in the session
    (ISO date, HH:MM, reason), with the date and time typed so the page writes them as
    every other date and time; an entry that does not read is left out."""
    dates: list[dict[str, Any]] = []
    for entry in kept if isinstance(kept, list) else []:
        try:
            dates.append({"day": date.fromisoformat(entry["date"]), "time": time.fromisoformat(entry["time"]), "reason": entry["reason"]})
        except (KeyError, TypeError, ValueError):
            continue
    return dates


@bp.get("/bookings/<int:booking_id>.ics")
@customer_only
def booking_ics(booking_id: int) -> Response:
    booking = _own_booking(booking_id)
    settings = load_settings(get_session())
    body = bookings_ics([booking], settings=settings)
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": f'attachment; filename="booking-{booking.booking_code}.ics"'})


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@customer_only
def cancel(booking_id: int) -> Any:
    """A page that asks first (what will be cancelled, for a series: which visits);
    its form's post cancels."""
    booking = _own_booking(booking_id)
    can_change, reason = _change_window(booking)
    if request.method == "GET":
        if not can_change or "cancelled" not in allowed_transitions(booking.status, actor()):
            flash(reason or "This booking cannot be cancelled online.", "error")
            return redirect(url_for("customer.booking_detail", booking_id=booking_id))
        return render_template("customer/bookings/cancel.html", booking=booking, summary=booking_summary(booking),
                               later=later_visits(get_session(), booking), local=_local)
    scope = request.form.get("scope", "this")
    try:
        cancelled = cancel_booking(get_session(), booking_id, actor=actor(), now=now(), scope=scope, reason="Cancelled online by the customer")
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash("Your booking is cancelled." if len(cancelled) == 1 else f"{len(cancelled)} bookings are cancelled.", "success")
    return redirect(url_for("customer.booking_detail", booking_id=booking_id), code=303)


@bp.route("/bookings/<int:booking_id>/reschedule", methods=["GET", "POST"])
@customer_only
def reschedule(booking_id: int) -> Any:
    """The move page: the month calendar and the day's times of this booking's move
    (move_days, move_choices: its agent, services and duration), and the move itself."""
    booking = _own_booking(booking_id)
    can_change, reason = _change_window(booking)
    if not can_change:
        flash(reason, "error")
        return redirect(url_for("customer.booking_detail", booking_id=booking_id))
    session, moment, here = get_session(), now(), _local(booking)
    values = MultiDict({k: v for k, v in request.form.items() if k in ("date", "time", "shown_month")})
    values.setdefault("date", here.date().isoformat())
    errors: dict[str, str] = {}
    status = 200
    action = request.form.get("action") if request.method == "POST" else None
    if action == "move" and (values.get("date"), values.get("time")) == (here.date().isoformat(), f"{here:%H:%M}"):
        errors, status = {"time": "Your booking is at that time already. Pick another time."}, 422
    elif action == "move":
        try:
            reschedule_booking(session, booking_id, start_date=values.get("date"), start_time=values.get("time"), actor=actor(), now=moment)
        except DomainError as error:
            errors = {"time": error.message if error.code != "validation_failed" else "Pick a free time."}
            status = 422
        else:
            flash("Your booking has been moved.", "success")
            return redirect(url_for("customer.booking_detail", booking_id=booking_id), code=303)
    today = moment.astimezone(zone(booking.location.timezone)).date()
    try:
        chosen: date | None = parse_date(values["date"])
    except ValueError:
        chosen = None
    if request.form.get("month"):
        values["shown_month"] = request.form["month"]
    opening = request.method == "GET" and not move_days(session, booking, first=here.date(), last=here.date(), now=moment)
    if action == "next_available" or opening:  # the page opens on the booking's day, or the first day it can move to
        after = chosen + timedelta(days=1) if chosen and today <= chosen < today + timedelta(days=SEARCH_DAYS) else today
        found = first_move_day(session, booking, after=today if opening else after, now=moment)
        if found is not None:
            chosen, values["shown_month"] = found, found.isoformat()[:7]
            values["date"] = found.isoformat()
            values.pop("time", None)
    shown = parse_month(values.get("shown_month", "")) or (chosen.replace(day=1) if chosen else None)
    calendar = month_of_days(lambda first, last: move_days(session, booking, first=first, last=last, now=moment),
                             month=shown, chosen=chosen, today=today)
    return render_template("customer/bookings/reschedule.html", booking=booking, values=values, errors=errors,
                           slot_label=booking_form.slot_label, local=_local, calendar=calendar, slot_tz=booking.location.timezone,
                           form_action=url_for("customer.reschedule", booking_id=booking.id),
                           **_move_times(booking, values.get("date", ""))), status


def _move_times(booking: Booking, raw_day: str) -> dict[str, Any]:
    """The times the move page offers on the chosen day: exactly those the move accepts
    (the booking's agent, services and duration; its own time is no move)."""
    try:
        day = parse_date(raw_day)
    except ValueError:
        day = None
    if day is None or abs((day - booking_form.local_today()).days) > SEARCH_DAYS * 20:
        return {"slots": None, "slots_error": "Pick a day in the calendar.", "day": None}
    try:
        _, slots = move_choices(get_session(), booking, day=day, agent_id=booking.agent_id, now=now())
    except DomainError as error:
        return {"slots": None, "slots_error": error.message, "day": day}
    return {"slots": slots, "slots_error": None, "day": day}

