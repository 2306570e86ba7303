"""Payment methods under the customer's profile, in Chromium against localstripe: add a
card with the Elements stand-in, list it by brand and last four, add a second, make it the
default, remove one; a card declined when saved shows the error and saves nothing."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain import accounts
from app.domain.models import PaymentCard
from tests.conftest import NOW
from tests.e2e.test_customer_flow import log_in, no_violations, open_page
from tests.e2e.test_payments_flow import enter_card
from tests.payments.conftest import CARDS, config, localstripe  # noqa: F401 - the Stripe settings and localstripe


def add(page, number: str) -> None:
    page.get_by_role("link", name="Add a card").click()
    page.get_by_role("heading", name="Add a card").wait_for()
    enter_card(page, number)
    page.get_by_role("button", name="Save card").click()


def test_a_customer_adds_lists_defaults_and_removes_cards(browser, live_server, session):
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    context, page = open_page(browser)
    log_in(page, live_server, "casey@example.com", "/profile")
    page.get_by_role("link", name="Payment methods").click()
    page.get_by_role("heading", name="Payment methods").wait_for()
    assert page.locator("#no-cards").is_visible()
    no_violations(page)
    add(page, CARDS["ok"])
    page.get_by_text("Visa ending 4242 saved.").wait_for()
    add(page, "5555555555554444")
    page.get_by_text(re.compile("ending 4444 saved")).wait_for()
    items = page.locator(".saved-card")
    assert items.count() == 2 and "Default" in items.nth(0).inner_text() and "4242" in items.nth(0).inner_text()
    no_violations(page)
    page.get_by_role("button", name=re.compile("Make default.*4444")).click()
    page.get_by_text("That card is now your default.").wait_for()
    assert "4444" in page.locator(".saved-card").nth(0).inner_text()
    page.get_by_role("button", name=re.compile("Remove.*4444")).click()
    page.get_by_text("The card was removed.").wait_for()
    session.expire_all()
    [left] = session.scalars(select(PaymentCard)).all()
    assert (left.last4, left.is_default) == ("4242", True)
    # A card declined when saved: the error at the card field, nothing saved.
    add(page, CARDS["declined_when_saved"])
    error = page.locator("#payment-error")
    error.wait_for()
    assert "declined" in error.inner_text()
    session.expire_all()
    assert len(session.scalars(select(PaymentCard)).all()) == 1
    context.close()
