"""The card step with a card already saved on the account (issue 19): the customer picks
it and pays the deposit in one click, charged once; another customer's card is refused;
a card declined when charged books nothing and sends the customer back to the form."""
from __future__ import annotations

from sqlalchemy import select

from app.domain import accounts, payments
from app.domain.models import Booking, Payment, PaymentCard
from tests import builders as b
from tests.payments.conftest import confirm_setup, intents_for
from tests.web.helpers import csrf_from, submit

DAY = "2026-11-24"


def signed_in_customer(client, session, email, gateway, card="ok"):
    user = accounts.create_user(session, email=email, password="correct-horse", first_name="Pat", last_name="Payer",
                                now=b.at_utc("2026-11-01T00:00:00"))
    customer = payments.ensure_stripe_customer(session, user, gateway)
    intent = gateway.create_setup_intent(customer=customer, key=payments.new_key("test-setup"), metadata={})
    confirm_setup(gateway, intent.id, card)
    payments.save_card(session, user.id, gateway.retrieve_setup_intent(intent.id).payment_method, gateway, user.created_at)
    submit(client, "/login", {"email": email, "password": "correct-horse"})
    return user


def held(session, svc, user, now, gateway, at="10:00"):
    request = b.request(svc.id, day=DAY, at=at, customer_id=user.id, address="1 Elm St", city="Berlin", zip="10115")
    return payments.book_with_card(session, request, actor=b.customer_actor(user), now=now, gateway=gateway, hold_minutes=15)


def test_a_saved_card_pays_the_deposit_in_one_click_once(client, session, now, berlin, gateway):
    _, svc, _, _ = berlin
    user = signed_in_customer(client, session, "saver@example.com", gateway)
    started = held(session, svc, user, now, gateway)
    page = client.get(f"/bookings/{started.booking.id}/pay").get_data(as_text=True)
    card = session.scalars(select(PaymentCard).where(PaymentCard.user_id == user.id)).one()
    assert "Pay with a saved card" in page and f"ending {card.last4}" in page and "Or a new card" in page
    paid = client.post(f"/bookings/{started.booking.id}/pay/saved", data={"csrf_token": csrf_from(page), "card_id": card.id})
    assert paid.status_code == 303 and paid.headers["Location"].endswith(f"/bookings/{started.booking.id}/confirmation")
    again = client.post(f"/bookings/{started.booking.id}/pay/saved", data={"csrf_token": csrf_from(page), "card_id": card.id})
    assert again.status_code in (302, 303)  # a second click: nothing more to pay
    session.expire_all()
    payment = session.get(Payment, started.payment.id)
    assert payment.status == "succeeded" and payment.amount_minor == 2000  # 20 % of 100 EUR
    assert len(intents_for(gateway, payment)) == 1
    assert session.get(Booking, started.booking.id).status == "pending"


def test_another_customers_card_is_refused_and_nothing_is_charged(app, client, session, now, berlin, gateway):
    _, svc, _, _ = berlin
    other = signed_in_customer(app.test_client(), session, "other@example.com", gateway)
    theirs = session.scalars(select(PaymentCard).where(PaymentCard.user_id == other.id)).one()
    user = signed_in_customer(client, session, "me@example.com", gateway)
    started = held(session, svc, user, now, gateway)
    page = client.get(f"/bookings/{started.booking.id}/pay").get_data(as_text=True)
    refused = client.post(f"/bookings/{started.booking.id}/pay/saved", data={"csrf_token": csrf_from(page), "card_id": theirs.id})
    assert refused.status_code == 422 and "Choose one of your saved cards." in refused.get_data(as_text=True)
    for junk in ("", "abc", "²", "-1"):
        assert client.post(f"/bookings/{started.booking.id}/pay/saved",
                           data={"csrf_token": csrf_from(page), "card_id": junk}).status_code == 422
    session.expire_all()
    payment = session.get(Payment, started.payment.id)
    assert payment.status == "pending" and intents_for(gateway, payment) == []
    assert client.post(f"/bookings/{started.booking.id}/pay/saved", data={"card_id": theirs.id}).status_code == 400  # CSRF


def test_a_saved_card_declined_when_charged_books_nothing(client, session, now, berlin, gateway):
    _, svc, _, _ = berlin
    user = signed_in_customer(client, session, "declined@example.com", gateway, card="declined_when_charged")
    started = held(session, svc, user, now, gateway)
    page = client.get(f"/bookings/{started.booking.id}/pay").get_data(as_text=True)
    card = session.scalars(select(PaymentCard).where(PaymentCard.user_id == user.id)).one()
    answer = client.post(f"/bookings/{started.booking.id}/pay/saved", data={"csrf_token": csrf_from(page), "card_id": card.id})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/bookings/{started.booking.id}/pay/again")
    session.expire_all()
    assert session.get(Booking, started.booking.id).status == "cancelled"  # the slot is free again
    assert session.get(Payment, started.payment.id).status == "failed"
