"""Card payments on the pages: paying for a booking with Stripe.js (the card goes from
the browser to Stripe, never to us), the 3-D Secure step, and Stripe's webhook. Every
rule is in app/domain/payments.py; this only translates."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import stripe
from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask import session as web_session
from werkzeug.datastructures import MultiDict

from ...clock import now
from ...db import get_session
from ...domain import payments, queries
from ...domain.errors import DomainError
from ...domain.models import Booking, Payment, PaymentMode, PaymentStatus
from ...domain.summary import booking_summary
from ...domain.validation import id_or_none
from ...extensions import csrf
from ...transports.stripe import StripeGateway, gateway_for
from ..customer.views import actor, customer_only

bp = Blueprint("payments", __name__)

DEFAULT_JS_URL = "https://js.stripe.com/v3/"
DEFAULT_API_URL = "https://api.stripe.com"


def gateway(app: Flask | None = None) -> StripeGateway | None:
    """The Stripe gateway when card payments are set up (both keys), else None."""
    return gateway_for(app or current_app._get_current_object())  # type: ignore[attr-defined]


def js_url(app: Flask) -> str:
    return app.config.get("STRIPE_JS_URL") or DEFAULT_JS_URL


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp_sources(app: Flask) -> dict[str, list[str]]:
    """What the Content-Security-Policy must allow for Stripe.js: its own origin (and
    the API it talks to), nothing else; nothing at all when card payments are off."""
    if not (app.config.get("STRIPE_SECRET_KEY") and app.config.get("STRIPE_PUBLISHABLE_KEY")):
        return {}
    js = _origin(js_url(app))
    api = _origin(app.config.get("STRIPE_API_BASE") or DEFAULT_API_URL)
    return {"script-src": [js], "frame-src": [js], "connect-src": sorted({js, api})}


def _own_payment(booking_id: int) -> tuple[Booking, Payment]:
    session = get_session()
    try:
        booking = queries.get_booking(session, booking_id, actor=actor())
    except DomainError:
        abort(404)
    payment = session.query(Payment).filter(Payment.booking_id == booking.id, Payment.kind != "refund").order_by(Payment.id).first()
    if payment is None:
        abort(404)
    return booking, payment


@bp.get("/bookings/<int:booking_id>/pay")
@customer_only
def pay(booking_id: int, card_error: str = "") -> Any:
    """The card step of a booking that takes a payment when booking: a card saved on
    the account (one click) or a new one (Stripe.js)."""
    booking, payment = _own_payment(booking_id)
    if payment.status == PaymentStatus.SUCCEEDED:
        return redirect(url_for("customer.confirmation", booking_id=booking.id))
    session = get_session()
    gw = gateway()
    if gw is None:
        abort(404)
    secret = gw.retrieve_setup_intent(payment.stripe_setup_intent_id).client_secret if payment.stripe_setup_intent_id else ""
    state = payments.payment_state(session, booking)
    now_due = payments.major_units(payment.amount_minor, payment.currency)
    return render_template(
        "customer/bookings/pay.html", booking=booking, payment=payment, summary=booking_summary(booking), setup_secret=secret,
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"], stripe_js=js_url(current_app), due_now=now_due,
        due_later=booking.total - now_due, currency=state.currency,
        open=booking.status.awaits_payment and payment.status in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION),
        saved_cards=payments.cards_of(session, booking.customer_id) if payment.status == PaymentStatus.PENDING else [],
        card_error=card_error,
    ), 422 if card_error else 200


@bp.post("/bookings/<int:booking_id>/pay/saved")
@customer_only
def pay_saved(booking_id: int) -> Any:
    """The card step with a card saved on the account: charged now, off-session, once;
    a decline or a bank that asks to confirm is shown on the card step."""
    booking, payment = _own_payment(booking_id)
    gw = gateway()
    if gw is None:
        abort(404)
    try:
        outcome = payments.pay_with_saved_card(get_session(), payment.id, id_or_none(request.form.get("card_id")),
                                               customer_id=booking.customer_id, gateway=gw, now=now(), actor=actor())
    except payments.PaymentNotReady as error:
        return pay(booking_id, card_error=error.message)
    except DomainError as error:
        return pay(booking_id, card_error=str(error.details.get("card", error.message)))
    if outcome.status == "succeeded":
        return redirect(url_for("customer.confirmation", booking_id=booking.id), code=303)
    if outcome.status in ("failed", "cancelled"):
        return redirect(url_for("payments.retry", booking_id=booking.id), code=303)
    return redirect(url_for("payments.pay", booking_id=booking.id), code=303)  # 3-D Secure or still at work: the page takes it on


@bp.post("/bookings/<int:booking_id>/pay")
@customer_only
def settle(booking_id: int) -> Any:
    """Charge the card Stripe.js saved (or look again after 3-D Secure). Answers JSON
    for the page's script: succeeded (go to the confirmation), requires_action (run
    3-D Secure with this secret), failed (the message for the card field), processing."""
    booking, payment = _own_payment(booking_id)
    gw = gateway()
    if gw is None:
        abort(404)
    try:
        outcome = payments.settle(get_session(), payment.id, gateway=gw, now=now(), actor=actor())
    except payments.PaymentNotReady as error:
        return jsonify(status="not_ready", message=error.message), 409
    body: dict[str, Any] = {"status": outcome.status, "message": outcome.message}
    if outcome.status == "succeeded":
        body["redirect"] = url_for("customer.confirmation", booking_id=booking.id)
    elif outcome.status == "requires_action":
        body["client_secret"] = outcome.client_secret
    elif outcome.status in ("failed", "cancelled"):
        body["retry"] = url_for("payments.retry", booking_id=booking.id)
        body["message"] = outcome.message or "The payment did not go through; nothing was booked."
    return jsonify(body)


@bp.get("/bookings/<int:booking_id>/pay/again")
@customer_only
def retry(booking_id: int) -> Any:
    """After a declined card: the booking form again with every choice kept and the
    card's refusal next to the payment field."""
    from ..customer.forms import load_catalog
    from ..booking_form import render_booking_form

    booking, payment = _own_payment(booking_id)
    values = MultiDict(web_session.get(f"form-{payment.id}", []))
    values.pop("nonce", None)
    message = payment.failure_message or "The payment did not go through; nothing was booked."
    return render_booking_form(values, load_catalog(get_session()), {"payment_method": message}, 422)


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook() -> Any:
    """Stripe's events, signature checked with the SDK against STRIPE_WEBHOOK_SECRET;
    each event is handled once (a replay answers 200 and changes nothing)."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    gw = gateway()
    if not secret or gw is None:
        abort(404)
    payload = request.get_data()
    try:
        event = stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
    except (ValueError, stripe.SignatureVerificationError):
        return jsonify(error="bad_signature"), 400
    handled = payments.handle_stripe_event(get_session(), event.to_dict(), gateway=gw, now=now())
    return jsonify(received=True, handled=handled)


@bp.get("/account/payment-methods")
@customer_only
def payment_methods() -> Any:
    """The customer's saved cards: brand and last four, the default, remove; add one."""
    if gateway() is None:
        abort(404)
    from flask_login import current_user

    cards = payments.cards_of(get_session(), current_user.user.id)
    return render_template("customer/account/payment_methods.html", cards=cards)


@bp.route("/account/payment-methods/new", methods=["GET", "POST"])
@customer_only
def add_payment_method() -> Any:
    """Add a card: Stripe.js saves it (a SetupIntent); the server keeps what Stripe says."""
    from flask import flash
    from flask_login import current_user

    gw = gateway()
    if gw is None:
        abort(404)
    session, user = get_session(), current_user.user
    error = ""
    if request.method == "POST":
        try:
            card = payments.finish_saving_card(session, user, request.form.get("setup_intent"), gateway=gw, now=now())
        except DomainError as refused:
            error = str(refused.details.get("card", refused.message))
        else:
            flash(f"{card.brand.title()} ending {card.last4} saved.", "success")
            return redirect(url_for("payments.payment_methods"), code=303)
    return render_template("customer/account/add_card.html", error=error, **card_form_settings()), 422 if error else 200


def card_form_settings() -> dict[str, str]:
    """What a page that saves a card with Stripe.js (static/js/payment.js, its one card-saving script) needs."""
    return {"publishable_key": current_app.config["STRIPE_PUBLISHABLE_KEY"], "stripe_js": js_url(current_app),
            "setup_url": url_for("payments.new_setup_intent")}


@bp.post("/account/payment-methods/setup")
@customer_only
def new_setup_intent() -> Any:
    """A fresh SetupIntent's client secret for Stripe.js to save a card with: asked for
    each time a card is entered (Payment methods, the booking review), so a card
    declined when saved can be followed by another."""
    from flask_login import current_user

    gw = gateway()
    if gw is None:
        abort(404)
    try:
        secret = payments.start_saving_card(get_session(), current_user.user, gateway=gw)
    except DomainError as refused:  # no e-mail address: Stripe's customer needs one
        return jsonify(error=str(refused.details.get("payment_method", refused.message))), 422
    return jsonify(client_secret=secret)


@bp.post("/account/payment-methods/<int:card_id>/<action>")
@customer_only
def change_payment_method(card_id: int, action: str) -> Any:
    from flask import flash
    from flask_login import current_user

    if gateway() is None or action not in ("remove", "default"):
        abort(404)
    try:
        if action == "remove":
            payments.remove_card(get_session(), current_user.user.id, card_id)
            flash("The card was removed.", "success")
        else:
            payments.make_default_card(get_session(), current_user.user.id, card_id)
            flash("That card is now your default.", "success")
    except DomainError:
        abort(404)
    return redirect(url_for("payments.payment_methods"), code=303)


STAFF_ACTIONS = {"balance": "Balance charged.", "no_show_fee": "No-show fee charged.", "refund": "Refund made."}


@bp.post("/admin/bookings/<int:booking_id>/payment/<action>")
def staff_action(booking_id: int, action: str) -> Any:
    """The panel's Charge balance, Charge no-show fee and Refund (admins only)."""
    from flask import flash
    from flask_login import current_user

    from ...domain.actor import Actor

    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    user = current_user.user
    if action not in STAFF_ACTIONS or not user.is_staff or (action == "refund" and not user.can_refund):
        abort(403 if action in STAFF_ACTIONS else 404)
    gw = gateway()
    if gw is None:
        abort(404)
    session, who = get_session(), Actor.for_user(user)
    try:
        booking = queries.get_booking(session, booking_id, actor=who)
        if action == "balance":
            done = payments.charge_balance(session, booking.id, actor=who, now=now(), gateway=gw)
        elif action == "no_show_fee":
            done = payments.charge_no_show_fee(session, booking.id, actor=who, now=now(), gateway=gw)
        else:
            made = payments.refund(session, booking.id, amount=request.form.get("amount") or None, reason=request.form.get("reason", ""),
                                   actor=who, now=now(), gateway=gw)
            done = made[-1] if made else None
    except DomainError as error:
        if error.code == "booking_not_found":
            abort(404)
        problems = "; ".join(str(v) for v in error.details.values()) if error.details else error.message
        flash(f"Not done: {problems}", "error")
        return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)
    if done is not None and done.status == PaymentStatus.FAILED:
        flash(f"The card was declined: {done.failure_message}", "error")
    else:
        flash(STAFF_ACTIONS[action], "success")
    return redirect(url_for("admin.booking_panel", booking_id=booking_id), code=303)


def start_card_booking(values: MultiDict[str, str], request_obj: Any, *, owner_actor: Any) -> str | None:
    """From the customer's booking form: book with a card when the chosen service's
    policy takes a payment when booking and card payments are set up. Returns where to
    go next (the card step), or None when the booking is made as usual (a card-on-file
    service's request is first marked as paid by the card saved on the review). Raises
    the domain's errors for the form to show."""
    gw = gateway()
    if gw is None or not request_obj.services:
        return None
    session = get_session()
    service_id = getattr(request_obj.services[0], "id", None)
    try:
        policy = payments.policy_for(session, int(service_id))
    except (TypeError, ValueError):
        return None
    if policy.mode == PaymentMode.CARD_ON_FILE:
        # Nothing to pay now: the card (saved by Stripe.js on the review, or the default
        # one) goes with the booking, which is then made as any other.
        from flask_login import current_user

        payments.ready_card_on_file(session, request_obj, current_user.user, setup_intent_id=values.get("setup_intent"),
                                    new_card=values.get("card_choice") == "new", gateway=gw, now=now())
        return None
    if not policy.charges_when_booking:
        return None
    started = payments.book_with_card(
        session, request_obj, actor=owner_actor, now=now(), gateway=gw,
        hold_minutes=int(current_app.config.get("PAYMENT_HOLD_MINUTES") or 15),
    )
    web_session[f"form-{started.payment.id}"] = [(k, v) for k, v in values.items(multi=True) if k not in ("csrf_token", "action")]
    return url_for("payments.pay", booking_id=started.booking.id)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _payment_state() -> dict[str, Any]:
        def payment_of(booking: Booking) -> payments.PaymentState | None:
            """The booking's money for the pages: None when nothing is paid by card."""
            state = payments.payment_state(get_session(), booking)
            return None if state.policy == "in_person" and state.status == "none" else state

        def payment_terms(service_id: Any, total: Any) -> payments.Terms | None:
            """What booking this service costs by card (None when cards are off or it is paid in person)."""
            if gateway() is None or not isinstance(service_id, int):
                return None
            return payments.terms(get_session(), service_id, total)

        def card_on_file_form(terms: payments.Terms | None) -> dict[str, Any] | None:
            """The review's card on file: the signed-in customer's default card and what
            Stripe.js needs to save a new one; None unless the service keeps a card on file."""
            from flask_login import current_user

            if terms is None or terms.mode != PaymentMode.CARD_ON_FILE or not current_user.is_authenticated:
                return None
            return {"default_card": payments.default_card(get_session(), current_user.user.id), **card_form_settings()}

        return {"payment_of": payment_of, "payment_terms": payment_terms, "card_payments_on": lambda: gateway() is not None,
                "card_on_file_form": card_on_file_form}
