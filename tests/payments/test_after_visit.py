"""After the visit: a card on file charged the total when completed, a no-show fee and a
late-cancellation fee charged once each, a cancel before the cut-off refunded, staff
refunds never above what was paid; each one history line and one webhook event."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain import payments
from app.domain.booking import cancel_booking, change_status
from app.domain.errors import ValidationFailed
from app.domain.models import AmountType, Booking, BookingEvent, Payment, PaymentMode, WebhookDelivery, WebhookEndpoint
from tests import builders as b
from tests.payments.conftest import confirm_setup, intents_for


def saved_card(session, gateway, customer, card="ok"):
    stripe_customer = payments.ensure_stripe_customer(session, customer, gateway)
    intent = gateway.create_setup_intent(customer=stripe_customer, key=payments.new_key("test-setup"), metadata={})
    confirm_setup(gateway, intent.id, card)
    payments.save_card(session, customer.id, gateway.retrieve_setup_intent(intent.id).payment_method, gateway, customer.created_at)


@pytest.fixture
def on_file(session, berlin, gateway):
    loc, svc, agent, customer = berlin
    payments.save_policy(session, service_id=svc.id, values={
        "mode": PaymentMode.CARD_ON_FILE, "no_show_fee_type": AmountType.FIXED, "no_show_fee_value": "30",
        "late_cancel_fee_type": AmountType.PERCENT, "late_cancel_fee_value": "50"})
    session.add(WebhookEndpoint(url="https://hooks.example.com/in", secret="whsec_" + "a" * 32,
                                events=["payment.succeeded", "payment.failed", "payment.refunded"], active=True))
    session.commit()
    saved_card(session, gateway, customer)
    return svc, customer


def book(session, svc, customer, now, gateway, day="2026-11-24", at="10:00"):
    request = b.request(svc.id, day=day, at=at, customer_id=customer.id)
    return payments.book_with_saved_card(session, request, actor=b.customer_actor(customer), now=now, gateway=gateway, hold_minutes=15)


def events(session, booking_id, kind="payment"):
    return [e.changes for e in session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id,
                                                                           BookingEvent.action == kind))]


def hooks(session, event_type):
    return [d.payload["data"] for d in session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == event_type))]


def test_a_card_on_file_booking_is_charged_the_total_once_when_completed(session, now, on_file, gateway):
    svc, customer = on_file
    booking = book(session, svc, customer, now, gateway)
    assert (booking.status, booking.payment_method) == ("pending", "stripe")
    assert payments.payment_state(session, booking).status == "authorised"
    later = booking.start_at + timedelta(hours=2)
    change_status(session, booking.id, "approved", actor=b.STAFF, now=now)
    change_status(session, booking.id, "completed", actor=b.STAFF, now=later)
    assert payments.process_queued(session, gateway=gateway, now=later) == 1
    assert payments.process_queued(session, gateway=gateway, now=later) == 0
    [charge] = session.scalars(select(Payment).where(Payment.booking_id == booking.id)).all()
    assert (charge.kind, charge.status, charge.amount_minor) == ("balance", "succeeded", 10000)
    assert len(intents_for(gateway, charge)) == 1
    assert events(session, booking.id) == [{"balance": [None, "100.00 EUR paid"]}]
    assert [h["amount"] for h in hooks(session, "payment.succeeded")] == ["100.00"]
    assert payments.payment_state(session, booking).as_dict()["status"] == "paid"


def test_a_no_show_is_charged_its_fee_once(session, now, on_file, gateway):
    svc, customer = on_file
    booking = book(session, svc, customer, now, gateway)
    later = booking.start_at + timedelta(hours=2)
    change_status(session, booking.id, "approved", actor=b.STAFF, now=now)
    change_status(session, booking.id, "no_show", actor=b.STAFF, now=later)
    payments.process_queued(session, gateway=gateway, now=later)
    # Undone and marked again: the fee is not charged a second time.
    change_status(session, booking.id, "approved", actor=b.STAFF, now=later)
    change_status(session, booking.id, "no_show", actor=b.STAFF, now=later)
    payments.process_queued(session, gateway=gateway, now=later)
    [fee] = session.scalars(select(Payment).where(Payment.booking_id == booking.id)).all()
    assert (fee.kind, fee.status, fee.amount_minor) == ("no_show_fee", "succeeded", 3000)
    assert len(intents_for(gateway, fee)) == 1
    with pytest.raises(ValidationFailed):
        payments.charge_no_show_fee(session, booking.id, actor=b.STAFF, now=later, gateway=gateway)


def test_a_late_cancel_is_charged_its_fee_and_an_early_one_nothing(session, now, on_file, gateway):
    svc, customer = on_file
    early = book(session, svc, customer, now, gateway, day="2026-12-10")
    cancel_booking(session, early.id, actor=b.STAFF, now=now)
    late = book(session, svc, customer, now, gateway, day="2026-11-24", at="12:00")  # inside the 24 h cut-off
    cancel_booking(session, late.id, actor=b.STAFF, now=now)
    payments.process_queued(session, gateway=gateway, now=now)
    assert session.scalars(select(Payment).where(Payment.booking_id == early.id)).all() == []
    [fee] = session.scalars(select(Payment).where(Payment.booking_id == late.id)).all()
    assert (fee.kind, fee.status, fee.amount_minor) == ("late_cancel_fee", "succeeded", 5000)
    assert len(intents_for(gateway, fee)) == 1


def test_a_deposit_is_refunded_when_cancelled_before_the_cut_off(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin  # 20 % deposit
    saved_card(session, gateway, customer)
    booking = book(session, svc, customer, now, gateway, day="2026-12-10")
    [deposit] = session.scalars(select(Payment)).all()
    assert (deposit.kind, deposit.status, deposit.amount_minor) == ("deposit", "succeeded", 2000)
    cancel_booking(session, booking.id, actor=b.customer_actor(customer), now=now)
    assert payments.process_queued(session, gateway=gateway, now=now) == 1
    refund = session.scalars(select(Payment).where(Payment.kind == "refund")).one()
    assert (refund.status, refund.amount_minor, refund.refund_of_id) == ("succeeded", 2000, deposit.id)
    assert refund.stripe_refund_id
    assert payments.payment_state(session, session.get(Booking, booking.id)).as_dict()["status"] == "refunded"


def test_staff_refunds_are_partial_with_a_reason_and_never_above_what_was_paid(session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    saved_card(session, gateway, customer)
    booking = book(session, svc, customer, now, gateway, day="2026-12-10")
    with pytest.raises(ValidationFailed) as caught:
        payments.refund(session, booking.id, amount="5", reason=" ", actor=b.ADMIN, now=now, gateway=gateway)
    assert set(caught.value.details) == {"reason"}
    [part] = payments.refund(session, booking.id, amount="5.50", reason="Late arrival", actor=b.ADMIN, now=now, gateway=gateway)
    assert (part.status, part.amount_minor) == ("succeeded", 550)
    with pytest.raises(ValidationFailed) as caught:
        payments.refund(session, booking.id, amount="14.51", reason="Too much", actor=b.ADMIN, now=now, gateway=gateway)
    assert "14.50" in caught.value.details["amount"]
    payments.refund(session, booking.id, amount=None, reason="The rest", actor=b.ADMIN, now=now, gateway=gateway)
    state = payments.payment_state(session, booking)
    assert (state.status, state.amount_paid, state.refunded) == ("refunded", Decimal("20.00"), Decimal("20.00"))
    assert [e["refund"][1] for e in events(session, booking.id) if "refund" in e] == [
        "5.50 EUR refunded: Late arrival", "14.50 EUR refunded: The rest"]
