"""In a real browser: the panel's move form asks for a time outside the agent's working
hours, is refused with the reason and a second confirmation, and moves it once staff
confirm; the history names the override (issue 22)."""
from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.domain.models import Booking
from tests.e2e.test_customer_flow import open_page
from tests.web.test_offered_is_accepted import shop  # noqa: F401 - the fixture (Alex works 8:00-14:00)


def test_staff_confirm_a_move_outside_working_hours_in_the_panel(browser, live_server, shop, session):
    booking = session.scalars(select(Booking)).one()  # Jo Doe, Wednesday 10:00 with Alex Early
    context, page = open_page(browser, viewport={"width": 1280, "height": 1200})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("staff@example.com")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/admin/dashboard")

    page.goto(f"{live_server}/admin/bookings/{booking.id}")
    page.get_by_label("Or another time on that day").fill("07:00")
    page.get_by_role("button", name="Move to this time").click()
    refusal = page.locator(".flash-error")
    refusal.wait_for()
    assert "outside Alex Early's working hours (8:00\u202fAM–2:00\u202fPM on Wednesday)" in refusal.inner_text()
    session.expire_all()
    assert session.get(Booking, booking.id).start_at == booking.start_at  # nothing moved yet

    page.get_by_role("button", name="Move anyway outside working hours").click()
    page.locator(".flash-success").wait_for()
    assert "moved to" in page.locator(".flash-success").inner_text()
    page.get_by_text("Moved outside working hours (Alex Early: 8:00\u202fAM–2:00\u202fPM on Wednesday)").wait_for()
    session.expire_all()
    moved = session.get(Booking, booking.id)
    assert moved.start_at.hour == 12 and moved.start_at.minute == 0  # 7:00 in New York is 12:00 UTC
    context.close()


def test_a_drag_outside_working_hours_is_refused_and_made_once_confirmed(browser, live_server, shop, session):
    from tests.e2e.test_admin_flow import drag, minutes

    booking = session.scalars(select(Booking)).one()
    context, page = open_page(browser, viewport={"width": 1400, "height": 1400})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("staff@example.com")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/admin/dashboard")
    page.goto(f"{live_server}/admin/calendar?date={shop['busy_day'].isoformat()}")
    drag(page, booking.id, shop["alex"], minutes("06:30"))
    page.locator(".calendar-status.flash-error").wait_for()
    assert "outside Alex Early's working hours" in page.locator("#calendar-status").inner_text()
    session.expire_all()
    assert session.get(Booking, booking.id).start_at == booking.start_at  # refused: the block went back
    page.get_by_role("button", name="Move anyway outside working hours").click()
    # Made: the calendar is drawn again with the block at 6:30.
    block = page.locator(f'.agent-day[data-agent-id="{shop["alex"]}"] .pos:has(#booking-{booking.id})')
    expect(block).to_have_attribute("style", re.compile(rf"^top: {minutes('06:30')}px"))
    expect(page.locator("#calendar-status")).not_to_contain_text("outside")
    session.expire_all()
    assert session.get(Booking, booking.id).start_at.hour == 11  # 6:30 in New York is 11:30 UTC
    context.close()
