"""Stripe's webhook (/stripe/webhook, signature checked with the SDK, each event once) and
`flask payments reconcile`, against a real localstripe."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import stripe
from sqlalchemy import func, select

from app.domain import payments
from app.domain.models import Booking, BookingEvent, Payment, StripeEvent, WebhookDelivery, WebhookEndpoint
from tests import builders as b
from tests.payments.conftest import confirm_setup, intents_for

DAY = "2026-11-24"
SECRET = "whsec_test_portal"


def start(session, svc, customer, now, gateway):
    request = b.request(svc.id, day=DAY, at="10:00", customer_id=customer.id)
    return payments.book_with_card(session, request, actor=b.customer_actor(customer), now=now, gateway=gateway, hold_minutes=15)


def charged_but_not_recorded(session, started, customer, gateway, now):
    """What a crash right after Stripe's success leaves: Stripe charged, our row claimed."""
    payment = started.payment
    confirm_setup(gateway, payment.stripe_setup_intent_id, "ok")
    setup = gateway.retrieve_setup_intent(payment.stripe_setup_intent_id)
    intent = gateway.charge(amount=payment.amount_minor, currency=payment.currency,
                            customer=payments.ensure_stripe_customer(session, customer, gateway),
                            payment_method=setup.payment_method, key=payment.idempotency_key,
                            metadata=payments._metadata(payment), off_session=False)
    payment.status = "processing"
    payment.claimed_until = now + timedelta(seconds=60)
    session.commit()
    return intent


def signed(event: dict, secret: str = SECRET) -> tuple[bytes, str]:
    """The body and Stripe-Signature header Stripe sends (its v1 scheme)."""
    body = json.dumps(event).encode()
    stamp = int(time.time())  # the SDK checks the stamp against the machine's clock, as Stripe does
    signature = stripe.WebhookSignature._compute_signature(f"{stamp}.{body.decode()}", secret)
    return body, f"t={stamp},v1={signature}"


def event_for(intent_id: str, payment_key: str, event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": "payment_intent.succeeded", "api_version": "2024-06-20",
            "data": {"object": {"id": intent_id, "object": "payment_intent", "metadata": {"payment_key": payment_key}}}}


def test_a_signed_stripe_event_repairs_a_lost_commit_once_and_a_replay_changes_nothing(client, session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    session.add(WebhookEndpoint(url="https://hooks.example.com/in", secret="whsec_" + "a" * 32, events=["payment.succeeded"], active=True))
    session.commit()
    started = start(session, svc, customer, now, gateway)
    intent = charged_but_not_recorded(session, started, customer, gateway, now)
    body, signature = signed(event_for(intent.id, started.payment.idempotency_key))

    answer = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
    assert answer.status_code == 200 and answer.json["handled"] is True
    session.expire_all()
    payment = session.get(Payment, started.payment.id)
    assert payment.status == "succeeded" and session.get(Booking, payment.booking_id).status == "pending"
    counts = (session.scalar(select(func.count()).select_from(BookingEvent)),
              session.scalar(select(func.count()).select_from(WebhookDelivery)))

    replay = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
    assert replay.status_code == 200 and replay.json["handled"] is False
    session.expire_all()
    assert (session.scalar(select(func.count()).select_from(BookingEvent)),
            session.scalar(select(func.count()).select_from(WebhookDelivery))) == counts
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    [delivery] = session.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "payment.succeeded")).all()
    assert delivery.payload["data"]["amount"] == "20.00" and delivery.payload["data"]["currency"] == "EUR"
    assert len(intents_for(gateway, payment)) == 1


def test_a_wrong_signature_is_refused_and_changes_nothing(client, session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = start(session, svc, customer, now, gateway)
    intent = charged_but_not_recorded(session, started, customer, gateway, now)
    body, signature = signed(event_for(intent.id, started.payment.idempotency_key), secret="whsec_someone_else")
    answer = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": signature, "Content-Type": "application/json"})
    assert answer.status_code == 400
    assert client.post("/stripe/webhook", data=body).status_code == 400  # no signature at all
    session.expire_all()
    assert session.get(Payment, started.payment.id).status == "processing"
    assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_the_reconcile_command_repairs_and_releases(app, session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    started = start(session, svc, customer, now, gateway)
    charged_but_not_recorded(session, started, customer, gateway, now)
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "reconciled 1 payment(s), released 0 expired hold(s)" in result.output
    session.expire_all()
    assert session.get(Payment, started.payment.id).status == "succeeded"
    again = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert "reconciled 0 payment(s)" in again.output
