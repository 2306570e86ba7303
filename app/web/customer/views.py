"""The customer's pages: the booking form (with htmx partials for the free times and
the live price), the confirmation, my bookings, one booking, reschedule, cancel and
book this again. Each view parses, calls one domain function, and renders."""
from __future__ import annotations

import functools
import time as clock
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ...clock import now
from ... import throttle
from ...db import get_session
from ...domain import accounts, idempotency, pricing, queries
from ...domain.actor import Actor
from ...domain.availability import slots_for_request
from ...domain.booking import (
    book_again_request, cancel_booking, create_booking, later_visits, customer_change_refusal, first_move_day, move_choices, move_days,
    missing_address, reschedule_booking, series_preview,
)
from ...domain.errors import Conflict, DomainError, FieldErrors
from ...domain.fields import clean_answers
from ...domain.free_days import SEARCH_DAYS, first_free_day
from ...domain.ical import bookings_ics
from ...domain.models import ACTIVE_STATUSES, Booking, User
from ...domain.settings import load_settings
from ...domain.status import allowed_transitions
from ...domain.summary import booking_summary, preview_summary
from ...domain.timeutil import parse_date, zone
from ...domain.validation import id_or_none
from ..auth.views import RESUME_KEY, start_registration
from ..auth_loader import log_in
from ..formatting import local_day, local_time
from .calendar import MonthCalendar, month_calendar, month_of_days, parse_month
from .forms import (
    HOURLY_MINUTES,
    FormCatalog,
    ParsedForm,
    chosen_service_ids,
    errors_for_inputs,
    load_catalog,
    parse_booking_form,
    request_as_form,
)

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


def signed_in_id() -> int | None:
    return current_user.user.id if current_user.is_authenticated else None


def local_today(timezone: str | None = None) -> date:
    """Today where the booking happens (the office's zone), else in the business's."""
    return now().astimezone(zone(timezone or load_settings(get_session()).default_timezone)).date()


def slot_label(day: date, hhmm: str) -> str:
    """The accessible name of a time button: 'Tuesday, January 8, 2030 at 10:00 AM'."""
    return f"{local_day(day)} at {local_time(time.fromisoformat(hhmm))}" if hhmm else local_day(day)


# --- the booking form ------------------------------------------------------------------


def _form_defaults(catalog: FormCatalog) -> MultiDict[str, str]:
    user = current_user.user if current_user.is_authenticated else None
    data: MultiDict[str, str] = MultiDict()
    wanted = id_or_none(request.args.get("service"))
    if wanted is not None and catalog.service(wanted):
        data.add("services", str(wanted))
        # A service done only at another office (the workshop in Berlin): open that office.
        where = next((loc for loc in catalog.locations if any(s.id == wanted for s in catalog.services_at(loc))), None)
        if where is not None:
            data["location_id"] = str(where.id)
    if catalog.frequencies:
        data["frequency_id"] = str(catalog.frequencies[0].id)
    data["payment_method"] = "cash"
    for name in ("address", "city", "state", "zip", "phone"):
        data[name] = (getattr(user, name) or "") if user else ""
    if user is not None and user.sms_notifications:
        data["sms_notifications"] = "1"
    return data


def code_guesser() -> str:
    """Who wrong codes count against: the customer (the API's key too, so one budget for
    both), or a visitor's address before they sign in."""
    if current_user.is_authenticated:
        return f"user:{current_user.user.id}"
    return "addr:" + throttle.client_address()


def _preview(values: MultiDict[str, str], catalog: FormCatalog, *, exclude_booking_id: int | None = None,
             customer_id: int | None = None, staff: bool = False) -> dict[str, Any]:
    """The free times and the price for the form as it stands; problems are shown, not raised.
    The price is the one the booking's customer would pay (per-customer code limits)."""
    session = get_session()
    parsed = parse_booking_form(values, catalog)
    result: dict[str, Any] = {"slots": None, "slots_error": None, "quote": None, "price_error": None, "price_errors": {},
                              "code_error": None, "day": None}
    if not parsed.request.services:
        result["slots_error"] = result["price_error"] = "Choose a service to see times and prices."
        return result
    code = parsed.request.discount_code
    guesser = code_guesser()
    if code and (wait := throttle.CODE_CHECKS.retry_after(guesser)) is not None:
        result["code_error"] = throttle.too_many_codes(wait)
        code = None
    for attempt in (code, None) if code else (None,):
        try:
            result["quote"] = pricing.estimate(
                session, services=parsed.request.services, frequency_id=parsed.request.frequency_id,
                discount_code=attempt, tip=parsed.request.tip,
                customer_id=customer_id if customer_id is not None else signed_in_id(), now=now(),
            )
            break
        except DomainError as error:
            if error.code in ("discount_code_invalid", "discount_code_exhausted"):
                result["code_error"] = error.message  # shown by the code field; price without it
                if error.code == "discount_code_invalid":
                    throttle.CODE_CHECKS.hit(guesser)
                continue
            result["price_error"] = next(iter(error.details.values()), error.message) if error.details else error.message
            # Each problem by the input it is about (a tip by the tip, a quantity by its extra).
            result["price_errors"] = errors_for_inputs(error.details, parsed.inputs_by_path) if error.details else {}
            break
    try:
        day = parse_date(values.get("date", ""))
    except ValueError:
        result["slots_error"] = "Pick a day in the calendar."
        return result
    if abs((day - local_today()).days) > SEARCH_DAYS * 20:
        # No booking is that far off; and the day's bounds could not even be computed at year 9999.
        result["slots_error"] = "Pick a day in the calendar."
        return result
    result["day"] = day
    try:
        result["slots"] = slots_for_request(
            session, parsed.request.services, day=day, now=now(), agent_id=values.get("agent_id") or "any",
            location_id=values.get("location_id") or None, exclude_booking_id=exclude_booking_id, staff=staff,
        )
    except DomainError as error:
        result["slots_error"] = error.message
    return result


def _apply_calendar_action(values: MultiDict[str, str], catalog: FormCatalog, *, staff: bool = False) -> None:
    """Month buttons, "next available", and the default day: the first day with times."""
    services = parse_booking_form(values, catalog).request.services
    if not services:
        return
    location = catalog.location(values.get("location_id"))
    today = local_today(location.timezone if location else None)
    month = parse_month(values.get("month", ""))
    if month is not None:
        values["shown_month"] = month.isoformat()[:7]
    wants_next = values.get("action") == "next_available"
    if wants_next or not values.get("date"):
        try:
            current = parse_date(values.get("date", "")) if wants_next else None
        except ValueError:
            current = None
        # A chosen day past any booking horizon (a hand-made 9999-12-31) searches from today.
        after = current + timedelta(days=1) if current and today <= current < today + timedelta(days=SEARCH_DAYS) else today
        try:
            found = first_free_day(get_session(), services, after=after, now=now(),
                                   agent_id=values.get("agent_id") or "any", location_id=values.get("location_id") or None,
                                   staff=staff)
        except DomainError:
            return
        if found is not None:
            values["date"] = found.isoformat()
            values["shown_month"] = found.isoformat()[:7]
            values.pop("time", None)


def _calendar(values: MultiDict[str, str], catalog: FormCatalog, *, staff: bool = False) -> MonthCalendar | None:
    services = parse_booking_form(values, catalog).request.services
    if not services:
        return None
    try:
        chosen = parse_date(values.get("date", ""))
    except ValueError:
        chosen = None
    shown = parse_month(values.get("shown_month", "")) or (chosen.replace(day=1) if chosen else None)
    location = catalog.location(values.get("location_id"))
    today = local_today(location.timezone if location else None)
    return month_calendar(get_session(), services, month=shown, chosen=chosen, today=today, now=now(),
                          agent_id=values.get("agent_id") or "any", location_id=values.get("location_id") or None, staff=staff)


def render_booking_form(values: MultiDict[str, str], catalog: FormCatalog, errors: dict[str, str] | None = None, status: int = 200,
                        *, customer_id: int | None = None, **extra: Any) -> Any:
    """The booking form page; the back office passes its own action, layout and customer."""
    location = catalog.location(values.get("location_id"))
    offered = catalog.services_at(location)
    chosen = [sid for sid in chosen_service_ids(values, catalog) if any(s.id == sid for s in offered)]
    if len(chosen) != len(values.getlist("services")):
        values.setlist("services", [str(sid) for sid in chosen])
    # The back office's form (extra staff=True) offers what staff may book: no notice or horizon.
    staff = bool(extra.get("staff"))
    _apply_calendar_action(values, catalog, staff=staff)
    preview = _preview(values, catalog, customer_id=customer_id, staff=staff)
    errors = errors or {}
    context = {
        "catalog": catalog, "values": values, "errors": errors, "chosen": chosen, "offered": offered, "location": location,
        "fields": catalog.fields_for(chosen), "agents": catalog.agents_for(chosen, location) if chosen else [],
        "hourly_minutes": HOURLY_MINUTES, "nonce": values.get("nonce") or uuid.uuid4().hex,
        "slot_label": slot_label, "calendar": _calendar(values, catalog, staff=staff),
        "cutoff_hours": load_settings(get_session()).cancellation_cutoff_hours,
        "form_action": url_for("customer.book_submit"), "layout": "base.html", "staff": False,
        "visitor": not current_user.is_authenticated, **preview, **extra,
    }
    # Asked only when a chosen service is done at the customer's place; required of customers.
    context["visit_at_home"] = not chosen or any(s.at_customer for sid in chosen if (s := catalog.service(sid)))
    context["address_required"] = bool(chosen) and context["visit_at_home"] and not context["staff"]
    context["error_links"] = error_links(errors, context)
    return render_template("customer/book/form.html", **context), status


@bp.route("/book", methods=["GET"])
@customer_or_visitor
def book() -> Any:
    catalog = load_catalog(get_session())
    values = _form_defaults(catalog)
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
            return review(values, catalog)
    return render_booking_form(values, catalog)


@bp.post("/book")
@customer_or_visitor
def book_submit() -> Any:
    session = get_session()
    catalog = load_catalog(session)
    values = request.form.copy()
    action = request.form.get("action")
    if action == "review" or (action == "book" and not current_user.is_authenticated):
        return review(values, catalog)
    if action != "book":
        return render_booking_form(values, catalog)
    parsed = parse_booking_form(values, catalog)
    guesser = code_guesser()  # booking with a code checks it too: same budget as the preview
    if parsed.request.discount_code and (wait := throttle.CODE_CHECKS.retry_after(guesser)) is not None:
        page, status = render_booking_form(values, catalog, {"discount_code": throttle.too_many_codes(wait)}, 429)
        return page, status, {"Retry-After": str(wait)}
    owner, nonce = f"web:{current_user.user.id}", (values.get("nonce") or "")[:64]
    replay = claim_submission(owner, nonce)
    if replay is not None:
        return redirect(replay)
    from ..payments import start_card_booking  # a service paid by card when booking goes to the card step

    try:
        card_step = start_card_booking(values, parsed.request, owner_actor=actor())
        if card_step is not None:
            idempotency.finish(session, owner=owner, key=nonce, status=303, body=card_step)
            return redirect(card_step, code=303)
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


def review(values: MultiDict[str, str], catalog: FormCatalog) -> Any:
    """The review step: a visitor signs in or registers here (keeping every choice),
    then sees the one summary of what will be booked before committing. What the
    review cannot know yet (a time taken meanwhile) the booking itself refuses."""
    errors: dict[str, str] = {}
    registering = not current_user.is_authenticated and values.get("account") != "existing"
    if not current_user.is_authenticated and not registering:
        user = inline_account(values, errors)
        if user is not None:
            sign_in(user)
    preview = _preview(values, catalog)
    parsed = parse_booking_form(values, catalog)
    errors |= review_problems(values, catalog, parsed, preview)
    if registering:
        if inline_registration(values, errors, send=not errors):
            return redirect(url_for("auth.registration_sent"), code=303)
    if errors:
        return render_booking_form(values, catalog, errors, 422)
    location = catalog.location(values.get("location_id"))
    slot = next(s for s in preview["slots"] if s.time == values.get("time"))
    wanted = values.get("agent_id", "any")
    agent = next((a for a in catalog.agents if str(a.id) == wanted), None)
    clean = clean_answers(catalog.fields_for(chosen_service_ids(values, catalog)), parsed.request.custom_fields, FieldErrors(),
                          enforce_required=False)
    user = current_user.user
    summary = preview_summary(
        preview["quote"], start_at=slot.start_at, location=location, agent_name=agent.name if agent else "The first available team member",
        customer_name=f"{user.first_name} {user.last_name}".strip(), customer_email=user.email,
        where=", ".join(p for p in (values.get(n, "").strip() for n in ("address", "city", "state", "zip")) if p),
        phone=values.get("phone", ""), payment_method=values.get("payment_method", "cash"), answers=clean,
        customer_notes=values.get("customer_notes", ""),
    )
    # The total on the review is the one the customer commits to: if it changes before
    # "Book now" (a code used up meanwhile), the booking says so instead of charging it.
    values["expected_total"] = str(preview["quote"].total)
    hidden = [(k, v) for k, v in values.items(multi=True) if k not in ("csrf_token", "action", "month") and not k.startswith("account_")]
    visits = series_preview(get_session(), preview["quote"], first_start=slot.start_at, location_id=values.get("location_id"),
                            agent_id=wanted, now=now())
    chosen = chosen_service_ids(values, catalog)
    return render_template("customer/book/review.html", summary=summary, hidden=hidden, values=values, visits=visits,
                           first_service_id=chosen[0] if chosen else None,
                           frequency=preview["quote"].frequency, slot_tz=location.timezone if location else None,
                           cutoff_hours=load_settings(get_session()).cancellation_cutoff_hours)


def sign_in(user: User) -> None:
    """Sign the visitor in from the booking form, as the log-in page does."""
    log_in(user)


def inline_account(values: MultiDict[str, str], errors: dict[str, str]) -> User | None:
    """Sign in from the booking form's details step ("I have an account")."""
    email, password = values.get("account_email", "").strip(), values.get("account_password", "")
    if not email or not password:
        errors["account_email" if not email else "account_password"] = "Enter your e-mail and password to sign in."
        return None
    user = throttle.authenticate(get_session(), email, password)
    if user is None:
        errors["account_password"] = "The e-mail or password is not correct."
    elif user.role != "customer":
        errors["account_email"] = "This is a staff account: book for customers in the back office."
        return None
    return user


def inline_registration(values: MultiDict[str, str], errors: dict[str, str], *, send: bool) -> bool:
    """ "I'm new here" on the booking form; True once the e-mail is sent.

    A new customer books in one sitting without the page telling who has an account:
    the details are checked with the rest of the form and, when all is well, the answer
    goes to the mailbox, whoever owns the address (auth.start_registration). A new
    address gets a link that creates the account and comes back to the review with
    every choice (carried in the link, so another device works too); a known one gets a
    sign-in link that comes back the same way (the choices wait in this browser's
    session). The time is not held meanwhile: the review and the booking check it
    again, as they do for anyone. `send` False only checks the details (the form has
    other errors to show first)."""
    email = values.get("account_email", "").strip()
    names = {"first_name": values.get("account_first_name", ""), "last_name": values.get("account_last_name", "")}
    choices = accounts.resumable([(k, v) for k, v in values.items(multi=True)
                                  if k not in ("csrf_token", "action", "month", "account") and not k.startswith("account_")])
    try:
        if not send:
            accounts.check_registration(get_session(), email=email, phone=values.get("phone", ""), **names)
            return False
        web_session[RESUME_KEY] = choices
        start_registration(email=email, phone=values.get("phone", ""), next_path=url_for("customer.book", resume=1),
                           resume=choices, **names)
        return True
    except throttle.Throttled as exc:
        errors["account_email"] = f"Too many new accounts from here; please try again in {-(-exc.retry_after // 60)} minutes."
        return False
    except DomainError as error:
        said = {"first_name": "Enter your first name.", "last_name": "Enter your last name.", "email": "Enter your e-mail address.",
                "password": "Choose a password."}
        for path, message in error.details.items():
            # "This field is required." says nothing in the error summary: name the field.
            errors.setdefault(f"account_{path}", said.get(path, str(message)) if "required" in str(message).lower() else str(message))
        if not any(name.startswith("account_") for name in errors):
            errors["account_email"] = error.message
        return False


def review_problems(values: MultiDict[str, str], catalog: FormCatalog, parsed: ParsedForm, preview: dict[str, Any]) -> dict[str, str]:
    """What stops the form from going to review, by the input it is about."""
    problems: dict[str, str] = {}
    if preview["quote"] is None:
        problems |= preview["price_errors"] or {"services": preview["price_error"] or "Choose a service."}
    if preview["code_error"]:
        problems["discount_code"] = preview["code_error"]
    if not values.get("date"):
        problems["date"] = "Pick a day in the calendar."
    elif not values.get("time"):
        problems["time"] = "Pick a start time."
    elif preview["quote"] is not None and not any(s.time == values.get("time") for s in preview["slots"] or []):
        problems["time"] = "That time is not free any more. Please pick another one."
    chosen = chosen_service_ids(values, catalog)
    if (address := missing_address([s for sid in chosen if (s := catalog.service(sid))], values.get("address"))) is not None:
        problems["address"] = address
    answers = FieldErrors()
    clean_answers(catalog.fields_for(chosen), parsed.request.custom_fields, answers, enforce_required=True)
    for name, message in errors_for_inputs(answers.errors, parsed.inputs_by_path).items():
        problems.setdefault(name, message)
    return problems


def error_links(errors: dict[str, str], context: dict[str, Any]) -> list[tuple[str | None, str]]:
    """The error summary's entries: the id of the control each message is about (the
    first of a group) and the message. 'form' is a message without a field."""
    catalog: FormCatalog = context["catalog"]
    links: list[tuple[str | None, str]] = []
    firsts: dict[str, str] = {}
    if context["offered"]:
        firsts["services"] = f"service-{context['offered'][0].id}"
    if catalog.frequencies:
        firsts["frequency_id"] = f"frequency-{catalog.frequencies[0].id}"
    firsts["payment_method"] = f"pay-{catalog.payment_methods[0]}"
    firsts["time"] = f"time-{context['slots'][0].time.replace(':', '')}" if context.get("slots") else "slots"
    calendar = context.get("calendar")
    firsts["date"] = calendar.focus_id if calendar else "calendar"
    for f in context["fields"]:
        if f.field_type in ("radio", "checkboxes") and f.options:
            firsts[f"field-{f.id}"] = f"field-{f.id}-{f.options[0].id}"
    for name, message in sorted(errors.items(), key=lambda item: _page_order(item[0])):
        links.append((None if name == "form" else firsts.get(name, name), message))
    return links


# Where each input sits on the page, top to bottom: the error summary lists them in that order.
PAGE_ORDER = ("form", "location_id", "services", "workers-", "minutes-", "extra-", "param-", "frequency_id", "agent_id", "date",
              "time", "address", "city", "state", "zip", "phone", "field-", "payment_method", "discount_code", "tip",
              "customer_notes", "account")


def _page_order(name: str) -> int:
    return next((i for i, prefix in enumerate(PAGE_ORDER) if name.startswith(prefix)), len(PAGE_ORDER))


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
    preview = _preview(request.args.copy(), catalog, exclude_booking_id=_own_booking_id(request.args.get("booking_id")))
    location = catalog.location(request.args.get("location_id"))
    return render_template("customer/book/_slots.html", values=request.args, errors={}, slot_label=slot_label,
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
    preview = _preview(request.form.copy(), catalog)
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
    page = queries.list_bookings(get_session(), {"per_page": 100, "page": number}, actor=actor())
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
        "customer/bookings/detail.html", booking=booking, summary=booking_summary(booking), can_change=can_change, reason=reason,
        local=_local, series=series, can_cancel=can_change and "cancelled" in allowed_transitions(booking.status, actor()),
    )


@bp.get("/bookings/<int:booking_id>/confirmation")
@customer_only
def confirmation(booking_id: int) -> Any:
    booking = _own_booking(booking_id)
    series = queries.series_of(get_session(), booking) if booking.series_id else []
    skipped = web_session.get(f"skipped-{booking_id}", [])
    return render_template("customer/bookings/confirmation.html", booking=booking, summary=booking_summary(booking), series=series,
                           skipped=skipped, local=_local, cutoff_hours=load_settings(get_session()).cancellation_cutoff_hours)


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
                           slot_label=slot_label, local=_local, calendar=calendar, slot_tz=booking.location.timezone,
                           form_action=url_for("customer.reschedule", booking_id=booking.id),
                           **_move_times(booking, values.get("date", ""))), status


def _move_times(booking: Booking, raw_day: str) -> dict[str, Any]:
    """The times the move page offers on the chosen day: exactly those the move accepts
    (the booking's agent, services and duration; its own time is no move)."""
    try:
        day = parse_date(raw_day)
    except ValueError:
        day = None
    if day is None or abs((day - local_today()).days) > SEARCH_DAYS * 20:
        return {"slots": None, "slots_error": "Pick a day in the calendar.", "day": None}
    try:
        _, slots = move_choices(get_session(), booking, day=day, agent_id=booking.agent_id, now=now())
    except DomainError as error:
        return {"slots": None, "slots_error": error.message, "day": day}
    return {"slots": slots, "slots_error": None, "day": day}

