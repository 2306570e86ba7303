"""In a real browser: picking a customer in New booking's search fills the address and
phone from their profile (the form's refresh morphs the values in), and the form opens
on the first day with free times (issue 22)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.test_customer_flow import open_page
from tests.web.admin.test_new_booking_form import TODAY, office  # noqa: F401 - the fixture


def test_picking_a_customer_fills_address_and_phone(browser, live_server, office):
    context, page = open_page(browser)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("staff@example.com")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/admin/dashboard")
    page.goto(f"{live_server}/admin/bookings/new")
    page.get_by_label("Urgent repair").check()
    expect(page.locator(f'input[name="date"][value="{TODAY.isoformat()}"]')).to_be_checked()
    page.get_by_label("Who is it for?").fill("casey")
    page.get_by_label("Casey Customer").check()
    expect(page.locator("#address")).to_have_value("9 Oak Lane")
    expect(page.locator("#city")).to_have_value("Queens")
    expect(page.locator("#phone")).not_to_have_value("")
    context.close()
