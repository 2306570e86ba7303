"""Paying a deposit in a real browser: Chromium, the booking form, Stripe.js's stand-in
served by a real localstripe (tests/localstripe_server.py) and our pay page. 4242 pays
the deposit; 3184 passes through 3-D Secure; 0341 is declined, books nothing and frees
the slot."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.models import AmountType, Booking, Payment, PaymentMode
from app.domain.payments import save_policy
from tests import builders as b
from tests.conftest import NOW
from tests.e2e.test_customer_flow import CSP_VIOLATIONS, log_in, no_violations, open_page, pinned  # noqa: F401
from tests.payments.conftest import CARDS, config, localstripe  # noqa: F401 - the Stripe settings and localstripe


@pytest.fixture
def deposit_shop(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Deep clean", price=Decimal("100.00"), max_days_ahead=5000)
    b.agent(session, [svc], loc)
    save_policy(session, service_id=svc.id, values={"mode": PaymentMode.DEPOSIT, "deposit_type": AmountType.PERCENT, "deposit_value": "20",
                                                    "no_show_fee_type": AmountType.FIXED, "no_show_fee_value": "15"})
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    return svc


def book_and_reach_the_card_step(page, base: str, svc) -> str:
    log_in(page, base, "casey@example.com", "/bookings")
    page.goto(f"{base}/book?service={svc.id}")
    first = page.locator(".slot-radio").first
    first.check()
    start = first.get_attribute("value")
    page.get_by_label("Street address (required)").fill("12 Elm St")
    page.get_by_role("button", name="Review booking").click()
    page.get_by_role("heading", name="Review your booking").wait_for()
    # Before booking: what is due now, later, and the fee.
    assert page.locator("#terms-due-now").inner_text() == "$20.00"
    assert page.locator("#terms-due-later").inner_text() == "$80.00"
    assert page.locator("#terms-no-show-fee").inner_text() == "$15.00 fee"
    page.get_by_role("button", name=re.compile("^Book now")).click()
    page.wait_for_url(re.compile(r".*/bookings/\d+/pay$"))
    page.get_by_role("heading", name="Pay to book").wait_for()
    assert page.locator("#due-now").inner_text() == "$20.00"
    assert page.locator("#due-later").inner_text() == "$80.00"
    return start


def enter_card(page, number: str) -> None:
    """Type into localstripe's stand-in for the Card Element (its own inputs)."""
    element = page.locator("#card-element")
    element.get_by_placeholder("number").fill(number)
    element.get_by_placeholder("exp_month").fill("12")
    element.get_by_placeholder("exp_year").fill("30")
    element.get_by_placeholder("cvc").fill("123")
    element.get_by_placeholder("postal_code").fill("10001")


@pytest.mark.parametrize("card", ["ok", "three_d_secure"])
def test_a_customer_pays_the_deposit_by_card_and_sees_it_paid(browser, live_server, deposit_shop, session, pinned, card):
    context, page = open_page(browser)
    book_and_reach_the_card_step(page, live_server, deposit_shop)
    no_violations(page)
    enter_card(page, CARDS[card])
    page.get_by_role("button", name=re.compile("^Pay")).click()
    if card == "three_d_secure":
        # The bank's check: once to save the card, once to charge it (localstripe asks both times).
        for _ in range(2):
            page.get_by_role("button", name="Complete authentication").click()
    page.wait_for_url(re.compile(r".*/bookings/\d+/confirmation"))
    assert page.locator("#payment-status").inner_text() == "Deposit paid"
    assert page.locator("#amount-paid").inner_text() == "$20.00"
    assert page.locator("#amount-due").inner_text() == "$80.00"
    assert page.locator("#terms-no-show-fee").inner_text() == "$15.00 fee"  # the fee, in the confirmation too
    assert page.locator("#terms-due-now").count() == 0
    session.expire_all()
    booking = session.scalars(select(Booking)).one()
    payment = session.scalars(select(Payment)).one()
    assert (booking.status, payment.status, payment.amount_minor) == ("pending", "succeeded", 2000)
    assert not [v for v in CSP_VIOLATIONS if "/pay" in v]
    context.close()


def test_a_declined_card_shows_the_error_books_nothing_and_frees_the_slot(browser, live_server, deposit_shop, session, pinned):
    context, page = open_page(browser)
    start = book_and_reach_the_card_step(page, live_server, deposit_shop)
    enter_card(page, CARDS["declined_when_charged"])
    page.get_by_role("button", name=re.compile("^Pay")).click()
    error = page.locator("#payment-error")
    error.wait_for()
    assert "declined" in error.inner_text()
    session.expire_all()
    assert session.scalars(select(Booking)).one().status == "cancelled"
    # Choosing again keeps every choice, with the card's refusal at the payment field, and the time is free again.
    page.get_by_role("link", name="Choose again and try another card").click()
    assert "declined" in page.locator("#payment_method-error").inner_text()
    assert page.locator(f".slot-radio[value='{start}']").count() == 1
    context.close()
