"""A card on file saved inside the booking form (issue 19), in Chromium against a real
localstripe: on the review of a service charged after the visit, a customer without a
saved card enters one in the Elements stand-in (4242, or 3184 through 3-D Secure), it is
saved to their Stripe customer and the booking is made with it in one press of "Book
now"; completing the visit then charges it. A card declined when saved (0002) is an
error at the card field, nothing is booked or saved, and every choice is still there."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.domain import accounts, payments
from app.domain.booking import change_status
from app.domain.models import AmountType, Booking, Payment, PaymentCard, PaymentMode
from app.domain.payments import save_policy
from tests import builders as b
from tests.conftest import NOW
from tests.e2e.test_customer_flow import CSP_VIOLATIONS, log_in, no_violations, open_page, pinned  # noqa: F401
from tests.e2e.test_payments_flow import enter_card
from tests.payments.conftest import CARDS, config, gateway, intents_for, localstripe  # noqa: F401 - Stripe settings, localstripe


@pytest.fixture
def on_file_shop(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Appliance repair", price=Decimal("90.00"), max_days_ahead=5000)
    b.agent(session, [svc], loc)
    save_policy(session, service_id=svc.id, values={"mode": PaymentMode.CARD_ON_FILE, "no_show_fee_type": AmountType.FIXED,
                                                    "no_show_fee_value": "40"})
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    return svc


def local_start(booking: Booking) -> str:
    return booking.start_at.astimezone(ZoneInfo(booking.location.timezone)).strftime("%H:%M")


def reach_the_review(page, base: str, svc) -> str:
    """Log in, choose the service, the second free time and an address, then review."""
    log_in(page, base, "casey@example.com", "/bookings")
    page.goto(f"{base}/book?service={svc.id}")
    chosen = page.locator(".slot-radio").nth(1)
    chosen.check()
    start = chosen.get_attribute("value")
    page.get_by_label("Street address (required)").fill("12 Elm St")
    page.get_by_label("Notes for the team (optional)").fill("Ring twice")
    page.get_by_role("button", name="Review booking").click()
    page.get_by_role("heading", name="Review your booking").wait_for()
    assert page.locator("#terms-due-later").inner_text() == "$90.00"
    assert page.locator("#terms-no-show-fee").inner_text() == "$40.00 fee"
    page.get_by_role("group", name="Card on file").wait_for()
    return start


@pytest.mark.parametrize("card", ["ok", "three_d_secure"])
def test_a_new_card_saved_on_the_review_books_and_is_charged_when_completed(browser, live_server, on_file_shop, session, pinned,
                                                                              gateway, card):
    context, page = open_page(browser)
    start = reach_the_review(page, live_server, on_file_shop)
    no_violations(page)
    enter_card(page, CARDS[card])
    page.get_by_role("button", name=re.compile("^Book now")).click()
    if card == "three_d_secure":
        page.get_by_role("button", name="Complete authentication").click()  # the bank's check, once: nothing is charged now
    page.wait_for_url(re.compile(r".*/bookings/\d+/confirmation"))
    session.expire_all()
    booking = session.scalars(select(Booking)).one()
    saved = session.scalars(select(PaymentCard)).one()
    assert (booking.status, booking.payment_method, booking.customer_notes) == ("pending", "stripe", "Ring twice")
    assert local_start(booking) == start
    assert (saved.user_id, saved.last4, saved.is_default) == (booking.customer_id, CARDS[card][-4:], True)
    assert session.scalars(select(Payment)).all() == []  # nothing charged when booking
    assert not [v for v in CSP_VIOLATIONS if "/book" in v]
    context.close()
    if card == "three_d_secure":
        return  # localstripe asks 3184 for the bank's check on every charge, off-session too: the charge is checked with 4242
    # Completing the visit charges the card the total, once (as tests/payments/test_after_visit.py checks).
    later = booking.start_at + timedelta(hours=2)
    change_status(session, booking.id, "approved", actor=b.STAFF, now=NOW)
    change_status(session, booking.id, "completed", actor=b.STAFF, now=later)
    assert payments.process_queued(session, gateway=gateway, now=later) == 1
    assert payments.process_queued(session, gateway=gateway, now=later) == 0
    [charge] = session.scalars(select(Payment).where(Payment.booking_id == booking.id)).all()
    assert (charge.kind, charge.status, charge.amount_minor, charge.stripe_payment_method_id) == (
        "balance", "succeeded", 9000, saved.stripe_payment_method_id)
    assert len(intents_for(gateway, charge)) == 1


def test_a_card_declined_when_saved_is_shown_at_the_card_field_with_every_choice_kept(browser, live_server, on_file_shop, session,
                                                                                        pinned):
    context, page = open_page(browser)
    start = reach_the_review(page, live_server, on_file_shop)
    enter_card(page, CARDS["declined_when_saved"])
    page.get_by_role("button", name=re.compile("^Book now")).click()
    error = page.locator("#payment-field #payment-error")
    error.wait_for()
    assert "declined" in error.inner_text()
    assert "has-error" in page.locator("#payment-field").get_attribute("class")
    session.expire_all()
    assert session.scalars(select(Booking)).all() == [] and session.scalars(select(PaymentCard)).all() == []
    # Still on the review with every choice: another card books exactly what was chosen.
    assert page.get_by_role("heading", name="Review your booking").is_visible()
    assert page.locator("input[type=hidden][name=time]").get_attribute("value") == start
    enter_card(page, CARDS["ok"])
    page.get_by_role("button", name=re.compile("^Book now")).click()
    page.wait_for_url(re.compile(r".*/bookings/\d+/confirmation"))
    session.expire_all()
    booking = session.scalars(select(Booking)).one()
    assert (booking.payment_method, booking.customer_notes, booking.address) == ("stripe", "Ring twice", "12 Elm St")
    assert local_start(booking) == start
    assert session.scalars(select(PaymentCard)).one().last4 == "4242"
    context.close()
