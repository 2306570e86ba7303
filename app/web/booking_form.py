"""The booking form, for both front ends: the customer's `/book` and the back office's
`/admin/bookings/new` render, preview, review and submit it through this module; their
views only choose the catalog, the layout and where a booking leads.

Each request parses the form once (`parse_booking_form`) and hands the parsed form down
to the preview, the calendar and the submit. Submitting goes through the domain's
`submit_booking` (claim the nonce, book or start the card step, keep the answer), under
the one guard on discount-code guesses (`throttle.code_guesses`)."""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import throttle
from ..clock import now
from ..db import get_session
from ..domain import accounts, payments, pricing, read_models
from ..domain.actor import Actor
from ..domain.availability import slots_for_request
from ..domain.booking import BookingResult, missing_address, series_preview
from ..domain.booking.submit import MAX_NONCE, Outcome, submission_state, submit_booking
from ..domain.errors import DomainError, FieldErrors
from ..domain.fields import clean_answers
from ..domain.free_days import SEARCH_DAYS, first_free_day
from ..domain.models import PaymentMethod, User
from ..domain.service_area import address_elsewhere
from ..domain.settings import load_settings
from ..domain.summary import preview_summary
from ..domain.timeutil import parse_date, zone
from ..domain.validation import id_or_none
from .auth.views import RESUME_KEY, start_registration
from .auth_loader import log_in
from .customer.calendar import MonthCalendar, month_calendar, parse_month
from .customer.forms import HOURLY_MINUTES, FormCatalog, ParsedForm, chosen_service_ids, errors_for_inputs, parse_booking_form
from .formatting import local_day, local_time

# The refusals a code can meet: shown by the code field, and the price is shown without it.
CODE_REFUSALS = ("discount_code_invalid", "discount_code_exhausted")


def actor() -> Actor:
    return Actor.for_user(current_user.user)


def signed_in_id() -> int | None:
    return current_user.user.id if current_user.is_authenticated else None


def rendered_at() -> datetime:
    """The one instant a request's form is worked out at (the app's clock, read once): its
    day, calendar, times and price agree, and the calendar's month is worked out once."""
    if "booking_form_now" not in g:
        g.booking_form_now = now()
    return g.booking_form_now


def local_today(timezone: str | None = None) -> date:
    """Today where the booking happens (the office's zone), else in the business's."""
    return rendered_at().astimezone(zone(timezone or load_settings(get_session()).default_timezone)).date()


def slot_label(day: date, hhmm: str) -> str:
    """The accessible name of a time button: 'Tuesday, January 8, 2030 at 10:00 AM'."""
    return f"{local_day(day)} at {local_time(time.fromisoformat(hhmm))}" if hhmm else local_day(day)


def code_guesser() -> str:
    """Who wrong codes count against: the signed-in user (a customer's API key counts
    against the same name, so one budget for both), or a visitor's address."""
    if current_user.is_authenticated:
        return f"user:{current_user.user.id}"
    return "addr:" + throttle.client_address()


def form_defaults(catalog: FormCatalog) -> MultiDict[str, str]:
    """The customer's form as it opens: the service asked for (and its office), the
    first frequency, cash, and the customer's own address and phone."""
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


# --- preview: the free times and the price -------------------------------------------------


def preview(values: MultiDict[str, str], catalog: FormCatalog, parsed: ParsedForm, *, exclude_booking_id: int | None = None,
            customer_id: int | None = None, staff: bool = False) -> dict[str, Any]:
    """The free times and the price for the form as it stands; problems are shown, not raised.
    The price is the one the booking's customer would pay (per-customer code limits)."""
    with read_models.rendering(get_session()):
        return _preview(values, parsed, exclude_booking_id=exclude_booking_id, customer_id=customer_id, staff=staff)


def _preview(values: MultiDict[str, str], parsed: ParsedForm, *, exclude_booking_id: int | None, customer_id: int | None,
             staff: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"slots": None, "slots_error": None, "quote": None, "price_error": None, "price_errors": {},
                              "code_error": None, "day": None}
    if not parsed.request.services:
        result["slots_error"] = result["price_error"] = "Choose a service to see times and prices."
        return result
    result["quote"] = _quote(parsed, customer_id if customer_id is not None else signed_in_id(), result)
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
            get_session(), parsed.request.services, day=day, now=rendered_at(), agent_id=values.get("agent_id") or "any",
            location_id=values.get("location_id") or None, exclude_booking_id=exclude_booking_id, staff=staff,
        )
    except DomainError as error:
        result["slots_error"] = error.message
    return result


def _quote(parsed: ParsedForm, customer_id: int | None, result: dict[str, Any]) -> pricing.Quote | None:
    """The price with the code, else (a code refused or too many guesses) without it
    and the code's problem in result["code_error"]; None and the price's problems in
    result when there is no price."""
    booking = parsed.request

    def estimate(code: str | None) -> pricing.Quote:
        return pricing.estimate(get_session(), services=booking.services, frequency_id=booking.frequency_id, discount_code=code,
                                tip=booking.tip, customer_id=customer_id, now=rendered_at(), problems=booking.problems)

    try:
        if booking.discount_code:
            try:
                with throttle.code_guesses(code_guesser(), booking.discount_code):
                    return estimate(booking.discount_code)
            except throttle.Throttled as exc:
                result["code_error"] = throttle.too_many_codes(exc.retry_after)
            except DomainError as error:
                if error.code not in CODE_REFUSALS:
                    raise
                result["code_error"] = error.message  # shown by the code field; price without it
        return estimate(None)
    except DomainError as error:
        result["price_error"] = next(iter(error.details.values()), error.message) if error.details else error.message
        # Each problem by the input it is about (a tip by the tip, a quantity by its extra).
        result["price_errors"] = errors_for_inputs(error.details, parsed.inputs_by_path) if error.details else {}
        return None


# --- the month calendar ---------------------------------------------------------------------------


def apply_calendar_action(values: MultiDict[str, str], catalog: FormCatalog, parsed: ParsedForm, *, staff: bool = False) -> None:
    """Month buttons, "next available", and the default day: the first day with times."""
    services = parsed.request.services
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
            found = first_free_day(get_session(), services, after=after, now=rendered_at(),
                                   agent_id=values.get("agent_id") or "any", location_id=values.get("location_id") or None,
                                   staff=staff)
        except DomainError:
            return
        if found is not None:
            values["date"] = found.isoformat()
            values["shown_month"] = found.isoformat()[:7]
            values.pop("time", None)


def form_calendar(values: MultiDict[str, str], catalog: FormCatalog, parsed: ParsedForm, *, staff: bool = False) -> MonthCalendar | None:
    services = parsed.request.services
    if not services:
        return None
    try:
        chosen = parse_date(values.get("date", ""))
    except ValueError:
        chosen = None
    shown = parse_month(values.get("shown_month", "")) or (chosen.replace(day=1) if chosen else None)
    location = catalog.location(values.get("location_id"))
    today = local_today(location.timezone if location else None)
    return month_calendar(get_session(), services, month=shown, chosen=chosen, today=today, now=rendered_at(),
                          agent_id=values.get("agent_id") or "any", location_id=values.get("location_id") or None, staff=staff)


# --- the page -------------------------------------------------------------------------------------


def render_booking_form(values: MultiDict[str, str], catalog: FormCatalog, errors: dict[str, str] | None = None, status: int = 200,
                        *, parsed: ParsedForm | None = None, customer_id: int | None = None, **extra: Any) -> Any:
    """The booking form page; the back office passes its own action, layout and customer.
    `parsed` is the request's parsed form when the caller has it already."""
    with read_models.rendering(get_session()):
        return _render_booking_form(values, catalog, errors, status, parsed=parsed, customer_id=customer_id, **extra)


def _render_booking_form(values: MultiDict[str, str], catalog: FormCatalog, errors: dict[str, str] | None, status: int, *,
                         parsed: ParsedForm | None, customer_id: int | None, **extra: Any) -> Any:
    location = catalog.location(values.get("location_id"))
    offered = catalog.services_at(location)
    chosen = [sid for sid in chosen_service_ids(values, catalog) if any(s.id == sid for s in offered)]
    if len(chosen) != len(values.getlist("services")):
        values.setlist("services", [str(sid) for sid in chosen])
        parsed = None  # the services changed: the form says something else now
    parsed = parsed or parse_booking_form(values, catalog)
    # The back office's form (extra staff=True) offers what staff may book: no notice or horizon.
    staff = bool(extra.get("staff"))
    apply_calendar_action(values, catalog, parsed, staff=staff)
    shown = preview(values, catalog, parsed, customer_id=customer_id, staff=staff)
    errors = errors or {}
    context = {
        "catalog": catalog, "values": values, "errors": errors, "chosen": chosen, "offered": offered, "location": location,
        "fields": catalog.fields_for(chosen), "agents": catalog.agents_for(chosen, location) if chosen else [],
        "hourly_minutes": HOURLY_MINUTES, "nonce": values.get("nonce") or uuid.uuid4().hex,
        "slot_label": slot_label, "calendar": form_calendar(values, catalog, parsed, staff=staff),
        "cutoff_hours": load_settings(get_session()).cancellation_cutoff_hours,
        "form_action": url_for("customer.book_submit"), "layout": "base.html", "staff": False,
        "visitor": not current_user.is_authenticated, **shown, **extra,
    }
    # Asked only when a chosen service is done at the customer's place; required of customers.
    context["visit_at_home"] = not chosen or any(s.at_customer for sid in chosen if (s := catalog.service(sid)))
    context["address_required"] = bool(chosen) and context["visit_at_home"] and not context["staff"]
    # A warning, not an error: the booking is made as it stands (app/domain/service_area.py).
    context["area_warning"] = (address_elsewhere(catalog.locations, location, values.get("city"))
                               if context["visit_at_home"] else None)
    context["error_links"] = error_links(errors, context)
    return render_template("customer/book/form.html", **context), status


def refused_booking(error: DomainError, values: MultiDict[str, str], catalog: FormCatalog, paths: dict[str, str], *,
                    parsed: ParsedForm | None = None, **extra: Any) -> Any:
    """The form again with the domain's refusal next to the field it is about."""
    if error.code == "slot_unavailable" and extra.get("staff"):
        # Staff read why (the booking it clashes with, the time off, the hours) and, when
        # only the agent's schedule is in the way, may confirm it ("Book anyway ...").
        errors = {"time": error.message}
        extra = {**extra, "override_offer": override_offer(error, "Book")}
    elif error.code == "slot_unavailable":
        errors = {"time": "Sorry, that time was just taken. Please pick another one from the fresh list."}
        values.pop("time", None)
    elif error.code == "price_changed":
        errors = {"form": error.message}
    elif error.details:
        errors = errors_for_inputs(error.details, paths)
    else:
        field = {"past_date": "time", "discount_code_invalid": "discount_code", "discount_code_exhausted": "discount_code"}.get(error.code, "form")
        errors = {field: error.message}
    return render_booking_form(values, catalog, errors, 422, parsed=parsed, **extra)


def override_offer(error: DomainError, verb: str) -> str | None:
    """The second confirmation's words when staff may set the agent's schedule aside
    ("Book anyway outside working hours", "Move anyway into time off"), else None: a
    clash with another booking is never set aside."""
    if error.code != "slot_unavailable" or not error.details.get("overridable"):
        return None
    if error.details.get("reason") == "time_off":
        return f"{verb} anyway {'during' if verb == 'Book' else 'into'} time off"
    return f"{verb} anyway outside working hours"


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


# --- submitting -----------------------------------------------------------------------------------


def submit(values: MultiDict[str, str], catalog: FormCatalog, parsed: ParsedForm, *,
           target_for: Callable[[BookingResult], str], pending_endpoint: str,
           created: Callable[[BookingResult], None] = lambda result: None, card_step: Callable[[], str | None] | None = None,
           form_extra: Callable[[], dict[str, Any]] = dict, paths: dict[str, str] | None = None) -> Any:
    """Book the form once per nonce (domain `submit_booking`) and answer: the new
    booking's page (303), the card step (303), the page an earlier copy of this form
    went to (302), or, while an earlier copy is still booking, the "being made" page
    (303), which becomes that copy's answer when it is done. A refusal (or too many
    wrong codes) is the form again with the problem by its field. `created` runs after a
    new booking (flash messages); `form_extra` gives the page's own render arguments.
    What is booked is `parsed.request` (the back office adds its customer to it, and
    `paths` for the refusals of its own inputs)."""
    nonce, booking = values.get("nonce") or "", parsed.request
    try:
        with throttle.code_guesses(code_guesser(), booking.discount_code):  # booking with a code checks it: the preview's budget
            sent = submit_booking(get_session(), booking, owner=form_owner(), nonce=nonce, actor=actor(), now=now(),
                                  target_for=target_for, card_step=card_step)
    except throttle.Throttled as exc:
        page, status = render_booking_form(values, catalog, {"discount_code": throttle.too_many_codes(exc.retry_after)}, 429,
                                           parsed=parsed, **form_extra())
        return page, status, {"Retry-After": str(exc.retry_after)}
    except DomainError as error:
        return refused_booking(error, values, catalog, paths or parsed.inputs_by_path, parsed=parsed, **form_extra())
    if sent.outcome == Outcome.IN_PROGRESS:
        return redirect(url_for(pending_endpoint, nonce=nonce[:MAX_NONCE]), code=303)
    if sent.outcome == Outcome.REPLAY:
        return redirect(sent.target)
    if sent.result is not None:
        created(sent.result)
    return redirect(sent.target, code=303)


def form_owner() -> str:
    """Whose nonces these are: the signed-in user's (customer or staff)."""
    return f"web:{current_user.user.id}"


def pending(nonce: str, *, form_url: str, list_url: str, layout: str) -> Any:
    """The "your booking is being made" page a second copy of the form is sent to.
    Plain requests get the page (its "check again" link is the page itself); htmx polls
    it every second and follows `HX-Redirect` once the first copy is done. Done: its
    page. Gone (the first copy was refused): back to the form to send again. Stalled
    (the first copy died): say so, and send them to the bookings list to look first."""
    state = submission_state(get_session(), owner=form_owner(), nonce=nonce, now=now())
    polling = bool(request.headers.get("HX-Request"))
    if state is None:
        flash("That booking was not made. Please check the form and send it again.", "error")
        target = form_url
    elif state.outcome == Outcome.REPLAY:
        target = state.target
    elif polling:
        # Still booking: htmx keeps polling. Stalled: the whole page again, which says so.
        return ("", 200, {"HX-Refresh": "true"}) if state.outcome == Outcome.STALLED else ("", 204)
    else:
        page = render_template("customer/book/pending.html", layout=layout, stalled=state.outcome == Outcome.STALLED,
                               check_url=url_for(request.endpoint or "", nonce=nonce), form_url=form_url, list_url=list_url)
        return page, 200, {"Cache-Control": "no-store"}
    if polling:
        return "", 200, {"HX-Redirect": target}
    return redirect(target, code=303)


# --- the review step ------------------------------------------------------------------------------


def review(values: MultiDict[str, str], catalog: FormCatalog) -> Any:
    """The review step: a visitor signs in or registers here (keeping every choice),
    then sees the one summary of what will be booked before committing. What the
    review cannot know yet (a time taken meanwhile) the booking itself refuses."""
    errors: dict[str, str] = {}
    registering = not current_user.is_authenticated and values.get("account") != "existing"
    if not current_user.is_authenticated and not registering:
        user = inline_account(values, errors)
        if user is not None:
            log_in(user)  # as the log-in page does
    parsed = parse_booking_form(values, catalog)
    shown = preview(values, catalog, parsed)
    errors |= review_problems(values, catalog, parsed, shown)
    if registering:
        if inline_registration(values, errors, send=not errors):
            return redirect(url_for("auth.registration_sent"), code=303)
    if errors:
        return render_booking_form(values, catalog, errors, 422, parsed=parsed)
    location = catalog.location(values.get("location_id"))
    slot = next(s for s in shown["slots"] if s.time == values.get("time"))
    wanted = values.get("agent_id", "any")
    agent = next((a for a in catalog.agents if str(a.id) == wanted), None)
    chosen = chosen_service_ids(values, catalog)
    clean = clean_answers(catalog.fields_for(chosen), parsed.request.custom_fields, FieldErrors(), enforce_required=False)
    user = current_user.user
    summary = preview_summary(
        shown["quote"], start_at=slot.start_at, location=location, agent_name=agent.name if agent else "The first available team member",
        customer_name=f"{user.first_name} {user.last_name}".strip(), customer_email=user.email,
        where=", ".join(p for p in (values.get(n, "").strip() for n in ("address", "city", "state", "zip")) if p),
        phone=values.get("phone", ""), payment_method=_review_payment_method(values, chosen, shown["quote"].total), answers=clean,
        customer_notes=values.get("customer_notes", ""),
    )
    # The total on the review is the one the customer commits to: if it changes before
    # "Book now" (a code used up meanwhile), the booking says so instead of charging it.
    values["expected_total"] = str(shown["quote"].total)
    hidden = [(k, v) for k, v in values.items(multi=True) if k not in ("csrf_token", "action", "month") and not k.startswith("account_")]
    visits = series_preview(get_session(), shown["quote"], first_start=slot.start_at, location_id=values.get("location_id"),
                            agent_id=wanted, now=now())
    at_home = any(s.at_customer for sid in chosen if (s := catalog.service(sid)))
    area_warning = address_elsewhere(catalog.locations, location, values.get("city")) if at_home else None
    return render_template("customer/book/review.html", summary=summary, hidden=hidden, values=values, visits=visits,
                           area_warning=area_warning,
                           first_service_id=chosen[0] if chosen else None,
                           frequency=shown["quote"].frequency, slot_tz=location.timezone if location else None,
                           cutoff_hours=load_settings(get_session()).cancellation_cutoff_hours)


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


def _review_payment_method(values: MultiDict[str, str], chosen: list[int], total: Decimal) -> str:
    """What the booking will be paid by: by card when the first service's payment policy
    takes one (a deposit, in full, or a card on file; the booking is stored as `stripe`),
    else the form's cash or check."""
    from .payments import gateway  # the payments blueprint renders this form: imported when used

    if chosen and gateway() is not None and payments.terms(get_session(), chosen[0], total) is not None:
        return PaymentMethod.STRIPE.value
    return values.get("payment_method", "cash")


def review_problems(values: MultiDict[str, str], catalog: FormCatalog, parsed: ParsedForm, shown: dict[str, Any]) -> dict[str, str]:
    """What stops the form from going to review, by the input it is about."""
    problems: dict[str, str] = {}
    if shown["quote"] is None:
        problems |= shown["price_errors"] or {"services": shown["price_error"] or "Choose a service."}
    if shown["code_error"]:
        problems["discount_code"] = shown["code_error"]
    if not values.get("date"):
        problems["date"] = "Pick a day in the calendar."
    elif not values.get("time"):
        problems["time"] = "Pick a start time."
    elif shown["quote"] is not None and not any(s.time == values.get("time") for s in shown["slots"] or []):
        problems["time"] = "That time is not free any more. Please pick another one."
    chosen = chosen_service_ids(values, catalog)
    if (address := missing_address([s for sid in chosen if (s := catalog.service(sid))], values.get("address"))) is not None:
        problems["address"] = address
    answers = FieldErrors()
    clean_answers(catalog.fields_for(chosen), parsed.request.custom_fields, answers, enforce_required=True)
    for name, message in errors_for_inputs(answers.errors, parsed.inputs_by_path).items():
        problems.setdefault(name, message)
    return problems
