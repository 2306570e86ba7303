"""Card payments: every rule about money taken by card lives here (issue 19).

- What a service asks for (its PaymentPolicy, or the business-wide default): pay in
  person, the full total or a deposit when booking, or a card on file charged later.
- Amounts come from the stored booking only, in the location's currency, converted to
  Stripe's minor units with Babel's precision for that currency (yen have none).
- Exactly once: each charge, fee or refund is first written as our own Payment row; its
  idempotency key is derived from that row and goes with every Stripe call made for it.
  Before calling Stripe a request claims the row (pending -> processing, one winner),
  so concurrent submits cannot create two PaymentIntents even against a Stripe stand-in
  that ignores idempotency keys. A crash between Stripe's answer and our commit is
  repaired by Stripe's webhook (handle_stripe_event) or `flask payments reconcile`.
- A booking waiting for its payment is `payment_pending`: it holds its slot (see
  SLOT_HOLDING_STATUSES) until its payment's hold_until, then release_expired_holds()
  cancels it and the slot is free.

The Stripe calls go through a gateway (app/transports/stripe.py) the caller passes in;
this module imports nothing from Flask.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from babel.numbers import get_currency_precision
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import history, notifications, webhooks
from .accounts import CARD_NEEDS_EMAIL
from .actor import Actor
from .booking.change import BookingChanges, apply_changes
from .booking.common import invalid, write_transaction
from .booking.create import create_booking, create_in_transaction
from .concurrency import begin_write
from .errors import DomainError, FieldErrors
from .inputs import BookingRequest
from .models import (
    AmountType,
    Booking,
    BookingStatus,
    Payment,
    PaymentCard,
    PaymentCustomer,
    PaymentKind,
    PaymentMode,
    PaymentPolicy,
    PaymentStatus,
    StripeEvent,
    User,
)
from .settings import load_settings

# How long one request may hold its claim on a payment row while it asks Stripe; after
# that another request (or reconcile) may take the row over, reusing its idempotency key.
CLAIM = timedelta(seconds=60)
SYSTEM = Actor.system("payments")


class PaymentDeclined(DomainError):
    """The card was declined, or the bank's check failed: nothing was charged."""

    code = "payment_declined"
    status = 402


class PaymentNotReady(DomainError):
    """The card was not saved yet, or another request is charging this payment now."""

    code = "payment_not_ready"
    status = 409


class CardDeclined(Exception):
    """Raised by the gateway: Stripe refused the card; `intent_id` is the PaymentIntent
    it left, if any."""

    def __init__(self, message: str, intent_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.intent_id = intent_id


class UnknownToStripe(LookupError):
    """Raised by the gateway: Stripe has no such object (an id sent by a browser that
    Stripe never made)."""


class Gateway(Protocol):
    """What this module asks of Stripe (app/transports/stripe.py's StripeGateway)."""

    def create_customer(self, *, email: str, name: str, key: str) -> str: ...
    def create_setup_intent(self, *, customer: str, key: str, metadata: dict[str, str]) -> Any: ...
    def retrieve_setup_intent(self, intent_id: str) -> Any: ...
    def card(self, payment_method: str) -> Any: ...
    def charge(self, *, amount: int, currency: str, customer: str, payment_method: str, key: str,
               metadata: dict[str, str], off_session: bool) -> Any: ...
    def retrieve_payment_intent(self, intent_id: str) -> Any: ...
    def payment_intents(self, limit: int = 100) -> list[Any]: ...
    def refund(self, *, payment_intent: str, amount: int, key: str, metadata: dict[str, str]) -> str: ...
    def refunds_of(self, payment_intent: str, limit: int = 100) -> list[Any]: ...


# --- money ----------------------------------------------------------------------------


def minor_units(amount: Decimal, currency: str) -> int:
    """`amount` in the currency's smallest unit, as Stripe takes it (12.50 EUR -> 1250,
    1200 JPY -> 1200), rounded half up to what the currency can express."""
    places = get_currency_precision(currency.upper())
    return int((amount * (Decimal(10) ** places)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def major_units(amount: int, currency: str) -> Decimal:
    """The inverse of minor_units: 1250 EUR cents -> Decimal('12.50')."""
    places = get_currency_precision(currency.upper())
    return (Decimal(amount) / (Decimal(10) ** places)).quantize(Decimal(1) / (Decimal(10) ** places))


def booking_currency(session: Session, booking: Booking) -> str:
    """The money the booking's location charges in: its own, or the business's."""
    return (booking.location.currency or load_settings(session).currency).upper()


# --- policy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    mode: PaymentMode
    deposit_type: AmountType = AmountType.PERCENT
    deposit_value: Decimal = Decimal("0")
    late_cancel_fee_type: AmountType = AmountType.FIXED
    late_cancel_fee_value: Decimal = Decimal("0")
    no_show_fee_type: AmountType = AmountType.FIXED
    no_show_fee_value: Decimal = Decimal("0")

    @property
    def takes_card(self) -> bool:
        return self.mode != PaymentMode.IN_PERSON

    @property
    def charges_when_booking(self) -> bool:
        return self.mode in (PaymentMode.FULL, PaymentMode.DEPOSIT)


IN_PERSON = Policy(PaymentMode.IN_PERSON)


def _policy(row: PaymentPolicy) -> Policy:
    return Policy(
        PaymentMode(row.mode), AmountType(row.deposit_type), row.deposit_value, AmountType(row.late_cancel_fee_type),
        row.late_cancel_fee_value, AmountType(row.no_show_fee_type), row.no_show_fee_value,
    )


def _policies(session: Session) -> dict[int | None, Policy]:
    """Every policy by service id (None: the default), read once per session: the table
    has at most one row per service, and a list of bookings needs them all."""
    cached = session.info.get("payment_policies")
    if cached is None:
        cached = {row.service_id: _policy(row) for row in session.scalars(select(PaymentPolicy))}
        session.info["payment_policies"] = cached
    return cached


def policy_for(session: Session, service_id: int) -> Policy:
    """The service's own policy, else the business-wide default, else pay in person."""
    policies = _policies(session)
    return policies.get(service_id) or policies.get(None) or IN_PERSON


def save_policy(session: Session, *, service_id: int | None, values: dict[str, Any]) -> PaymentPolicy:
    """Set a service's policy (service_id None: the business-wide default), checked:
    raises ValidationFailed naming each wrong field. The caller commits."""
    errors = FieldErrors()
    mode = values.get("mode", PaymentMode.IN_PERSON)
    if mode not in [m.value for m in PaymentMode]:
        errors.add("mode", f"Choose one of {', '.join(m.value for m in PaymentMode)}.")
    cleaned: dict[str, Any] = {"mode": mode}
    for name in ("deposit", "late_cancel_fee", "no_show_fee"):
        kind = values.get(f"{name}_type", AmountType.PERCENT if name == "deposit" else AmountType.FIXED)
        if kind not in [a.value for a in AmountType]:
            errors.add(f"{name}_type", "Choose percent or fixed.")
        raw = values.get(f"{name}_value", "0")
        try:
            amount = Decimal(str(raw))
            if not amount.is_finite() or amount < 0 or amount > Decimal("1000000") or amount != amount.quantize(Decimal("0.01")):
                raise ValueError
        except (ValueError, ArithmeticError):
            errors.add(f"{name}_value", "Give an amount of 0 or more with at most two decimals.")
            continue
        if kind == AmountType.PERCENT and amount > 100:
            errors.add(f"{name}_value", "A percentage is at most 100.")
        cleaned[f"{name}_type"], cleaned[f"{name}_value"] = kind, amount
    if mode == PaymentMode.DEPOSIT and cleaned.get("deposit_value") == 0:
        errors.add("deposit_value", "A deposit needs an amount above 0.")
    errors.raise_if_any("The payment policy could not be saved; check the highlighted fields.")
    row = session.scalars(
        select(PaymentPolicy).where(
            PaymentPolicy.service_id == service_id if service_id is not None else PaymentPolicy.service_id.is_(None)
        )
    ).first()
    if row is None:
        row = PaymentPolicy(service_id=service_id)
        session.add(row)
    for key, value in cleaned.items():
        setattr(row, key, value)
    session.flush()
    session.info.pop("payment_policies", None)
    return row


def _part(kind: AmountType, value: Decimal, total: Decimal) -> Decimal:
    amount = (total * value / 100) if kind == AmountType.PERCENT else value
    return min(amount, total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def due_when_booking(policy: Policy, total: Decimal) -> Decimal:
    """What the card is charged when booking: the total, the deposit (never more than
    the total), or nothing."""
    if policy.mode == PaymentMode.FULL:
        return total
    if policy.mode == PaymentMode.DEPOSIT:
        return _part(policy.deposit_type, policy.deposit_value, total)
    return Decimal("0")


def fee(policy: Policy, kind: PaymentKind, total: Decimal) -> Decimal:
    """The no-show or late-cancellation fee on a booking of `total`."""
    if kind == PaymentKind.NO_SHOW_FEE:
        return _part(policy.no_show_fee_type, policy.no_show_fee_value, total)
    return _part(policy.late_cancel_fee_type, policy.late_cancel_fee_value, total)


@dataclass(frozen=True)
class Terms:
    """What the customer is told before booking (the review) and after (the confirmation)."""

    mode: str
    due_now: Decimal
    due_later: Decimal
    no_show_fee: Decimal
    late_cancel_fee: Decimal


def terms(session: Session, service_id: int, total: Decimal) -> Terms | None:
    """The money terms of booking `service_id` at `total`; None when it is paid in person."""
    policy = policy_for(session, service_id)
    if not policy.takes_card:
        return None
    now_part = due_when_booking(policy, total)
    return Terms(policy.mode.value, now_part, total - now_part, fee(policy, PaymentKind.NO_SHOW_FEE, total),
                 fee(policy, PaymentKind.LATE_CANCEL_FEE, total))


# --- the booking's payment state -------------------------------------------------------


@dataclass(frozen=True)
class PaymentState:
    """What the booking object, its page and the back office show about its money."""

    policy: str
    status: str  # none, due, pending, authorised, paid, partially_refunded, refunded
    currency: str
    amount_paid: Decimal
    amount_due: Decimal
    refunded: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy, "status": self.status, "currency": self.currency,
            "amount_paid": str(self.amount_paid), "amount_due": str(self.amount_due), "refunded": str(self.refunded),
        }


def payment_state(session: Session, booking: Booking) -> PaymentState:
    currency = booking_currency(session, booking)
    policy = policy_for(session, booking.service_id)
    if not policy.takes_card and booking.payment_method != "stripe":
        # Paid in person, never by card: nothing to read (the common case, no query).
        return _state(booking, policy, currency, [], False)
    rows = session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)).all()
    has_card = policy.mode == PaymentMode.CARD_ON_FILE and _has_card(session, booking.customer_id)
    return _state(booking, policy, currency, list(rows), has_card)


# How many bookings one statement reads the payments of (SQLite takes at most 32766
# bound values; a CSV export of 20 000 bookings is 40 statements, not 20 000).
STATES_CHUNK = 500


def payment_states(session: Session, bookings: list[Booking]) -> dict[int, PaymentState]:
    """payment_state for many bookings (the bookings table, the CSV export): the payment
    rows of all of them in one statement per STATES_CHUNK bookings and the saved cards
    in one more, never a statement per booking. The bookings' locations should be loaded."""
    currencies = {b.id: booking_currency(session, b) for b in bookings}
    policies = {b.id: policy_for(session, b.service_id) for b in bookings}
    by_card = [b for b in bookings if policies[b.id].takes_card or b.payment_method == "stripe"]
    rows: dict[int, list[Payment]] = {b.id: [] for b in by_card}
    ids = sorted(rows)
    for i in range(0, len(ids), STATES_CHUNK):
        for payment in session.scalars(select(Payment).where(Payment.booking_id.in_(ids[i:i + STATES_CHUNK])).order_by(Payment.id)):
            rows[payment.booking_id].append(payment)
    on_file = sorted({b.customer_id for b in by_card if policies[b.id].mode == PaymentMode.CARD_ON_FILE})
    with_card: set[int] = set()
    for i in range(0, len(on_file), STATES_CHUNK):
        with_card |= set(session.scalars(select(PaymentCard.user_id).where(PaymentCard.user_id.in_(on_file[i:i + STATES_CHUNK]))))
    return {b.id: _state(b, policies[b.id], currencies[b.id], rows.get(b.id, []), b.customer_id in with_card) for b in bookings}


def _state(booking: Booking, policy: Policy, currency: str, rows: list[Payment], has_card: bool) -> PaymentState:
    """The payment state of `booking` from its payment rows (none when paid in person)."""
    paid = sum((r.amount_minor for r in rows if r.kind != PaymentKind.REFUND and r.status == PaymentStatus.SUCCEEDED), 0)
    refunded = sum((r.amount_minor for r in rows if r.kind == PaymentKind.REFUND and r.status == PaymentStatus.SUCCEEDED), 0)
    fees = sum((r.amount_minor for r in rows if r.kind in (PaymentKind.NO_SHOW_FEE, PaymentKind.LATE_CANCEL_FEE)
                and r.status == PaymentStatus.SUCCEEDED), 0)
    if not policy.takes_card and booking.payment_method != "stripe":
        zero = major_units(0, currency)
        return PaymentState(policy.mode.value, "none", currency, zero, zero, zero)
    total = minor_units(booking.total, currency)
    if booking.status == BookingStatus.CANCELLED or booking.status == BookingStatus.NO_SHOW:
        due = 0
    else:
        due = max(total - (paid - fees), 0) if policy.takes_card or paid else 0
    in_flight = any(r.status in (PaymentStatus.PENDING, PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION)
                    and r.kind != PaymentKind.REFUND for r in rows)
    if refunded and refunded >= paid:
        status = "refunded"
    elif refunded:
        status = "partially_refunded"
    elif in_flight:
        status = "pending"
    elif paid and due == 0:
        status = "paid"
    elif paid:
        status = "partially_paid"
    elif policy.mode == PaymentMode.CARD_ON_FILE and due:
        status = "authorised" if has_card else "due"
    elif due:
        status = "due"
    else:
        status = "none"
    return PaymentState(
        policy.mode.value, status, currency, major_units(paid, currency), major_units(due, currency), major_units(refunded, currency)
    )


def _has_card(session: Session, user_id: int) -> bool:
    return session.scalar(select(PaymentCard.id).where(PaymentCard.user_id == user_id).limit(1)) is not None


# --- receipts (the booking e-mails) -------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLine:
    """One charge, fee or refund as the customer reads it in an e-mail."""

    kind: str  # deposit, full, balance, no_show_fee, late_cancel_fee, refund
    amount: Decimal
    card_brand: str  # "visa"; "" when the card is not known to us
    card_last4: str
    at: datetime  # when it was made (for a refund on its way: when it was asked for)
    pending: bool  # a refund asked for and not yet made at Stripe
    reason: str


@dataclass(frozen=True)
class Receipt:
    """What the booking e-mails say about the money: what was paid, with which card and
    when; what was refunded; what is due later and how; the fees the card answers for."""

    currency: str
    policy: str
    paid: list[ReceiptLine]
    refunds: list[ReceiptLine]
    due_later: Decimal
    no_show_fee: Decimal
    late_cancel_fee: Decimal


def receipt(session: Session, booking: Booking) -> Receipt | None:
    """The booking's receipt for its e-mails; None for a booking paid in person with no
    card payment (its e-mail says "paid by cash" as before). Two statements."""
    policy = policy_for(session, booking.service_id)
    if not policy.takes_card and booking.payment_method != "stripe":
        return None
    currency = booking_currency(session, booking)
    rows = list(session.scalars(select(Payment).where(Payment.booking_id == booking.id).order_by(Payment.id)))
    methods = {r.stripe_payment_method_id for r in rows if r.stripe_payment_method_id}
    cards = {c.stripe_payment_method_id: c for c in session.scalars(
        select(PaymentCard).where(PaymentCard.stripe_payment_method_id.in_(sorted(methods))))} if methods else {}
    by_id = {r.id: r for r in rows}

    def line(row: Payment, card_of: Payment, pending: bool = False) -> ReceiptLine:
        card = cards.get(card_of.stripe_payment_method_id or "")
        return ReceiptLine(row.kind, major_units(row.amount_minor, row.currency), card.brand if card else "",
                           card.last4 if card else "", row.updated_at, pending, "" if row.reason == "notify" else row.reason)

    paid = [line(r, r) for r in rows if r.kind != PaymentKind.REFUND and r.status == PaymentStatus.SUCCEEDED]
    refunds = [line(r, by_id.get(r.refund_of_id or 0, r), pending=r.status != PaymentStatus.SUCCEEDED)
               for r in rows if r.kind == PaymentKind.REFUND and r.status != PaymentStatus.FAILED]
    state = _state(booking, policy, currency, rows, False)
    return Receipt(currency, policy.mode.value, paid, refunds, state.amount_due, fee(policy, PaymentKind.NO_SHOW_FEE, booking.total),
                   fee(policy, PaymentKind.LATE_CANCEL_FEE, booking.total))


# --- booking with a card ----------------------------------------------------------------


@dataclass(frozen=True)
class CardBooking:
    booking: Booking
    payment: Payment
    # For Stripe.js: the SetupIntent that saves the customer's card.
    setup_client_secret: str


def _write_held_booking(
    session: Session, request: BookingRequest, *, actor: Actor, now: datetime, hold_minutes: int, card: PaymentCard | None,
) -> tuple[Booking, Payment]:
    """One transaction: the booking `payment_pending` (holding its slot for `hold_minutes`)
    and the payment row for what its policy takes when booking (the card on file's id
    when one is charged). Raises what create_booking raises, and a field error on
    payment_method for a service not paid by card when booking or with nothing due."""
    request.payment_method = "stripe"
    request.card_payments = True
    request.hold_for_payment = True
    notify = request.send_notifications
    request.send_notifications = False  # the booking is announced once it is paid
    with write_transaction(session):
        result = create_in_transaction(session, request, actor=actor, now=now)
        if result.occurrences:
            raise invalid("frequency_id", "A booking paid by card when booking cannot be a recurring series.")
        booking = result.booking
        if not booking.customer.email:
            raise invalid("payment_method", CARD_NEEDS_EMAIL)
        policy = policy_for(session, booking.service_id)
        if not policy.charges_when_booking:
            raise invalid("payment_method", "This service is not paid by card when booking.")
        currency = booking_currency(session, booking)
        amount = minor_units(due_when_booking(policy, booking.total), currency)
        if amount <= 0:
            raise invalid("payment_method", "Nothing is due by card for this booking; choose cash or check.")
        kind = PaymentKind.FULL if policy.mode == PaymentMode.FULL else PaymentKind.DEPOSIT
        payment = Payment(
            booking_id=booking.id, kind=kind, status=PaymentStatus.PENDING, amount_minor=amount, currency=currency,
            idempotency_key=new_key(f"booking-{booking.id}-{kind.value}"), hold_until=now + timedelta(minutes=hold_minutes),
            stripe_payment_method_id=card.stripe_payment_method_id if card is not None else None,
            reason="notify" if notify else "", created_at=now, updated_at=now,
        )
        session.add(payment)
    return booking, payment


def book_with_card(
    session: Session, request: BookingRequest, *, actor: Actor, now: datetime, gateway: Gateway, hold_minutes: int,
) -> CardBooking:
    """Book a service whose policy takes a payment when booking, from the booking form:
    the held booking and its payment row, then a SetupIntent for Stripe.js to save the
    card with; settle() charges it."""
    booking, payment = _write_held_booking(session, request, actor=actor, now=now, hold_minutes=hold_minutes, card=None)
    customer = session.get(User, booking.customer_id)
    assert customer is not None
    stripe_customer = ensure_stripe_customer(session, customer, gateway)
    intent = gateway.create_setup_intent(customer=stripe_customer, key=f"{payment.idempotency_key}-setup", metadata=_metadata(payment))
    with write_transaction(session):
        payment.stripe_setup_intent_id = intent.id
    return CardBooking(booking, payment, intent.client_secret)


def default_card(session: Session, user_id: int) -> PaymentCard | None:
    return session.scalars(
        select(PaymentCard).where(PaymentCard.user_id == user_id).order_by(PaymentCard.is_default.desc(), PaymentCard.id)
    ).first()


NO_CARD = "Pay by card needs a card saved on your account (Payment methods); or choose cash or check."


def book_with_saved_card(
    session: Session, request: BookingRequest, *, actor: Actor, now: datetime, gateway: Gateway, hold_minutes: int,
) -> Booking:
    """`payment_method: "stripe"` from the customer API (Launch27): the booking goes
    against the customer's saved (default) card. A service that takes a payment when
    booking is charged now, off-session, once; a card-on-file service is charged when
    completed. Without a saved card: a validation error naming payment_method. A decline
    books nothing (PaymentDeclined, naming payment_method)."""
    customer_id = actor.id if actor.is_customer else request.customer_id
    card = default_card(session, customer_id) if isinstance(customer_id, int) else None
    if card is None:
        raise invalid("payment_method", NO_CARD)
    services = request.services or []
    service_id = getattr(services[0], "id", None) if services else None
    if not isinstance(service_id, int) or not policy_for(session, service_id).charges_when_booking:
        request.payment_method = "stripe"
        request.card_payments = True
        return create_booking(session, request, actor=actor, now=now).booking
    booking, payment = _write_held_booking(session, request, actor=actor, now=now, hold_minutes=hold_minutes, card=card)
    outcome = settle(session, payment.id, gateway=gateway, now=now, actor=actor)
    if outcome.status == "failed":
        raise PaymentDeclined(outcome.message, {"payment_method": outcome.message})
    session.refresh(booking)
    return booking


def pay_with_saved_card(session: Session, payment_id: int, card_id: object, *, customer_id: int, gateway: Gateway,
                        now: datetime, actor: Actor = SYSTEM) -> Settled:
    """The card step with a card already on the customer's account (Launch27's and
    Square's "card on file"): the held booking's payment is charged to that card, once,
    as `settle` charges a new one. Another customer's card, or a payment already under
    way with a card, is refused (ValidationFailed naming `card`)."""
    card = session.get(PaymentCard, card_id) if isinstance(card_id, int) else None
    if card is None or card.user_id != customer_id:
        raise invalid("card", "Choose one of your saved cards.")
    with write_transaction(session):
        payment = session.get(Payment, payment_id, with_for_update=True)
        if payment is None:
            raise PaymentNotReady("There is no such payment.")
        fresh = payment.status == PaymentStatus.PENDING and not payment.stripe_payment_intent_id
        if fresh and payment.stripe_payment_method_id in (None, card.stripe_payment_method_id):
            payment.stripe_payment_method_id = card.stripe_payment_method_id
            payment.updated_at = now
        elif payment.stripe_payment_method_id != card.stripe_payment_method_id:
            raise invalid("card", "This payment is already under way with another card.")
    return settle(session, payment_id, gateway=gateway, now=now, actor=actor)


NEW_CARD_NEEDED = "This service is charged to a card on file after the visit: enter your card below."


def ready_card_on_file(session: Session, request: BookingRequest, customer: User, *, setup_intent_id: Any, new_card: bool,
                       gateway: Gateway, now: datetime) -> PaymentCard:
    """The booking form's card on file (a service charged after the visit): the card
    Stripe.js has just saved, kept as Payment methods keeps one (`finish_saving_card`)
    and made the default, since the after-visit charges take the default card; or, when
    no new card is asked for, the default card already saved. Marks the request as paid
    by card (`stripe`); nothing is charged now. Raises ValidationFailed naming
    payment_method (no card, or a SetupIntent that is not this customer's or did not
    succeed); the card is read from Stripe, never from the browser."""
    if setup_intent_id:
        try:
            card = finish_saving_card(session, customer, setup_intent_id, gateway=gateway, now=now)
        except DomainError as refused:
            raise invalid("payment_method", str(refused.details.get("card", refused.message))) from None
        make_default_card(session, customer.id, card.id)
    else:
        found = None if new_card else default_card(session, customer.id)
        if found is None:
            raise invalid("payment_method", NEW_CARD_NEEDED)
        card = found
    request.payment_method = "stripe"
    request.card_payments = True
    return card


def new_key(prefix: str) -> str:
    """A payment row's idempotency key: its booking and purpose, plus a random part so
    that two portals (or two test databases) sharing one Stripe account never reuse one.
    Written once with the row; every Stripe call for the row derives its key from it."""
    return f"{prefix}-{secrets.token_urlsafe(12)}"


def _charge_card_on_file(session: Session, payment: Payment, gateway: Any) -> Any:
    """Charge a card already on file (the API, or a charge after the visit) off-session,
    under the payment row's own idempotency key."""
    booking = session.get(Booking, payment.booking_id)
    assert booking is not None
    return gateway.charge(
        amount=payment.amount_minor, currency=payment.currency, customer=ensure_stripe_customer(session, booking.customer, gateway),
        payment_method=payment.stripe_payment_method_id, key=payment.idempotency_key, metadata=_metadata(payment),
        off_session=True,
    )


def _metadata(payment: Payment) -> dict[str, str]:
    """What a PaymentIntent carries back to us: our row, found again by reconcile."""
    return {"payment_id": str(payment.id), "booking_id": str(payment.booking_id), "payment_key": payment.idempotency_key}


def ensure_stripe_customer(session: Session, user: User, gateway: Gateway) -> str:
    """The customer's Stripe customer id, created once (the key is derived from the user)."""
    row = session.get(PaymentCustomer, user.id)
    if row is not None:
        return row.stripe_customer_id
    if not user.email:
        raise invalid("payment_method", CARD_NEEDS_EMAIL)
    name = f"{user.first_name} {user.last_name}".strip()
    customer_id = gateway.create_customer(email=user.email, name=name, key=new_key(f"customer-{user.id}"))
    with write_transaction(session):
        if session.get(PaymentCustomer, user.id) is None:
            session.add(PaymentCustomer(user_id=user.id, stripe_customer_id=customer_id))
    return session.get(PaymentCustomer, user.id).stripe_customer_id  # type: ignore[union-attr]


@dataclass(frozen=True)
class Settled:
    payment: Payment
    status: str  # succeeded, requires_action, failed, processing
    client_secret: str = ""  # for Stripe.js's 3-D Secure step (requires_action)
    message: str = ""


def _claim(session: Session, payment_id: int, now: datetime) -> bool:
    """Take the row for this request: one winner among concurrent requests."""
    with write_transaction(session):
        begin_write(session)
        claimed = session.execute(
            update(Payment)
            .where(
                Payment.id == payment_id,
                Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PROCESSING]),
                (Payment.status != PaymentStatus.PROCESSING) | (Payment.claimed_until < now),
            )
            .values(status=PaymentStatus.PROCESSING, claimed_until=now + CLAIM, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    return claimed == 1


def settle(session: Session, payment_id: int, *, gateway: Gateway, now: datetime, actor: Actor = SYSTEM) -> Settled:
    """Charge a booking's payment with the card its SetupIntent saved, or look at the
    PaymentIntent again after 3-D Secure, and bring our rows to what Stripe says.
    Never trusts the browser: the state is read from Stripe. Safe to call repeatedly
    and concurrently; the card is charged at most once."""
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise PaymentNotReady("There is no such payment.")
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELLED):
        return Settled(payment, payment.status, message=payment.failure_message)
    if not _claim(session, payment.id, now):
        session.refresh(payment)
        if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELLED):
            return Settled(payment, payment.status, message=payment.failure_message)
        return Settled(payment, "processing")
    session.refresh(payment)
    try:
        if payment.stripe_payment_intent_id:
            intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
        elif payment.stripe_payment_method_id:
            intent = _charge_card_on_file(session, payment, gateway)
        else:
            setup = gateway.retrieve_setup_intent(payment.stripe_setup_intent_id or "")
            if setup.status != "succeeded" or not setup.payment_method:
                _unclaim(session, payment, now)
                raise PaymentNotReady("The card has not been saved yet.", {"card": "Enter your card details."})
            booking = session.get(Booking, payment.booking_id)
            assert booking is not None
            save_card(session, booking.customer_id, setup.payment_method, gateway, now)
            customer = ensure_stripe_customer(session, booking.customer, gateway)
            intent = gateway.charge(
                amount=payment.amount_minor, currency=payment.currency, customer=customer, payment_method=setup.payment_method,
                key=payment.idempotency_key, metadata=_metadata(payment),
                off_session=False,
            )
    except CardDeclined as exc:
        return _record_failure(session, payment, exc.message, exc.intent_id, actor, now)
    return apply_intent(session, payment, intent, actor=actor, now=now)


def _unclaim(session: Session, payment: Payment, now: datetime) -> None:
    with write_transaction(session):
        payment.status = PaymentStatus.PENDING
        payment.claimed_until = None
        payment.updated_at = now


def save_card(session: Session, user_id: int, payment_method: str, gateway: Gateway, now: datetime) -> PaymentCard:
    """Keep a card Stripe saved for the customer (brand and last four); the first is the default."""
    existing = session.scalars(select(PaymentCard).where(PaymentCard.stripe_payment_method_id == payment_method)).first()
    if existing is not None:
        return existing
    card = gateway.card(payment_method)
    with write_transaction(session):
        first = not _has_card(session, user_id)
        row = PaymentCard(
            user_id=user_id, stripe_payment_method_id=payment_method, brand=card.brand, last4=card.last4,
            exp_month=card.exp_month, exp_year=card.exp_year, is_default=first, created_at=now,
        )
        session.add(row)
    return row


def apply_intent(session: Session, payment: Payment, intent: Any, *, actor: Actor = SYSTEM, now: datetime) -> Settled:
    """Write what a PaymentIntent says onto our payment and its booking (from settle,
    a Stripe webhook or reconcile). Changes nothing the second time."""
    if intent.status == "succeeded":
        return _record_success(session, payment, intent.id, actor, now, payment_method=intent.payment_method)
    if intent.status in ("requires_action", "requires_confirmation"):
        with write_transaction(session):
            payment.status = PaymentStatus.REQUIRES_ACTION
            payment.stripe_payment_intent_id = intent.id
            payment.claimed_until = None
            payment.updated_at = now
        return Settled(payment, "requires_action", client_secret=intent.client_secret)
    if intent.status in ("requires_payment_method", "canceled"):
        return _record_failure(session, payment, intent.error or "The card was not charged.", intent.id, actor, now)
    # processing: Stripe will tell us through its webhook.
    with write_transaction(session):
        payment.stripe_payment_intent_id = intent.id
        payment.claimed_until = None
    return Settled(payment, "processing")


def _record_success(session: Session, payment: Payment, intent_id: str, actor: Actor, now: datetime, *,
                    payment_method: str | None = None) -> Settled:
    with write_transaction(session):
        begin_write(session)
        session.refresh(payment)
        if payment.status == PaymentStatus.SUCCEEDED:
            return Settled(payment, "succeeded")
        late = payment.status == PaymentStatus.CANCELLED  # paid after its hold ran out and the slot went
        payment.status = PaymentStatus.SUCCEEDED
        payment.stripe_payment_intent_id = intent_id
        # The card it was paid with, for the receipt (a card entered on the booking form is
        # known only from the PaymentIntent). Set once settled, so reconcile never charges
        # a card-on-file row again because of it.
        payment.stripe_payment_method_id = payment.stripe_payment_method_id or payment_method
        payment.claimed_until = None
        payment.hold_until = None
        payment.failure_message = ""
        payment.updated_at = now
        booking = session.get(Booking, payment.booking_id)
        assert booking is not None
        amount = major_units(payment.amount_minor, payment.currency)
        history.record(session, booking, actor=actor, now=now, action="payment",
                       changes={payment.kind: (None, f"{amount} {payment.currency} paid")})
        webhooks.payment_event(session, "payment.succeeded", payment_payload(payment), now)
        if late:
            # The booking was released: give the money back (made by process_queued).
            _queue_refund(session, payment, payment.amount_minor, "Paid after the booking's hold ran out", now)
        elif booking.status == BookingStatus.PAYMENT_PENDING:
            apply_changes(session, booking, BookingChanges(status=BookingStatus.PENDING), SYSTEM, now, notify=False)
            if payment.reason == "notify":
                notifications.queue_booking_message(session, booking, "booking.created", now)
    return Settled(payment, "succeeded")


def _record_failure(
    session: Session, payment: Payment, message: str, intent_id: str | None, actor: Actor, now: datetime
) -> Settled:
    with write_transaction(session):
        begin_write(session)
        session.refresh(payment)
        if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
            return Settled(payment, payment.status, message=payment.failure_message)
        payment.status = PaymentStatus.FAILED
        if intent_id:
            payment.stripe_payment_intent_id = intent_id
        payment.failure_message = message[:255]
        payment.claimed_until = None
        payment.hold_until = None
        payment.updated_at = now
        booking = session.get(Booking, payment.booking_id)
        assert booking is not None
        history.record(session, booking, actor=actor, now=now, action="payment",
                       changes={payment.kind: (None, f"declined: {payment.failure_message}")})
        webhooks.payment_event(session, "payment.failed", payment_payload(payment), now)
        if booking.status == BookingStatus.PAYMENT_PENDING:
            # Nothing is booked without its payment: the slot is free again.
            apply_changes(session, booking, BookingChanges(status=BookingStatus.CANCELLED, reason="The card payment failed."),
                          SYSTEM, now, notify=False)
    return Settled(payment, "failed", message=payment.failure_message)


def payment_payload(payment: Payment) -> dict[str, Any]:
    """The `data` of our own payment.* webhook events."""
    return {
        "id": payment.id, "booking_id": payment.booking_id, "kind": payment.kind, "status": payment.status,
        "amount": str(major_units(payment.amount_minor, payment.currency)), "currency": payment.currency,
        "reason": "" if payment.reason == "notify" else payment.reason,
    }


# --- holds, Stripe's webhooks and reconcile ----------------------------------------------


def release_expired_holds(session: Session, *, now: datetime, limit: int = 100) -> int:
    """Cancel the bookings whose payment did not arrive in time, so their slots are free.
    Bounded per call; the worker calls it every round."""
    rows = session.execute(
        select(Payment.id, Payment.booking_id)
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Booking.status == BookingStatus.PAYMENT_PENDING, Payment.hold_until < now,
               Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION]))
        .order_by(Payment.hold_until)
        .limit(limit)
    ).all()
    released = 0
    for payment_id, booking_id in rows:
        with write_transaction(session):
            begin_write(session)
            payment = session.get(Payment, payment_id)
            booking = session.get(Booking, booking_id)
            if payment is None or booking is None or booking.status != BookingStatus.PAYMENT_PENDING:
                continue
            if payment.status not in (PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION):
                continue
            payment.status = PaymentStatus.CANCELLED
            payment.updated_at = now
            apply_changes(session, booking, BookingChanges(status=BookingStatus.CANCELLED, reason="The payment did not arrive in time."),
                          SYSTEM, now, notify=False)
            released += 1
    return released


def handle_stripe_event(session: Session, event: dict[str, Any], *, gateway: Gateway, now: datetime) -> bool:
    """Bring our rows to what a (signature-checked) Stripe event says. Each event counts
    once: a replay answers False and changes nothing. The PaymentIntent is read again
    from Stripe rather than taken from the event."""
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id:
        return False
    with write_transaction(session):
        if session.get(StripeEvent, event_id) is not None:
            return False
        session.add(StripeEvent(id=event_id, type=kind[:64], received_at=now))
    obj = (event.get("data") or {}).get("object") or {}
    if kind.startswith("payment_intent.") and obj.get("id"):
        payment = _payment_for_intent(session, str(obj["id"]), (obj.get("metadata") or {}).get("payment_key"))
        if payment is not None and payment.status != PaymentStatus.SUCCEEDED:
            apply_intent(session, payment, gateway.retrieve_payment_intent(str(obj["id"])), now=now)
    return True


def _payment_for_intent(session: Session, intent_id: str, payment_key: Any) -> Payment | None:
    payment = session.scalars(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).first()
    if payment is None and isinstance(payment_key, str):
        payment = session.scalars(select(Payment).where(Payment.idempotency_key == payment_key[:64])).first()
    return payment


def reconcile(session: Session, *, gateway: Gateway, now: datetime, limit: int = 100) -> int:
    """Repair payments whose outcome we did not record (a crash between Stripe's answer
    and our commit, a lost webhook): each unsettled payment is compared with Stripe's
    PaymentIntent, found by its id or by our payment id in its metadata; and refunds left
    unrecorded (reconcile_refunds). Returns how many changed."""
    refunds = reconcile_refunds(session, gateway=gateway, now=now, limit=limit)
    open_rows = session.scalars(
        select(Payment)
        .where(Payment.kind != PaymentKind.REFUND,
               Payment.status.in_([PaymentStatus.PROCESSING, PaymentStatus.REQUIRES_ACTION, PaymentStatus.PENDING]))
        .order_by(Payment.id).limit(limit)
    ).all()
    if not open_rows:
        return refunds
    by_payment: dict[str, Any] = {}
    if any(not p.stripe_payment_intent_id for p in open_rows):
        by_payment = {(i.metadata or {}).get("payment_key"): i for i in gateway.payment_intents(limit=100)}
    changed = 0
    for payment in open_rows:
        if payment.stripe_payment_intent_id:
            intent = gateway.retrieve_payment_intent(payment.stripe_payment_intent_id)
        elif payment.stripe_payment_method_id:
            intent = _charge_card_on_file(session, payment, gateway)
        else:
            intent = by_payment.get(payment.idempotency_key)
            if intent is None:
                continue
        before = payment.status
        apply_intent(session, payment, intent, now=now)
        changed += payment.status != before
    return changed + refunds


# --- after the visit: card on file, fees, refunds -------------------------------------------

AFTER_VISIT_KINDS = (PaymentKind.BALANCE, PaymentKind.NO_SHOW_FEE, PaymentKind.LATE_CANCEL_FEE)


def _charges(session: Session, booking_id: int) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.booking_id == booking_id).order_by(Payment.id)))


def _paid_minor(rows: list[Payment]) -> int:
    return sum(r.amount_minor for r in rows if r.kind != PaymentKind.REFUND and r.status == PaymentStatus.SUCCEEDED)


def _refunded_minor(rows: list[Payment], of: int | None = None) -> int:
    return sum(r.amount_minor for r in rows if r.kind == PaymentKind.REFUND and r.status != PaymentStatus.FAILED
               and (of is None or r.refund_of_id == of))


def _queue_charge(session: Session, booking: Booking, kind: PaymentKind, amount: int, reason: str, now: datetime) -> Payment | None:
    """A charge of the saved card, written now and made after commit (process_queued).
    None when there is nothing to charge, no card, or it was queued already."""
    card = default_card(session, booking.customer_id)
    rows = _charges(session, booking.id)
    if amount <= 0 or card is None or any(r.kind == kind for r in rows):
        return None
    payment = Payment(
        booking_id=booking.id, kind=kind, status=PaymentStatus.PENDING, amount_minor=amount, currency=booking_currency(session, booking),
        idempotency_key=new_key(f"booking-{booking.id}-{kind.value}"), stripe_payment_method_id=card.stripe_payment_method_id,
        reason=reason[:255], created_at=now, updated_at=now,
    )
    session.add(payment)
    session.flush()
    return payment


def queue_for_status_change(session: Session, booking: Booking, before: str, *, actor: Actor, now: datetime) -> list[Payment]:
    """What a status change means for the money, written in the change's transaction:
    completed with a card on file -> the rest of the total; no-show -> the no-show fee;
    cancelled before the cut-off -> everything paid refunded; cancelled inside it (not by
    payments itself) -> the late-cancellation fee. Charges go to the saved card."""
    policy = policy_for(session, booking.service_id)
    if not policy.takes_card and booking.payment_method != "stripe":
        return []
    currency = booking_currency(session, booking)
    total = minor_units(booking.total, currency)
    rows = _charges(session, booking.id)
    queued: list[Payment | None] = []
    if booking.status == BookingStatus.COMPLETED and policy.mode == PaymentMode.CARD_ON_FILE:
        queued.append(_queue_charge(session, booking, PaymentKind.BALANCE, total - _paid_minor(rows), "Charged when completed", now))
    elif booking.status == BookingStatus.NO_SHOW:
        queued.append(_queue_charge(session, booking, PaymentKind.NO_SHOW_FEE,
                                    minor_units(fee(policy, PaymentKind.NO_SHOW_FEE, booking.total), currency), "No-show fee", now))
    elif booking.status == BookingStatus.CANCELLED and before != BookingStatus.PAYMENT_PENDING:
        cutoff = booking.start_at - timedelta(hours=load_settings(session).cancellation_cutoff_hours)
        if now < cutoff:
            for charge in rows:
                if charge.kind != PaymentKind.REFUND and charge.status == PaymentStatus.SUCCEEDED:
                    left = charge.amount_minor - _refunded_minor(rows, charge.id)
                    if left > 0:
                        queued.append(_queue_refund(session, charge, left, "Cancelled before the cut-off", now))
        elif actor.kind != "system":
            queued.append(_queue_charge(session, booking, PaymentKind.LATE_CANCEL_FEE,
                                        minor_units(fee(policy, PaymentKind.LATE_CANCEL_FEE, booking.total), currency),
                                        "Late-cancellation fee", now))
    return [p for p in queued if p is not None]


def _queue_refund(session: Session, charge: Payment, amount: int, reason: str, now: datetime) -> Payment:
    refund = Payment(
        booking_id=charge.booking_id, kind=PaymentKind.REFUND, status=PaymentStatus.PENDING, amount_minor=amount, currency=charge.currency,
        idempotency_key=new_key(f"refund-{charge.id}"), refund_of_id=charge.id, reason=reason[:255], created_at=now, updated_at=now,
    )
    session.add(refund)
    session.flush()
    return refund


def refund(session: Session, booking_id: int, *, amount: Any, reason: Any, actor: Actor, now: datetime, gateway: Gateway) -> list[Payment]:
    """Staff give money back: `amount` (None: everything still refundable) with a reason,
    from the booking's card charges, never more than was paid. Raises ValidationFailed
    naming amount or reason."""
    errors = FieldErrors()
    text = reason.strip() if isinstance(reason, str) else ""
    if not text or len(text) > 255:
        errors.add("reason", "Say why (at most 255 characters).")
    with write_transaction(session):
        begin_write(session)
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise invalid("booking_id", "There is no such booking.")
        rows = _charges(session, booking.id)
        currency = booking_currency(session, booking)
        refundable = _paid_minor(rows) - _refunded_minor(rows)
        wanted = refundable
        if amount not in (None, ""):
            try:
                wanted = minor_units(Decimal(str(amount)), currency)
                if Decimal(str(amount)) <= 0 or not Decimal(str(amount)).is_finite():
                    raise ValueError
            except (ValueError, ArithmeticError):
                errors.add("amount", "Give an amount above 0.")
        if not errors and (wanted <= 0 or wanted > refundable):
            errors.add("amount", f"At most {major_units(max(refundable, 0), currency)} {currency} can be refunded.")
        errors.raise_if_any("The refund could not be made; check the highlighted fields.")
        made: list[Payment] = []
        for charge in rows:
            if wanted <= 0:
                break
            if charge.kind == PaymentKind.REFUND or charge.status != PaymentStatus.SUCCEEDED:
                continue
            part = min(wanted, charge.amount_minor - _refunded_minor(rows + made, charge.id))
            if part > 0:
                made.append(_queue_refund(session, charge, part, text, now))
                wanted -= part
    process_queued(session, booking_id=booking_id, gateway=gateway, now=now, actor=actor)
    return made


def charge_balance(session: Session, booking_id: int, *, actor: Actor, now: datetime, gateway: Gateway) -> Payment:
    """Staff charge what is still due to the saved card. Raises ValidationFailed."""
    with write_transaction(session):
        begin_write(session)
        booking = session.get(Booking, booking_id)
        if booking is None:
            raise invalid("booking_id", "There is no such booking.")
        if not booking.customer.email:
            raise invalid("payment_method", CARD_NEEDS_EMAIL)
        if default_card(session, booking.customer_id) is None:
            raise invalid("payment_method", "The customer has no card saved.")
        rows = _charges(session, booking.id)
        due = minor_units(booking.total, booking_currency(session, booking)) - _paid_minor(rows)
        if any(r.kind == PaymentKind.BALANCE for r in rows) or due <= 0:
            raise invalid("amount", "Nothing is due on this booking.")
        payment = _queue_charge(session, booking, PaymentKind.BALANCE, due, "Balance charged by staff", now)
        assert payment is not None
    process_queued(session, booking_id=booking_id, gateway=gateway, now=now, actor=actor)
    session.refresh(payment)
    return payment


def charge_no_show_fee(session: Session, booking_id: int, *, actor: Actor, now: datetime, gateway: Gateway) -> Payment:
    """Staff charge the no-show fee of a booking marked no-show (once)."""
    with write_transaction(session):
        begin_write(session)
        booking = session.get(Booking, booking_id)
        if booking is None or booking.status != BookingStatus.NO_SHOW:
            raise invalid("status", "Only a booking marked no-show has a no-show fee.")
        if not booking.customer.email:
            raise invalid("payment_method", CARD_NEEDS_EMAIL)
        policy = policy_for(session, booking.service_id)
        currency = booking_currency(session, booking)
        payment = _queue_charge(session, booking, PaymentKind.NO_SHOW_FEE,
                                minor_units(fee(policy, PaymentKind.NO_SHOW_FEE, booking.total), currency), "No-show fee", now)
        if payment is None:
            raise invalid("payment_method", "There is no fee to charge, no card saved, or it was charged already.")
    process_queued(session, booking_id=booking_id, gateway=gateway, now=now, actor=actor)
    session.refresh(payment)
    return payment


def process_queued(session: Session, *, gateway: Gateway, now: datetime, booking_id: int | None = None,
                   actor: Actor = SYSTEM, limit: int = 100) -> int:
    """Make the charges and refunds written by queue_for_status_change, refund() and the
    staff actions: each row once (its claim and idempotency key). Returns how many ran.
    Called right after the change, and by the worker for anything left over."""
    query = select(Payment.id).where(
        Payment.status == PaymentStatus.PENDING,
        Payment.kind.in_([*AFTER_VISIT_KINDS, PaymentKind.REFUND]),
    )
    if booking_id is not None:
        query = query.where(Payment.booking_id == booking_id)
    ids = list(session.scalars(query.order_by(Payment.id).limit(limit)))
    for payment_id in ids:
        payment = session.get(Payment, payment_id)
        assert payment is not None
        if payment.kind == PaymentKind.REFUND:
            _make_refund(session, payment, gateway=gateway, now=now, actor=actor)
        else:
            settle(session, payment.id, gateway=gateway, now=now, actor=actor)
    return len(ids)


def _make_refund(session: Session, refund_row: Payment, *, gateway: Gateway, now: datetime, actor: Actor,
                 resumed: bool = False) -> bool:
    """Make one refund row at Stripe and record it; False when another request holds it.
    `resumed`: the row was started before and not recorded (reconcile), so Stripe is
    asked first whether a refund carrying its key exists: that one is recorded rather
    than a second made (localstripe ignores idempotency keys; Stripe keeps them a day)."""
    if not _claim(session, refund_row.id, now):
        return False
    session.refresh(refund_row)
    charge = session.get(Payment, refund_row.refund_of_id)
    assert charge is not None and charge.stripe_payment_intent_id
    made = None
    if resumed:
        made = next((r.id for r in gateway.refunds_of(charge.stripe_payment_intent_id)
                     if (r.metadata or {}).get("payment_key") == refund_row.idempotency_key), None)
    # A retry sends the row's own idempotency key again: Stripe answers with the refund
    # it made for it, if any, instead of refunding twice.
    refund_id = made or gateway.refund(payment_intent=charge.stripe_payment_intent_id, amount=refund_row.amount_minor,
                                       key=refund_row.idempotency_key, metadata=_metadata(refund_row))
    with write_transaction(session):
        begin_write(session)
        session.refresh(refund_row)
        if refund_row.status == PaymentStatus.SUCCEEDED:
            return True  # recorded meanwhile (a concurrent reconcile): once is enough
        refund_row.status = PaymentStatus.SUCCEEDED
        refund_row.stripe_refund_id = refund_id
        refund_row.claimed_until = None
        refund_row.updated_at = now
        booking = session.get(Booking, refund_row.booking_id)
        assert booking is not None
        amount = major_units(refund_row.amount_minor, refund_row.currency)
        history.record(session, booking, actor=actor, now=now, action="payment",
                       changes={"refund": (None, f"{amount} {refund_row.currency} refunded: {refund_row.reason}")})
        webhooks.payment_event(session, "payment.refunded", payment_payload(refund_row), now)
        # The customer's receipt for the money given back (its e-mail lists every refund).
        notifications.queue_booking_message(session, booking, "booking.refunded", now)
    return True


def reconcile_refunds(session: Session, *, gateway: Gateway, now: datetime, limit: int = 100) -> int:
    """Repair refunds started but not recorded (a crash between Stripe's answer and our
    commit leaves the row `processing` after its claim runs out): each is looked up at
    Stripe by its key and recorded, or made again under the same idempotency key.
    Returns how many were recorded. Running it again changes nothing."""
    stuck = list(session.scalars(
        select(Payment.id).where(Payment.kind == PaymentKind.REFUND, Payment.status == PaymentStatus.PROCESSING,
                                 Payment.claimed_until < now)
        .order_by(Payment.id).limit(limit)
    ))
    repaired = 0
    for payment_id in stuck:
        row = session.get(Payment, payment_id)
        assert row is not None
        repaired += _make_refund(session, row, gateway=gateway, now=now, actor=SYSTEM, resumed=True)
    return repaired


# --- the customer's saved cards (Payment methods) -------------------------------------------


def start_saving_card(session: Session, user: User, *, gateway: Gateway) -> str:
    """A SetupIntent for Stripe.js to save a card to the customer with; its client secret."""
    customer = ensure_stripe_customer(session, user, gateway)
    intent = gateway.create_setup_intent(customer=customer, key=new_key(f"card-{user.id}"), metadata={"user_id": str(user.id)})
    return intent.client_secret


def finish_saving_card(session: Session, user: User, setup_intent_id: Any, *, gateway: Gateway, now: datetime) -> PaymentCard:
    """Keep the card a SetupIntent saved, read from Stripe (not from the browser), once it
    is the customer's own. Raises ValidationFailed naming `card`."""
    if not isinstance(setup_intent_id, str) or not setup_intent_id.startswith("seti_") or len(setup_intent_id) > 64:
        raise invalid("card", "The card was not saved; please enter it again.")
    try:
        intent = gateway.retrieve_setup_intent(setup_intent_id)
    except UnknownToStripe:
        raise invalid("card", "The card was not saved; please enter it again.") from None
    if (intent.metadata or {}).get("user_id") != str(user.id):
        raise invalid("card", "The card was not saved; please enter it again.")
    if intent.status != "succeeded" or not intent.payment_method:
        raise invalid("card", intent.error or "The card was not saved; please enter it again.")
    return save_card(session, user.id, intent.payment_method, gateway, now)


def _own_card(session: Session, user_id: int, card_id: Any) -> PaymentCard:
    card = session.get(PaymentCard, card_id) if isinstance(card_id, int) else None
    if card is None or card.user_id != user_id:
        raise invalid("card", "There is no such card on your account.")
    return card


def remove_card(session: Session, user_id: int, card_id: Any) -> None:
    """Forget a saved card; the oldest remaining one becomes the default if it was."""
    with write_transaction(session):
        card = _own_card(session, user_id, card_id)
        was_default = card.is_default
        session.delete(card)
        session.flush()
        if was_default:
            following = session.scalars(select(PaymentCard).where(PaymentCard.user_id == user_id).order_by(PaymentCard.id)).first()
            if following is not None:
                following.is_default = True


def make_default_card(session: Session, user_id: int, card_id: Any) -> None:
    with write_transaction(session):
        chosen = _own_card(session, user_id, card_id)
        for card in session.scalars(select(PaymentCard).where(PaymentCard.user_id == user_id)):
            card.is_default = card.id == chosen.id


def cards_of(session: Session, user_id: int) -> list[PaymentCard]:
    """A customer's saved cards, the default first (a handful at most)."""
    return list(session.scalars(
        select(PaymentCard).where(PaymentCard.user_id == user_id).order_by(PaymentCard.is_default.desc(), PaymentCard.id).limit(20)
    ))
