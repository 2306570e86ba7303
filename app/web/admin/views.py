"""The back office for staff and admins: the calendar day view and a booking's panel
with the status changes the transition table and the user's role allow."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ...clock import now
from ...db import get_session
from ...domain import customers, payments, queries, read_models, sms
from ...domain.actor import Actor
from ...domain.booking import (
    UNSET, BookingResult, SeriesVisitRefused, book_again_request, can_undo_cancel, cancel_booking, change_status, later_visits, move_choices,
    move_series, reschedule_booking, undo_cancellation,
)
from ...domain.booking.bulk_actions import (
    ACTIONS as BULK_ACTIONS, change_bookings, parse_bulk, parse_ids, undo_cancellations, undoable_cancellations,
)
from ...domain.errors import DomainError, PreconditionFailed
from ...domain.models import Agent, Booking, BookingStatus, Frequency, Role, Service, User
from ...domain.schedule_check import booking_uncovered
from ...domain.settings import load_settings
from ...domain.status import allowed_transitions, offered_transitions
from ...domain.summary import booking_summary
from ...domain.timeutil import parse_date, zone
from .. import booking_form
from ..booking_form import local_today, override_offer
from ..customer.forms import ADDRESS, load_catalog, parse_booking_form, request_as_form
from ...domain.export import BOOKING_COLUMNS, booking_rows
from ...domain.validation import MAX_ID, BadValue, id_or_none, parse_int
from ..formatting import local_datetime, local_day
from .calendar import DAY_START_HOUR, Filters, booking_block, day_view, month_view, team_week_view, week_view
from .history import booking_history

bp = Blueprint("admin", __name__, url_prefix="/admin")


# The only pages of the office an agent's login may open (see domain/agent_day.py).
AGENT_PAGES = frozenset({"admin.home", "admin.my_day", "admin.my_status", "admin.my_notes"})


@bp.before_request
def staff_only() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.user.is_agent and request.endpoint in AGENT_PAGES:
        return None
    if not current_user.user.is_staff:
        abort(403)
    return None


def actor() -> Actor:
    return Actor.for_user(current_user.user)



@bp.get("/")
def home() -> Any:
    return redirect(url_for("admin.my_day" if current_user.user.is_agent else "admin.dashboard_page"))


def _filters(session: Any) -> tuple[Filters, list[Agent], list[Service]]:
    agents = read_models.active_agents(session)
    services = read_models.active_services(session)
    agent, service, status = id_or_none(request.args.get("agent_id")), id_or_none(request.args.get("service_id")), request.args.get("status", "")
    return Filters(
        agent_id=agent if agent in {a.id for a in agents} else None,
        service_id=service if service in {s.id for s in services} else None,
        status=status if status in {s.value for s in BookingStatus} else None,
    ), agents, services


CALENDAR_YEARS = (1900, 9000)


@bp.get("/calendar")
def calendar() -> Any:
    """Day (a column per agent), week (a column per day) or month overview; bad filter
    values are ignored rather than refused, as a bookmark may outlive an agent."""
    session = get_session()
    locations = read_models.active_locations(session)
    if not locations:
        return render_template("admin/calendar/empty.html")
    wanted = request.args.get("location_id", "")
    location = next((loc for loc in locations if str(loc.id) == wanted), locations[0])
    today = now().astimezone(zone(location.timezone)).date()
    try:
        day = parse_date(request.args.get("date") or today.isoformat())
    except ValueError:
        day = today
    if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        day = today  # the first and last years Python can hold have no previous or next month
    mode = request.args.get("view", "day")
    mode = mode if mode in ("day", "week", "month") else "day"
    filters, agents, services = _filters(session)
    args = {"location_id": location.id, "view": mode, **filters.args()}
    common = {"locations": locations, "location": location, "filters": filters, "agents": agents, "services": services,
              "statuses": list(BookingStatus), "mode": mode, "day": day, "args": args, "today": today}
    if mode == "month":
        month = month_view(session, location, day, filters)
        previous, following = (month.first - timedelta(days=1)).replace(day=1), (month.first + timedelta(days=32)).replace(day=1)
        return render_template("admin/calendar/month.html", month=month, previous=previous, next=following, **common)
    step = timedelta(days=7 if mode == "week" else 1)
    if mode == "week":
        # A whole team's week reads best as a row per agent; one agent's on the time grid.
        view: Any = (week_view if filters.agent_id else team_week_view)(session, location, day, filters)
    else:
        view = day_view(session, location, day, filters)
    return render_template(
        "admin/calendar/grid.html", view=view, previous=day - step, next=day + step, start_hour=DAY_START_HOUR,
        interval=load_settings(session).slot_interval_minutes, panel_base=url_for("admin.booking_panel", booking_id=0)[:-1], **common,
    )


@dataclass
class MoveOptions:
    """The panel's move form: the day and agent picked and their free start times."""

    day: date
    agent_id: int
    agents: list[Agent]
    slots: list[Any]
    error: str | None = None
    later: int = 0  # later visits of its series still on: the form offers to move them too

    @property
    def agent_name(self) -> str:
        return next((a.name for a in self.agents if a.id == self.agent_id), "this agent")


def _move_options(booking: Booking) -> MoveOptions | None:
    if not booking.status.is_active:
        return None
    session = get_session()
    tz = zone(booking.location.timezone)
    try:
        day = parse_date(request.args.get("date") or booking.start_at.astimezone(tz).date().isoformat())
    except ValueError:
        day = booking.start_at.astimezone(tz).date()
    agent_id = id_or_none(request.args.get("agent_id")) or booking.agent_id
    later = len(later_visits(session, booking))
    try:
        agents, slots = move_choices(session, booking, day=day, agent_id=agent_id, now=now(), staff=True)
    except DomainError as error:
        return MoveOptions(day, booking.agent_id, [booking.agent], [], error.message, later)
    if agent_id not in {a.id for a in agents}:
        agent_id = booking.agent_id
        agents, slots = move_choices(session, booking, day=day, agent_id=agent_id, now=now(), staff=True)
    return MoveOptions(day, agent_id, agents, slots, later=later)


STATUS_ACTIONS = {"approved": "Approve", "pending": "Back to pending", "completed": "Mark completed", "no_show": "Mark as no-show",
                  "cancelled": "Cancel booking"}
# Going back to approved is not "approving" when the booking was done or missed.
UNDO_ACTIONS = {("completed", "approved"): "Reopen", ("no_show", "approved"): "Undo no-show"}


def status_action(current: str, target: str) -> str:
    """The button's words for moving a booking from `current` to `target`."""
    return UNDO_ACTIONS.get((current, target), STATUS_ACTIONS[target])


def _load(booking_id: int) -> Booking:
    try:
        return queries.get_booking(get_session(), booking_id, actor=actor())
    except DomainError:
        abort(404)


def _render_panel(booking_id: int, status: int = 200, *, oob: bool = False, override: dict[str, str] | None = None) -> Any:
    """The booking's panel; with `oob` (after a status change made from the calendar) it
    also carries the booking's calendar block, which htmx swaps in out of band."""
    session = get_session()
    booking = _load(booking_id)
    tz = zone(booking.location.timezone)
    template = "admin/bookings/_panel.html" if request.headers.get("HX-Request") else "admin/bookings/panel_page.html"
    return render_template(
        template, booking=booking, summary=booking_summary(booking), history=booking_history(session, booking),
        transitions=offered_transitions(booking.status, booking.start_at, actor(), now()), STATUS_ACTIONS=STATUS_ACTIONS, status_action=status_action,
        series=queries.series_of(session, booking), frequency=session.get(Frequency, booking.frequency_id) if booking.frequency_id else None,
        local=booking.start_at.astimezone(tz), move=_move_options(booking), oob=oob, override=override,
        undo_cancel=can_undo_cancel(session, booking, actor=actor(), now=now()),
        chip_block=booking_block(booking, tz) if oob else None,
        panel_base=url_for("admin.booking_panel", booking_id=0)[:-1],
        texts=sms.texts_for_booking(session, booking.id), text_kinds=sms.KIND_TOPIC,
        texts_phone_e164=booking.phone or booking.customer.phone,
        texts_consent=bool(booking.sms_notifications and booking.customer.sms_notifications),
    ), status


@bp.get("/bookings/<int:booking_id>/cancel")
def confirm_cancel(booking_id: int) -> Any:
    """Cancelling asks first; the answer posts to the status change."""
    booking = _load(booking_id)
    if BookingStatus.CANCELLED not in allowed_transitions(booking.status, actor()):
        flash(f"A {booking.status.replace('_', ' ')} booking cannot be cancelled by you.", "error")
        return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)
    series = queries.series_of(get_session(), booking)
    return render_template("admin/bookings/confirm_cancel.html", booking=booking, later=later_visits(get_session(), booking),
                           position=[b.id for b in series].index(booking.id) + 1,
                           frequency=get_session().get(Frequency, booking.frequency_id) if booking.frequency_id else None)


@bp.get("/bookings/<int:booking_id>")
def booking_panel(booking_id: int) -> Any:
    return _render_panel(booking_id)


@bp.post("/bookings/<int:booking_id>/move")
def booking_move(booking_id: int) -> Any:
    """Move a booking to another date, time and/or agent. The calendar's drag-and-drop
    asks for JSON; the panel's form gets the panel back (htmx) or a redirect to it.
    A time outside the agent's hours or in their time off is refused with the reason
    and an offer to move it anyway (`override_hours`, the second confirmation)."""
    wants_json = request.accept_mimetypes.best == "application/json"
    version = _version(request.form.get("version"))
    agent = request.form.get("agent_id", "")
    wanted = {"date": request.form.get("date", ""), "time": request.form.get("other_time") or request.form.get("time", ""),
              "agent_id": agent}
    # The panel's form may ask to move this visit and all later visits of its series.
    series_too = not wants_json and request.form.get("scope") == "this_and_future"
    visits: list[Booking] = []
    try:
        if version is None:
            raise PreconditionFailed("This form is out of date; reload the booking.")
        if series_too:
            visits = move_series(
                get_session(), booking_id, start_date=wanted["date"], start_time=wanted["time"],
                agent_id=agent if agent else UNSET, expected_version=version, actor=actor(), now=now(),
            )
            booking = visits[0]
        else:
            booking = reschedule_booking(
                get_session(), booking_id, start_date=wanted["date"], start_time=wanted["time"],
                agent_id=agent if agent else UNSET, expected_version=version, actor=actor(), now=now(),
                override_hours=request.form.get("override_hours") == "1",
            )
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        message = _series_refusal(booking_id, error) if isinstance(error, SeriesVisitRefused) else _refusal(error)
        offer = None if series_too else override_offer(error, "Move")
        if wants_json:
            status = 409 if error.code in ("precondition_failed", "conflict", "slot_unavailable") else 422
            return jsonify(ok=False, code=error.code, message=message, override=offer), status
        if offer:
            # Said once, beside its second confirmation in the move form.
            return _after_move(booking_id, moved=False, offer={"label": offer, "message": message, **wanted})
        flash(message, "error")
        return _after_move(booking_id, moved=False)
    message = f"Booking {booking.booking_code} moved to {local_datetime(booking.start_at, booking.location)} with {booking.agent.name}."
    if len(visits) > 1:
        message += f" The {len(visits) - 1} later visit{'' if len(visits) == 2 else 's'} of its series moved with it, by the same change."
    if wants_json:
        # The block's new label as the calendar writes times (start and end, the business's format).
        label = booking_block(booking, zone(booking.location.timezone)).label
        return jsonify(ok=True, message=message, version=booking.version, label=label)
    flash(message, "success")
    return _after_move(booking_id, moved=True)


def _version(value: str | None) -> int | None:
    """The booking version a form was drawn with, or None if it sent none we can read."""
    try:
        return parse_int(value, lo=0, hi=MAX_ID)
    except BadValue:
        return None


def _refusal(error: DomainError) -> str:
    if error.code == "precondition_failed":
        return "Someone else changed this booking first; nothing was moved. Reload to see it as it is now."
    if error.code == "validation_failed":
        field_problems = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in error.details.items())
        return f"Not moved: {field_problems or error.message}"
    return f"Not moved: {error.message}"


def _series_refusal(booking_id: int, error: SeriesVisitRefused) -> str:
    """Which visit of the series stopped the move, when it is, and why."""
    location = _load(booking_id).location
    try:
        when = local_datetime(datetime.fromisoformat(error.details["start_at"]), location)
    except (KeyError, TypeError, ValueError):
        when = "a later date"
    return (f"Nothing was moved: the visit of {when} ({error.details.get('booking_code', '')}) cannot move. "
            f"{error.reason}")


def _after_move(booking_id: int, *, moved: bool, offer: dict[str, str] | None = None) -> Any:
    if request.headers.get("HX-Request") or offer:
        # A refusal staff may override answers with the panel itself (no redirect), which
        # carries the second confirmation with the time asked for.
        response = make_response(_render_panel(booking_id, override=offer))
        if moved:
            response.headers["HX-Trigger"] = "booking-moved"  # the calendar redraws its grid
        return response
    return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)


@bp.post("/bookings/<int:booking_id>/status")
def booking_status(booking_id: int) -> Any:
    version = _version(request.form.get("version"))
    if version is None:
        # Every panel sends the version it shows; without one we cannot tell a stale panel.
        flash("This form is out of date; here is the booking as it is now.", "error")
        return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)
    series_too = request.form.get("status") == BookingStatus.CANCELLED and request.form.get("scope") == "this_and_future"
    try:
        if series_too:
            booking, *later = cancel_booking(get_session(), booking_id, actor=actor(), now=now(), scope="this_and_future",
                                             expected_version=version, reason=request.form.get("reason", ""))
        else:
            booking = change_status(
                get_session(), booking_id, request.form.get("status", ""), actor=actor(), now=now(),
                expected_version=version, reason=request.form.get("reason", ""),
            )
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        message = ("Someone else changed this booking first; here it is as it is now." if error.code == "precondition_failed"
                   else error.message)
        flash(message, "error")
    else:
        also = f" with the {len(later)} later visit{'' if len(later) == 1 else 's'} of its series" if series_too and later else ""
        state = {"no_show": "marked as a no-show", "completed": "marked completed"}.get(booking.status, booking.status.replace("_", " "))
        flash(f"Booking {booking.booking_code}{also} is now {state}.", "success")
        if booking.status.is_confirmed and (why := booking_uncovered(get_session(), booking)) is not None:
            flash(f"Note: {booking.agent.name}'s schedule does not cover this booking ({why}). Move it or give it to "
                  "another agent.", "error")
    if request.form.get("next") == "dashboard":
        return redirect(url_for("admin.dashboard_page", location_id=request.form.get("location_id") or None), code=303)
    if request.headers.get("HX-Request"):
        # The panel answers in place; opened from the calendar it also recolours the block.
        from_calendar = "/admin/calendar" in request.headers.get("HX-Current-URL", "")
        return _render_panel(booking_id, oob=from_calendar)
    return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)


@bp.post("/bookings/<int:booking_id>/undo-cancel")
def booking_undo_cancel(booking_id: int) -> Any:
    """Undo a cancellation just made (the panel offers it for a few minutes): back to the
    status it had if its time is still free; the domain says why not otherwise."""
    version = _version(request.form.get("version"))
    try:
        if version is None:
            raise PreconditionFailed("This form is out of date; reload the booking.")
        booking = undo_cancellation(get_session(), booking_id, actor=actor(), now=now(), expected_version=version)
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        flash("Someone else changed this booking first; here it is as it is now." if error.code == "precondition_failed"
              else f"Not undone: {error.message}", "error")
    else:
        flash(f"Cancellation undone: booking {booking.booking_code} is {booking.status.replace('_', ' ')} again.", "success")
    if request.headers.get("HX-Request"):
        from_calendar = "/admin/calendar" in request.headers.get("HX-Current-URL", "")
        return _render_panel(booking_id, oob=from_calendar)
    return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)


@bp.post("/bookings/<int:booking_id>/texts")
def booking_resend_text(booking_id: int) -> Any:
    """Send one of the booking's texts again (the customer lost it, or it failed)."""
    _load(booking_id)
    kind = request.form.get("kind", "")
    try:
        sms.resend_text(get_session(), booking_id, kind, actor=actor(), now=now())
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(f"The {kind} text is queued again.", "success")
    if request.headers.get("HX-Request"):
        return _render_panel(booking_id)
    return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)


FILTERS = ("q", "status", "agent_id", "service_id", "location_id", "from", "to", "sort")


@bp.get("/bookings")
def bookings_table() -> Any:
    session = get_session()
    filters = {k: request.args.get(k, "") for k in FILTERS} | {"page": request.args.get("page", "1"), "per_page": "25"}
    if not any(request.args.get(k) for k in FILTERS):
        # Opened plainly, the table starts at today's bookings, soonest first (the past is a filter away).
        filters |= {"from": local_today().isoformat(), "sort": "start"}
    try:
        page = queries.list_bookings(session, filters, actor=actor())
        problem = None
    except DomainError as error:
        page, problem = None, error
    agents, services, locations = read_models.filter_choices(session)
    # Right after a bulk cancel the table offers Undo for those still undoable.
    undo = undoable_cancellations(session, parse_ids(request.args.get("undo", "").split(",")), actor=actor(), now=now())
    back = url_for("admin.bookings_table", **{k: v for k, v in request.args.items(multi=True) if k != "undo"})
    return render_template(
        "admin/bookings/table.html", page=page, problem=problem, filters=filters, undo=undo,
        payments=payments.payment_states(session, list(page.items)) if page else {}, agents=agents, services=services, locations=locations,
        statuses=list(BookingStatus), bulk_actions=BULK_ACTIONS, back=back, locations_shown=len({b.location_id for b in page.items}) if page else 0, export_args={k: v for k, v in filters.items() if k in FILTERS and v},
    ), (422 if problem else 200)


@bp.post("/bookings/bulk")
def bookings_bulk() -> Any:
    """Approve, cancel (one reason for all) or give to another agent the bookings ticked
    in the table; each booking is changed and recorded on its own, and the table comes
    back with what was done and what was refused, booking by booking."""
    back = request.form.get("back", "")
    if not back.startswith("/admin/bookings?") and back != "/admin/bookings":
        back = url_for("admin.bookings_table")
    try:
        action, ids, agent_id = parse_bulk(request.form.get("action"), request.form.getlist("ids"), request.form.get("agent_id"))
    except DomainError as error:
        flash(" ".join(error.details.values()) if error.details else error.message, "error")
        return redirect(back, code=303)
    outcome = change_bookings(get_session(), action, ids, actor=actor(), now=now(), reason=request.form.get("reason", ""),
                              agent_id=agent_id)
    _flash_outcome(outcome, {"approve": "Approved", "cancel": "Cancelled", "reassign": "Gave to another agent"}[action])
    if action == "cancel" and outcome.done:
        # The table comes back with an Undo for these (offered while the domain allows it).
        back += ("&" if "?" in back else "?") + "undo=" + ",".join(str(b.id) for b in outcome.done)
    return redirect(back, code=303)


def _flash_outcome(outcome: Any, verb: str) -> None:
    if outcome.done:
        codes = ", ".join(b.booking_code for b in outcome.done)
        flash(f"{verb} {len(outcome.done)} booking{'' if len(outcome.done) == 1 else 's'}: {codes}.", "success")
    if outcome.refused:
        reasons = "; ".join(f"{r.code}: {r.message}" for r in outcome.refused)
        flash(f"{len(outcome.refused)} not changed: {reasons}", "error")


@bp.post("/bookings/bulk/undo-cancel")
def bookings_bulk_undo_cancel() -> Any:
    """Undo a bulk cancel just made: each booking back to the status it had, one by one,
    those that cannot come back (their time taken meanwhile) listed with the reason."""
    back = request.form.get("back", "")
    if not back.startswith("/admin/bookings?") and back != "/admin/bookings":
        back = url_for("admin.bookings_table")
    outcome = undo_cancellations(get_session(), parse_ids(request.form.getlist("ids")), actor=actor(), now=now())
    _flash_outcome(outcome, "Cancellation undone for")
    return redirect(back, code=303)


@bp.get("/bookings.csv")
def bookings_csv() -> Any:
    filters = {k: request.args.get(k, "") for k in FILTERS}
    try:
        rows = queries.export_bookings(get_session(), filters, actor=actor())
    except DomainError as error:
        abort(Response(error.message, status=422, mimetype="text/plain"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BOOKING_COLUMNS)
    writer.writerows(booking_rows(get_session(), rows))
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="bookings.csv"'})


# --- staff book for a customer -----------------------------------------------------------


def _customers(values: Any = None) -> list[User]:
    """The customer step's choices: the one chosen (if any), then those matching the
    search text. Searching replaces a list of every customer."""
    values = values if values is not None else request.values
    session = get_session()
    chosen = id_or_none(values.get("customer_id"))
    found = customers.find_customers(session, values.get("customer_q", ""))
    picked = session.get(User, chosen) if chosen is not None else None
    if picked is not None and picked.role == Role.CUSTOMER:
        found = [picked, *(c for c in found if c.id != picked.id)]
    return found


@bp.get("/customers/search")
def customer_search() -> Any:
    """The customer step's results as the staff member types (htmx), by name, e-mail or phone."""
    return render_template("admin/bookings/_customer_results.html", customers=_customers(), values=request.args, errors={})


def _staff_form_args(values: MultiDict[str, str]) -> dict[str, Any]:
    """What the back office's booking form adds to the customer's: its action and layout,
    the customer step, and staff's reach (no notice or horizon; the customer's price)."""
    return {"customer_id": id_or_none(values.get("customer_id")), "form_action": url_for("admin.new_booking"),
            "layout": "admin/base_admin.html", "staff": True, "customers": _customers(values)}


# Domain error paths of the customer step and staff notes -> the inputs they are about.
STAFF_PATHS = {"customer_id": "customer_id", "customer": "customer_id", "customer.first_name": "customer_first_name",
               "customer.last_name": "customer_last_name", "customer.email": "customer_email", "customer.phone": "phone",
               "staff_notes": "staff_notes"}


@bp.route("/bookings/new", methods=["GET", "POST"])
def new_booking() -> Any:
    """The customer's booking form with a customer step and staff notes; the same domain
    call as the customer's and the API's, acting as the staff user."""
    session = get_session()
    catalog = load_catalog(session, staff=True)
    if request.method == "GET":
        # No day yet: once a service is chosen the form opens on the first day with free
        # times, as the customer's does (free_days.first_free_day; staff from today).
        values: MultiDict[str, str] = MultiDict({"payment_method": "cash"})
        if catalog.frequencies:
            values["frequency_id"] = str(catalog.frequencies[0].id)
        wanted = id_or_none(request.args.get("customer_id"))
        if request.args.get("again"):
            # "Book again" from a customer's record: that visit's services, extras, answers
            # and address for the same customer, with a date still to pick.
            try:
                prepared = book_again_request(session, request.args["again"], actor=actor())
            except DomainError:
                abort(404)
            values = request_as_form(prepared)
            values.pop("date", None)
            wanted = prepared.customer_id
        if wanted is not None:
            values["customer_id"] = str(wanted)
        _fill_from_profile(values)
        return booking_form.render_booking_form(values, catalog, **_staff_form_args(values))
    values = request.form.copy()
    _fill_from_profile(values)
    if request.form.get("action") != "book":
        return booking_form.render_booking_form(values, catalog, **_staff_form_args(values))
    if values.get("other_time"):
        values["time"] = values["other_time"]  # staff may ask for a time the list does not offer
    parsed = parse_booking_form(values, catalog, staff=True)
    # The second confirmation after a refusal that named the agent's hours or time off.
    parsed.request.override_hours = values.get("override_hours") == "1"
    return booking_form.submit(
        values, catalog, parsed, paths=parsed.inputs_by_path | STAFF_PATHS,
        pending_endpoint="admin.new_booking_pending", created=_created,
        target_for=lambda result: url_for("admin.booking_panel", booking_id=result.booking.id),
        form_extra=lambda: _staff_form_args(values),
    )


def _fill_from_profile(values: MultiDict[str, str]) -> None:
    """Picking a customer (from the search, or a link with customer_id) fills the address
    and phone left empty from their profile, once per pick (`filled_for` remembers
    whose), so a field staff then clear or change stays as they left it."""
    chosen = id_or_none(values.get("customer_id"))
    if chosen is None or values.get("filled_for") == str(chosen):
        return
    customer = get_session().get(User, chosen)
    if customer is None or not customer.is_customer:
        return  # the booking refuses it by its field
    for name in ADDRESS:
        values[name] = (values.get(name) or "").strip() or getattr(customer, name) or ""
    values["filled_for"] = str(chosen)


def _created(result: BookingResult) -> None:
    extra = f" and {len(result.occurrences)} repeat visits" if result.occurrences else ""
    flash(f"Booking {result.booking.booking_code}{extra} created for {result.booking.customer.full_name}.", "success")
    if result.skipped:
        # A series never skips a date silently: each one left out is named with the reason.
        missed = "; ".join(f"{local_day(s.date)} at {s.time}: {s.reason}" for s in result.skipped)
        flash(f"Not booked ({len(result.skipped)} of the series' dates): {missed}", "error")


@bp.get("/bookings/new/pending/<nonce>")
def new_booking_pending(nonce: str) -> Any:
    """Where a second copy of the form goes while the first is still booking."""
    return booking_form.pending(nonce, form_url=url_for("admin.new_booking"), list_url=url_for("admin.bookings_table"),
                                layout="admin/base_admin.html")
