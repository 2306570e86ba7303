"""An agent's own day on a phone: the next job first, then the rest of the day; record
the outcome of a visit and keep staff notes. Everything else of the office is closed to
the agent role (views.AGENT_PAGES); whose booking it is, is the domain's check."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus

from flask import abort, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...domain import agent_day
from ...domain.errors import DomainError
from ...domain.settings import load_settings
from ...domain.status import offered_transitions
from ...domain.timeutil import parse_date, zone
from .views import STATUS_ACTIONS, _version, actor, bp, now


def map_link(booking: Any) -> str | None:
    """A maps search for the visit's address (the customer's, else the office's)."""
    parts = [p for p in (booking.address, booking.city, getattr(booking, "zip", "")) if p] or [booking.location.address]
    text = ", ".join(p for p in parts if p)
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(text)}" if text else None


@bp.get("/my-day")
def my_day() -> Any:
    session = get_session()
    moment = now()
    try:
        default_tz = load_settings(session).default_timezone
        agent = agent_day.agent_for(session, actor())
        tz = agent_day.agent_zone(agent, default_tz)
        today = moment.astimezone(zone(tz)).date()
        try:
            day = parse_date(request.args.get("date") or today.isoformat())
        except ValueError:
            day = today
        view = agent_day.my_day(session, actor(), day, now=moment, default_tz=default_tz)
    except DomainError as error:
        if error.code == "forbidden":
            return render_template("admin/my_day_unlinked.html", message=error.message), 403
        raise
    outcomes = {b.id: [s for s in offered_transitions(b.status, b.start_at, actor(), moment)] for b in view.bookings}
    return render_template("admin/my_day.html", view=view, today=today, outcomes=outcomes, STATUS_ACTIONS=STATUS_ACTIONS,
                           maps={b.id: map_link(b) for b in view.bookings}, previous=day - timedelta(days=1),
                           next=day + timedelta(days=1))


def _back(booking_id: int) -> Any:
    return redirect(url_for("admin.my_day", date=request.form.get("date") or None) + f"#job-{booking_id}", code=303)


@bp.post("/my-day/<int:booking_id>/status")
def my_status(booking_id: int) -> Any:
    version = _version(request.form.get("version"))
    try:
        if version is None:
            flash("This page is out of date; here is your day as it is now.", "error")
            return _back(booking_id)
        booking = agent_day.record_outcome(get_session(), actor(), booking_id, request.form.get("status", ""),
                                           expected_version=version, now=now())
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        flash("Someone changed this booking first; here it is as it is now." if error.code == "precondition_failed" else error.message, "error")
        return _back(booking_id)
    flash(f"{booking.customer.full_name}: {booking.status.replace('_', ' ')}.", "success")
    return _back(booking_id)


@bp.post("/my-day/<int:booking_id>/notes")
def my_notes(booking_id: int) -> Any:
    version = _version(request.form.get("version"))
    try:
        if version is None:
            flash("This page is out of date; here is your day as it is now.", "error")
            return _back(booking_id)
        booking = agent_day.save_notes(get_session(), actor(), booking_id, request.form.get("staff_notes", ""),
                                       expected_version=version, now=now())
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        flash("Someone changed this booking first; your notes were not saved." if error.code == "precondition_failed" else error.message, "error")
        return _back(booking_id)
    flash(f"Notes saved for {booking.customer.full_name}.", "success")
    return _back(booking_id)
