"""The payments domain against a real localstripe: amounts in minor units, deposits held
and settled, declines releasing the slot, 3-D Secure, holds running out, exactly once."""
from __future__ import annotations

import json
import threading
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain.actor import Actor
from app.domain.availability import plan_day
from app.domain.booking import create_booking
from app.domain.errors import SlotUnavailable, ValidationFailed
from app.domain.models import Booking, BookingEvent, Payment, PaymentCard, WebhookDelivery
from app.domain import payments
from app.domain.payments import minor_units, major_units
from tests import builders as b
from tests.payments.conftest import confirm_setup, intents_for

DAY = "2026-11-24"


def book(session, svc, customer, now, gateway, at="10:00", hold=15):
    request = b.request(svc.id, day=DAY, at=at, customer_id=customer.id)
    return payments.book_with_card(session, request, actor=b.customer_actor(customer), now=now, gateway=gateway, hold_minutes=hold)


@pytest.mark.parametrize(("amount", "currency", "minor", "back"), [
    ("12.50", "EUR", 1250, "12.50"), ("12.505", "EUR", 1251, "12.51"), ("1200", "JPY", 1200, "1200"),
    ("1199.6", "JPY", 1200, "1200"), ("1.234", "KWD", 1234, "1.234"),
])
def test_minor_units_follow_the_currency(amount, currency, minor, back):
    assert minor_units(Decimal(amount), currency) == minor
    assert str(major_units(minor, currency)) == back


def test_a_deposit_booking_holds_its_slot_until_paid_then_is_pending(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway)
    booking, payment = started.booking, started.payment
    assert booking.status == "payment_pending"
    assert (payment.kind, payment.amount_minor, payment.currency) == ("deposit", 2000, "EUR")
    assert payment.hold_until == now + timedelta(minutes=15)
    assert started.setup_client_secret.startswith(payment.stripe_setup_intent_id + "_secret_")
    # The slot is taken while the payment is awaited: nobody else can book it.
    other = b.customer(session, "other@example.com")
    session.commit()
    with pytest.raises(SlotUnavailable):
        create_booking(session, b.request(svc.id, day=DAY, at="10:00", customer_id=other.id), actor=b.STAFF, now=now)

    confirm_setup(gateway, payment.stripe_setup_intent_id, "ok")
    settled = payments.settle(session, payment.id, gateway=gateway, now=now)
    assert settled.status == "succeeded"
    session.refresh(booking)
    assert booking.status == "pending"
    state = payments.payment_state(session, booking)
    assert state.as_dict() == {"policy": "deposit", "status": "partially_paid", "currency": "EUR",
                               "amount_paid": "20.00", "amount_due": "80.00", "refunded": "0.00"}
    [intent] = intents_for(gateway, payment)
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 2000, "eur")
    card = session.scalars(select(PaymentCard).where(PaymentCard.user_id == customer.id)).one()
    assert (card.brand, card.last4, card.is_default) == ("visa", "4242", True)
    actions = [e.action for e in session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id))]
    assert actions == ["created", "payment", "status"]
    # Settling again changes nothing and charges nothing.
    assert payments.settle(session, payment.id, gateway=gateway, now=now).status == "succeeded"
    assert len(intents_for(gateway, payment)) == 1


def test_a_card_declined_when_charged_books_nothing_and_frees_the_slot(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway)
    confirm_setup(gateway, started.payment.stripe_setup_intent_id, "declined_when_charged")
    settled = payments.settle(session, started.payment.id, gateway=gateway, now=now)
    assert settled.status == "failed" and "declined" in settled.message
    session.refresh(started.booking)
    assert started.booking.status == "cancelled"
    # The slot is free again: another customer books it.
    other = b.customer(session, "other@example.com")
    session.commit()
    again = create_booking(session, b.request(svc.id, day=DAY, at="10:00", customer_id=other.id), actor=b.STAFF, now=now)
    assert again.booking.status == "approved"


def test_three_d_secure_asks_the_browser_then_settles_from_stripe(session, now, berlin, gateway, localstripe):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway)
    # Saving a 3-D Secure card asks for authentication too (Stripe.js's modal), then succeeds.
    confirm_setup(gateway, started.payment.stripe_setup_intent_id, "three_d_secure")
    gateway.client.v1.setup_intents.confirm(started.payment.stripe_setup_intent_id, {})
    first = payments.settle(session, started.payment.id, gateway=gateway, now=now)
    assert first.status == "requires_action" and first.client_secret
    session.refresh(started.booking)
    assert started.booking.status == "payment_pending"
    # The browser completes 3-D Secure (Stripe.js's confirmCardPayment calls this route).
    intent_id = first.client_secret.split("_secret_")[0]
    body = json.dumps({"key": "pk_test_portal", "client_secret": first.client_secret}).encode()
    urllib.request.urlopen(urllib.request.Request(
        f"{localstripe}/v1/payment_intents/{intent_id}/_authenticate?success=true", data=body, method="POST"), timeout=10).read()
    second = payments.settle(session, started.payment.id, gateway=gateway, now=now)
    assert second.status == "succeeded"
    session.refresh(started.booking)
    assert started.booking.status == "pending"
    assert len(intents_for(gateway, started.payment)) == 1


def test_a_hold_that_runs_out_is_released(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway, hold=10)
    assert payments.release_expired_holds(session, now=now + timedelta(minutes=9)) == 0
    assert payments.release_expired_holds(session, now=now + timedelta(minutes=11)) == 1
    session.refresh(started.booking)
    session.refresh(started.payment)
    assert (started.booking.status, started.payment.status) == ("cancelled", "cancelled")
    # A late card is not charged for a released booking.
    confirm_setup(gateway, started.payment.stripe_setup_intent_id, "ok")
    assert payments.settle(session, started.payment.id, gateway=gateway, now=now).status == "cancelled"
    assert intents_for(gateway, started.payment) == []


def test_a_service_paid_in_person_is_not_booked_by_card(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    cash = b.service(session, loc, name="Windows")
    agent.services.append(cash)
    session.commit()
    with pytest.raises(ValidationFailed) as caught:
        book(session, cash, customer, now, gateway)
    assert "payment_method" in caught.value.details
    assert session.scalars(select(Booking)).all() == []


def test_policy_fields_are_checked_by_name(session, berlin):
    loc, svc, agent, customer = berlin
    with pytest.raises(ValidationFailed) as caught:
        payments.save_policy(session, service_id=svc.id, values={
            "mode": "deposit", "deposit_type": "percent", "deposit_value": "120", "no_show_fee_value": "NaN",
            "late_cancel_fee_type": "lots"})
    assert set(caught.value.details) == {"deposit_value", "no_show_fee_value", "late_cancel_fee_type"}


def test_twenty_concurrent_settles_charge_once(factory, session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway)
    confirm_setup(gateway, started.payment.stripe_setup_intent_id, "ok")
    barrier = threading.Barrier(20)
    outcomes: list[str] = []

    def attempt() -> None:
        with factory() as own:
            barrier.wait()
            outcomes.append(payments.settle(own, started.payment.id, gateway=gateway, now=now).status)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 20 and "succeeded" in outcomes
    assert set(outcomes) <= {"succeeded", "processing"}
    assert len(intents_for(gateway, started.payment)) == 1


def test_reconcile_repairs_a_charge_whose_commit_was_lost(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway)
    confirm_setup(gateway, started.payment.stripe_setup_intent_id, "ok")
    payment = started.payment
    # What a crash right after Stripe's answer leaves: our row claimed, Stripe charged.
    setup = gateway.retrieve_setup_intent(payment.stripe_setup_intent_id)
    gateway.charge(amount=payment.amount_minor, currency=payment.currency,
                   customer=payments.ensure_stripe_customer(session, customer, gateway), payment_method=setup.payment_method,
                   key=payment.idempotency_key, metadata=payments._metadata(payment), off_session=False)
    payment.status = "processing"
    payment.claimed_until = now + timedelta(seconds=60)
    session.commit()
    assert payments.reconcile(session, gateway=gateway, now=now) == 1
    session.refresh(payment)
    session.refresh(started.booking)
    assert (payment.status, started.booking.status) == ("succeeded", "pending")
    assert payments.reconcile(session, gateway=gateway, now=now) == 0
    assert len(intents_for(gateway, payment)) == 1


def test_a_payment_that_lands_after_its_hold_ran_out_is_refunded(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = book(session, svc, customer, now, gateway, hold=10)
    confirm_setup(gateway, started.payment.stripe_setup_intent_id, "ok")
    payment = started.payment
    # The browser paid (a 3-D Secure step that took too long), but the hold was released first.
    setup = gateway.retrieve_setup_intent(payment.stripe_setup_intent_id)
    intent = gateway.charge(amount=payment.amount_minor, currency=payment.currency,
                            customer=payments.ensure_stripe_customer(session, customer, gateway), payment_method=setup.payment_method,
                            key=payment.idempotency_key, metadata=payments._metadata(payment), off_session=False)
    later = now + timedelta(minutes=11)
    assert payments.release_expired_holds(session, now=later) == 1
    payments.apply_intent(session, payment, intent, now=later)  # what Stripe's webhook or reconcile then says
    assert payments.process_queued(session, gateway=gateway, now=later) == 1
    session.refresh(started.booking)
    state = payments.payment_state(session, started.booking)
    assert (started.booking.status, state.status, state.refunded) == ("cancelled", "refunded", Decimal("20.00"))
