"""A card on file saved inside the booking form (issue 19), over HTTP: the SetupIntent
endpoint Stripe.js asks before saving a card (customers only, CSRF, 404 when cards are
off), and "Book now" on a card-on-file service, which books against the card the
SetupIntent saved (read from Stripe) or the default one, and refuses at the payment
field, booking nothing, without a card or with a SetupIntent that is not the
customer's or did not succeed."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain import accounts, payments
from app.domain.models import AmountType, Booking, PaymentCard, PaymentMode
from tests.conftest import NOW
from tests.payments.conftest import confirm_setup
from tests.web.helpers import csrf_from, submit

DAY = (NOW.date() + timedelta(days=1)).isoformat()  # tomorrow: the Berlin service books a few days ahead only


@pytest.fixture
def on_file(session, berlin):
    loc, svc, _, _ = berlin
    payments.save_policy(session, service_id=svc.id, values={"mode": PaymentMode.CARD_ON_FILE, "no_show_fee_type": AmountType.FIXED,
                                                             "no_show_fee_value": "30"})
    session.commit()
    return loc, svc


def sign_in(client, session, email="pat@example.com"):
    user = accounts.create_user(session, email=email, password="correct-horse", first_name="Pat", last_name="Payer",
                                now=NOW - timedelta(days=20))
    session.commit()
    submit(client, "/login", {"email": email, "password": "correct-horse"})
    return user


def new_secret(client) -> str:
    page = client.get("/account/payment-methods/new").get_data(as_text=True)
    answer = client.post("/account/payment-methods/setup", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["client_secret"]


def saved_in_browser(client, gateway, card="ok") -> str:
    """What the review's script does: a fresh SetupIntent, confirmed with the card by Stripe.js."""
    setup_id = re.match(r"(seti_\w+)_secret_", new_secret(client)).group(1)
    confirm_setup(gateway, setup_id, card)
    return setup_id


def book(client, on_file, action="book", **extra):
    """Post the booking form as its review does ("Book now"), or ask for the review."""
    loc, svc = on_file
    page = client.get(f"/book?service={svc.id}").get_data(as_text=True)
    values = {"csrf_token": csrf_from(page), "location_id": str(loc.id), "services": str(svc.id), "date": DAY, "time": "10:00",
              "agent_id": "any", "address": "1 Elm St", "city": "Berlin", "zip": "10115", "payment_method": "cash", "tip": "",
              "customer_notes": "Ring twice", "action": action}
    return client.post("/book", data={**values, **extra})


def test_the_setup_endpoint_gives_a_customer_a_fresh_secret_and_needs_csrf_and_a_customer(app, client, session, on_file, gateway):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    visitor = client.post("/account/payment-methods/setup", data={"csrf_token": token})
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]  # a visitor: log in first
    user = sign_in(client, session)
    first, second = new_secret(client), new_secret(client)
    assert first.startswith("seti_") and first != second  # a new one each time: a refused card can be followed by another
    intent = gateway.retrieve_setup_intent(first.split("_secret_")[0])
    assert intent.metadata["user_id"] == str(user.id)
    assert client.post("/account/payment-methods/setup").status_code == 400  # CSRF
    app.extensions["stripe_gateway"] = None  # card payments not set up
    page = client.get("/profile").get_data(as_text=True)
    assert client.post("/account/payment-methods/setup", data={"csrf_token": csrf_from(page)}).status_code == 404


def test_a_card_saved_on_the_review_books_the_card_on_file_service_with_it(client, session, on_file, gateway):
    user = sign_in(client, session)
    review = book(client, on_file, action="review").get_data(as_text=True)
    assert 'id="card-on-file"' in review and 'name="card_choice" value="new"' in review and "Your default card" not in review
    answer = book(client, on_file, setup_intent=saved_in_browser(client, gateway), card_choice="new")
    assert answer.status_code == 303 and re.search(r"/bookings/\d+/confirmation$", answer.headers["Location"])
    session.expire_all()
    booking = session.scalars(select(Booking)).one()
    card = session.scalars(select(PaymentCard)).one()
    assert (booking.payment_method, booking.status, booking.customer_id) == ("stripe", "pending", user.id)
    assert (card.user_id, card.last4, card.is_default) == (user.id, "4242", True)
    assert payments.payment_state(session, booking).status == "authorised"


def test_a_new_card_becomes_the_default_and_a_saved_default_books_without_a_new_one(client, session, on_file, gateway):
    user = sign_in(client, session)
    assert book(client, on_file, setup_intent=saved_in_browser(client, gateway), card_choice="new").status_code == 303
    review = book(client, on_file, action="review", time="11:00").get_data(as_text=True)
    assert "Your default card, Visa ending 4242" in review and 'id="card-choice-new" value="new"' in review
    # The default card, no new one: booked with it.
    assert book(client, on_file, time="12:00", card_choice="saved").status_code == 303
    # A second card entered on the review becomes the default (the after-visit charges take the default).
    assert book(client, on_file, time="14:00", setup_intent=saved_in_browser(client, gateway, "5555555555554444"),
                card_choice="new").status_code == 303
    session.expire_all()
    assert [(c.last4, c.is_default) for c in session.scalars(select(PaymentCard).order_by(PaymentCard.id))] == [
        ("4242", False), ("4444", True)]
    assert [booked.payment_method for booked in session.scalars(select(Booking))] == ["stripe"] * 3
    assert payments.default_card(session, user.id).last4 == "4444"


@pytest.mark.parametrize("setup_intent", ["", "seti_nothing", "seti_" + "x" * 80, "²", "pi_123", "declined", "other"])
def test_no_card_or_a_bad_setup_intent_is_refused_at_the_payment_field_and_books_nothing(app, client, session, on_file, gateway,
                                                                                         setup_intent):
    if setup_intent == "other":  # another customer's SetupIntent, confirmed with a good card
        other = app.test_client()
        sign_in(other, session, "other@example.com")
        setup_intent = saved_in_browser(other, gateway)
    user = sign_in(client, session)
    if setup_intent == "declined":
        setup_id = re.match(r"(seti_\w+)_secret_", new_secret(client)).group(1)
        with pytest.raises(Exception):
            confirm_setup(gateway, setup_id, "declined_when_saved")
        setup_intent = setup_id
    answer = book(client, on_file, setup_intent=setup_intent, card_choice="new")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="payment_method-error"' in html
    assert ("enter your card" if not setup_intent else "not saved") in html
    assert 'value="Ring twice"' in html or ">Ring twice<" in html  # the form comes back with every choice
    session.expire_all()
    assert session.scalars(select(Booking)).all() == []
    assert session.scalars(select(PaymentCard).where(PaymentCard.user_id == user.id)).all() == []
    assert book(client, on_file, card_choice="saved").status_code == 422  # still no card on the account


def test_the_booking_post_needs_its_csrf_token(client, session, on_file, gateway):
    sign_in(client, session)
    setup_id = saved_in_browser(client, gateway)
    loc, svc = on_file
    answer = client.post("/book", data={"location_id": str(loc.id), "services": str(svc.id), "date": DAY, "time": "10:00",
                                        "address": "1 Elm St", "action": "book", "setup_intent": setup_id, "card_choice": "new"})
    assert answer.status_code == 400
    session.expire_all()
    assert session.scalars(select(Booking)).all() == [] and session.scalars(select(PaymentCard)).all() == []


def test_payment_methods_refuses_a_setup_intent_stripe_never_made_at_the_card_field(client, session, on_file):
    """The step the review shares with Payment methods: an unknown SetupIntent id was a 500."""
    sign_in(client, session)
    page = client.get("/account/payment-methods/new").get_data(as_text=True)
    answer = client.post("/account/payment-methods/new", data={"csrf_token": csrf_from(page), "setup_intent": "seti_nothing"})
    assert answer.status_code == 422 and "The card was not saved; please enter it again." in answer.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(PaymentCard)).all() == []


def test_the_review_and_the_booking_say_paid_by_card_not_by_the_forms_cash(client, session, on_file, gateway):
    # The form's cash/check choice is for services paid in person: a card-on-file service
    # is paid by card, and the review, the booking page and its e-mail say so.
    sign_in(client, session)
    review = book(client, on_file, action="review").get_data(as_text=True)
    assert "paid by card" in review and "paid by cash" not in review
    answer = book(client, on_file, setup_intent=saved_in_browser(client, gateway))
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "paid by card" in page and "paid by stripe" not in page
