"""`flask payments reconcile` repairs a refund that was started but not recorded (a crash
between Stripe's answer and our commit): the refund Stripe made is found by the row's
key and recorded, or, when Stripe never got the call, made once with the row's own
idempotency key; running it again changes nothing. Against a real localstripe."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.domain import payments
from app.domain.booking.common import write_transaction
from app.domain.models import BookingEvent, OutboxMessage, Payment
from tests import builders as b
from tests.payments.test_after_visit import saved_card


def paid_deposit(session, berlin, gateway, now):
    loc, svc, agent, customer = berlin
    saved_card(session, gateway, customer)
    request = b.request(svc.id, day="2026-12-10", at="10:00", customer_id=customer.id)
    booking = payments.book_with_saved_card(session, request, actor=b.customer_actor(customer), now=now, gateway=gateway, hold_minutes=15)
    charge = session.scalars(select(Payment).where(Payment.booking_id == booking.id)).one()
    assert charge.status == "succeeded"
    return booking, charge


def refund_started(session, charge, now, *, stripe_got_it: bool, gateway, claim_left=timedelta(seconds=-1)):
    """What a crash leaves: the refund row written and claimed (its claim ran out a moment
    ago unless `claim_left` says otherwise), and, if `stripe_got_it`, the refund made at
    Stripe under the row's key, but nothing recorded."""
    with write_transaction(session):
        row = payments._queue_refund(session, charge, 1000, "Goodwill", now)
    assert payments._claim(session, row.id, now)
    if stripe_got_it:
        payments_made = gateway.refund(payment_intent=charge.stripe_payment_intent_id, amount=row.amount_minor,
                                       key=row.idempotency_key, metadata=payments._metadata(row))
        assert payments_made.startswith("re_")
    with write_transaction(session):
        session.refresh(row)
        row.claimed_until = now + claim_left
    return row


def refunds_at_stripe(gateway, charge):
    return gateway.refunds_of(charge.stripe_payment_intent_id)


def history_lines(session, booking_id):
    return session.scalar(select(func.count()).select_from(BookingEvent).where(BookingEvent.booking_id == booking_id,
                                                                              BookingEvent.action == "payment"))


def test_reconcile_records_a_refund_stripe_made_but_we_did_not_record_and_makes_no_second_one(app, session, now, berlin, gateway):
    booking, charge = paid_deposit(session, berlin, gateway, now)
    row = refund_started(session, charge, now, stripe_got_it=True, gateway=gateway)
    [made] = refunds_at_stripe(gateway, charge)
    lines = history_lines(session, booking.id)

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "reconciled 1 payment(s)" in result.output
    session.expire_all()
    row = session.get(Payment, row.id)
    assert (row.status, row.stripe_refund_id) == ("succeeded", made.id)
    assert [r.id for r in refunds_at_stripe(gateway, charge)] == [made.id]  # still one refund at Stripe
    assert history_lines(session, booking.id) == lines + 1
    assert payments.payment_state(session, booking).refunded == 10

    again = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "reconciled 0 payment(s)" in again.output
    session.expire_all()
    assert len(refunds_at_stripe(gateway, charge)) == 1 and history_lines(session, booking.id) == lines + 1
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.topic == "booking.refunded")) == 1


def test_reconcile_makes_a_refund_stripe_never_got_once_with_the_row_s_own_key(app, session, now, berlin, gateway):
    booking, charge = paid_deposit(session, berlin, gateway, now)
    row = refund_started(session, charge, now, stripe_got_it=False, gateway=gateway)
    assert refunds_at_stripe(gateway, charge) == []

    assert "reconciled 1 payment(s)" in app.test_cli_runner().invoke(args=["payments", "reconcile"]).output
    app.test_cli_runner().invoke(args=["payments", "reconcile"])
    session.expire_all()
    [made] = refunds_at_stripe(gateway, charge)
    assert made.amount == 1000 and made.metadata["payment_key"] == row.idempotency_key
    assert session.get(Payment, row.id).stripe_refund_id == made.id


def test_reconcile_leaves_a_refund_whose_request_is_still_at_work(app, session, now, berlin, gateway):
    booking, charge = paid_deposit(session, berlin, gateway, now)
    row = refund_started(session, charge, now, stripe_got_it=False, gateway=gateway, claim_left=timedelta(seconds=30))
    assert "reconciled 0 payment(s)" in app.test_cli_runner().invoke(args=["payments", "reconcile"]).output
    session.expire_all()
    assert session.get(Payment, row.id).status == "processing" and refunds_at_stripe(gateway, charge) == []
