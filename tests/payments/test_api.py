"""Card payments through the API: the booking object's `payment`, Launch27's
`payment_method: "stripe"` against the saved card (and its refusal without one), PayPal
refused with its reason, and card methods refused as before when Stripe is not set up."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain import payments
from app.domain.models import AmountType, Booking, Payment, PaymentMode, User
from tests.api.conftest import Api, catalog, customer_api, launch27_body, login, staff_api  # noqa: F401
from tests.payments.conftest import confirm_setup, intents_for
from tests.conftest import DAY


def save_a_card(session, gateway, email: str, card: str = "ok") -> None:
    """What the profile's Payment methods page does: Stripe.js saves a card through a SetupIntent."""
    user = session.scalars(select(User).where(User.email == email)).one()
    customer = payments.ensure_stripe_customer(session, user, gateway)
    intent = gateway.create_setup_intent(customer=customer, key=payments.new_key("test-setup"), metadata={})
    confirm_setup(gateway, intent.id, card)
    saved = gateway.retrieve_setup_intent(intent.id)
    payments.save_card(session, user.id, saved.payment_method, gateway, user.created_at)


@pytest.fixture
def deposit(session, catalog):
    payments.save_policy(session, service_id=catalog["service"], values={
        "mode": PaymentMode.DEPOSIT, "deposit_type": AmountType.FIXED, "deposit_value": "25"})
    session.commit()
    return catalog


def test_launch27_stripe_without_a_saved_card_is_a_validation_error_naming_the_field(customer_api, deposit, session):
    response = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe"))
    assert response.status_code == 422
    assert "payment_method" in response.get_json()["error"]["details"]
    assert session.scalars(select(Booking)).all() == []


def test_launch27_stripe_books_against_the_saved_card_and_charges_the_deposit_once(customer_api, deposit, session, gateway, staff_api):
    save_a_card(session, gateway, "casey@example.com")
    response = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe"))
    assert response.status_code == 201, response.get_json()
    booking = session.get(Booking, response.get_json()["id"])
    assert (booking.status, booking.payment_method) == ("pending", "stripe")
    payment = session.scalars(select(Payment)).one()
    assert (payment.status, payment.amount_minor, payment.currency) == ("succeeded", 2500, "USD")
    assert len(intents_for(gateway, payment)) == 1
    seen = staff_api.get(f"/bookings/{booking.id}").get_json()["data"]
    assert seen["payment"] == {"policy": "deposit", "status": "partially_paid", "currency": "USD",
                               "amount_paid": "25.00", "amount_due": "75.00", "refunded": "0.00"}


def test_launch27_stripe_with_a_card_declined_when_charged_books_nothing(customer_api, deposit, session, gateway):
    save_a_card(session, gateway, "casey@example.com", "declined_when_charged")
    response = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe"))
    assert response.status_code == 402
    assert "payment_method" in response.get_json()["error"]["details"]
    assert [b.status for b in session.scalars(select(Booking))] == ["cancelled"]


def test_paypal_is_refused_with_the_reason(customer_api, deposit):
    response = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="paypal"))
    assert response.status_code == 422
    assert "no local stand-in" in response.get_json()["error"]["details"]["payment_method"]


def test_a_cash_booking_shows_nothing_paid_by_card(staff_api, catalog):
    created = staff_api.post("/bookings", {"service_id": catalog["service"], "agent_id": catalog["alex"], "start_date": DAY,
                                           "start_time": "10:00", "customer": {"first_name": "Jo", "last_name": "Doe", "email": "jo@example.com"}})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["data"]["payment"] == {"policy": "in_person", "status": "none", "currency": "USD", "amount_paid": "0.00",
                                             "amount_due": "0.00", "refunded": "0.00"}


def test_staff_refund_through_the_api_needs_the_admin_scope_and_stays_within_what_was_paid(
        customer_api, deposit, session, gateway, staff_api, client):
    from tests.api.conftest import _key

    save_a_card(session, gateway, "casey@example.com")
    booking_id = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe")).get_json()["id"]
    admin_api = Api(client, {"X-API-Key": _key(session, "admin")})
    assert staff_api.post(f"/bookings/{booking_id}/refunds", {"amount": "5", "reason": "Late"}).status_code == 403
    too_much = admin_api.post(f"/bookings/{booking_id}/refunds", {"amount": "25.01", "reason": "Oops"})
    assert too_much.status_code == 422 and "amount" in too_much.get_json()["error"]["details"]
    no_reason = admin_api.post(f"/bookings/{booking_id}/refunds", {"amount": "5"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["details"]
    done = admin_api.post(f"/bookings/{booking_id}/refunds", {"amount": "5.00", "reason": "Late arrival"})
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["data"]["payment"]["refunded"] == "5.00"
    assert done.get_json()["data"]["payment"]["status"] == "partially_refunded"


def test_charges_through_the_api_are_checked(staff_api, deposit, customer_api, session, gateway):
    save_a_card(session, gateway, "casey@example.com")
    booking_id = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe")).get_json()["id"]
    bad = staff_api.post(f"/bookings/{booking_id}/charges", {"kind": "everything"})
    assert bad.status_code == 422 and "kind" in bad.get_json()["error"]["details"]
    not_a_no_show = staff_api.post(f"/bookings/{booking_id}/charges", {"kind": "no_show_fee"})
    assert not_a_no_show.status_code == 422
    balance = staff_api.post(f"/bookings/{booking_id}/charges", {"kind": "balance"})
    assert balance.status_code == 201, balance.get_json()
    assert balance.get_json()["data"]["payment"] | {} == {"policy": "deposit", "status": "paid", "currency": "USD",
                                                        "amount_paid": "100.00", "amount_due": "0.00", "refunded": "0.00"}
    again = staff_api.post(f"/bookings/{booking_id}/charges", {"kind": "balance"})
    assert again.status_code == 422
    assert len(session.scalars(select(Payment)).all()) == 2

