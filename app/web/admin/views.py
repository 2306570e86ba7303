"""The back office for staff and admins: the calendar day view and a booking's panel
with the status changes the transition table and the user's role allow."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ...db import get_session
from ...domain import queries
from ...domain.actor import Actor
from ...domain.booking import change_status
from ...domain.errors import DomainError
from ...domain.models import Agent, BookingEvent, BookingStatus, Location, Service
from ...domain.status import allowed_transitions
from ...domain.timeutil import parse_date, zone
from .calendar import DAY_START_HOUR, day_view

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def staff_only() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not current_user.user.is_staff:
        abort(403)
    return None


def actor() -> Actor:
    return Actor.for_user(current_user.user)


def now() -> datetime:
    return datetime.now(UTC)


@bp.get("/")
def home() -> Any:
    return redirect(url_for("admin.calendar"))


@bp.get("/calendar")
def calendar() -> Any:
    session = get_session()
    locations = list(session.scalars(select(Location).where(Location.active.is_(True)).order_by(Location.is_default.desc(), Location.id)))
    if not locations:
        return render_template("admin/calendar/empty.html")
    wanted = request.args.get("location_id", "")
    location = next((loc for loc in locations if str(loc.id) == wanted), locations[0])
    try:
        day = parse_date(request.args.get("date") or now().astimezone(zone(location.timezone)).date().isoformat())
    except ValueError:
        day = now().astimezone(zone(location.timezone)).date()
    status = request.args.get("status") or None
    if status not in (None, *[s.value for s in BookingStatus]):
        status = None
    view = day_view(session, location, day, status=status)
    return render_template(
        "admin/calendar/day.html", view=view, locations=locations, status=status, statuses=list(BookingStatus),
        previous=day - timedelta(days=1), next=day + timedelta(days=1), today=date.today(), start_hour=DAY_START_HOUR,
    )


@bp.get("/bookings/<int:booking_id>")
def booking_panel(booking_id: int) -> Any:
    session = get_session()
    try:
        booking = queries.get_booking(session, booking_id, actor=actor())
    except DomainError:
        abort(404)
    events = list(session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id)))
    template = "admin/bookings/_panel.html" if request.headers.get("HX-Request") else "admin/bookings/panel_page.html"
    return render_template(template, booking=booking, events=events, transitions=allowed_transitions(booking.status, actor()),
                           local=booking.start_at.astimezone(zone(booking.location.timezone)))


@bp.post("/bookings/<int:booking_id>/status")
def booking_status(booking_id: int) -> Any:
    version = request.form.get("version", "")
    if not version.isdigit():
        # Every panel sends the version it shows; without one we cannot tell a stale panel.
        flash("This form is out of date; here is the booking as it is now.", "error")
        return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)
    try:
        booking = change_status(
            get_session(), booking_id, request.form.get("status", ""), actor=actor(), now=now(),
            expected_version=int(version),
        )
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        message = ("Someone else changed this booking first; here it is as it is now." if error.code == "precondition_failed"
                   else error.message)
        flash(message, "error")
    else:
        flash(f"Booking {booking.booking_code} is now {booking.status.replace('_', ' ')}.", "success")
    return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)


FILTERS = ("q", "status", "agent_id", "service_id", "from", "to", "sort")


@bp.get("/bookings")
def bookings_table() -> Any:
    session = get_session()
    filters = {k: request.args.get(k, "") for k in FILTERS} | {"page": request.args.get("page", "1"), "per_page": "25"}
    try:
        page = queries.list_bookings(session, filters, actor=actor())
        problem = None
    except DomainError as error:
        page, problem = None, error
    agents = list(session.scalars(select(Agent).order_by(Agent.name)))
    services = list(session.scalars(select(Service).order_by(Service.name)))
    return render_template(
        "admin/bookings/table.html", page=page, problem=problem, filters=filters, agents=agents, services=services,
        statuses=list(BookingStatus), zone=zone, export_args={k: v for k, v in filters.items() if k in FILTERS and v},
    ), (422 if problem else 200)


@bp.get("/bookings.csv")
def bookings_csv() -> Any:
    filters = {k: request.args.get(k, "") for k in FILTERS}
    try:
        rows = queries.export_bookings(get_session(), filters, actor=actor())
    except DomainError as error:
        abort(Response(error.message, status=422, mimetype="text/plain"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["booking_code", "status", "start_local", "time_zone", "duration_minutes", "service", "agent",
                     "customer", "email", "phone", "total", "payment_method"])
    for b in rows:
        tz = b.location.timezone
        writer.writerow([b.booking_code, b.status, b.start_at.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M"), tz,
                         b.duration_minutes, b.service.name, b.agent.name, b.customer.full_name, b.customer.email,
                         b.customer.phone, f"{b.total:.2f}", b.payment_method])
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="bookings.csv"'})
