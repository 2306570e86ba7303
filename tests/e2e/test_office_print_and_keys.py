"""The office day by keyboard, on paper and on a phone (issue 22): a skip link to the
calendar, working hours that can be told from white, day sheets that print one agent a
page without the site's chrome, the 375 px day view without sideways page scroll, and
axe-core on the new pages (customer record, day sheets)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import pytest

from app.domain.models import Booking, BookingStatus
from app.domain.timeutil import zone
from tests.conftest import NOW
from tests.e2e.test_customer_flow import no_violations, open_page
from tests.e2e.test_admin_flow import office  # noqa: F401  (fixture)
from tests.e2e.test_office_views import demo_office, login, shot  # noqa: F401  (fixture)

pytestmark = pytest.mark.demo_business

CONTRAST = """(selector) => {
  const band = document.querySelector(selector);
  const m = getComputedStyle(band).boxShadow.match(/rgba?\\(([^)]+)\\)/);
  const [r, g, b] = m[1].split(',').slice(0, 3).map(Number);
  const lum = [r, g, b].map(v => v / 255).map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
  const l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
  return 1.05 / (l + 0.05);
}"""


def test_skip_link_and_working_hours_contrast(browser, live_server, demo_office):
    _, busiest = demo_office
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    page.goto(f"{live_server}/admin/calendar?view=day&date={busiest.isoformat()}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the calendar"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "calendar-grid"
    page.keyboard.press("Tab")  # the next stop is the first booking, not the 40 links before it
    assert page.evaluate("!!document.activeElement.closest('#calendar-grid .block')")
    assert page.evaluate(CONTRAST, ".band-work") >= 3.0  # WCAG 1.4.11: the edge of working hours
    no_violations(page)
    context.close()


def test_day_sheets_print_one_agent_a_page(browser, live_server, demo_office, session):
    location, busiest = demo_office
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    page.goto(f"{live_server}/admin/calendar?view=day&date={busiest.isoformat()}")
    page.get_by_role("link", name="Day sheets").click()
    page.get_by_role("heading", name="Day sheets").wait_for()
    sheets = page.locator(".day-sheet")
    agents = {b.agent_id for b in session.scalars(select(Booking).where(Booking.location_id == location.id,
                                                                        Booking.status != BookingStatus.CANCELLED))
              if b.start_at.astimezone(zone(location.timezone)).date() == busiest}
    assert sheets.count() == len(agents) >= 2
    no_violations(page)
    shot(page, "day-sheets-1280")
    page.emulate_media(media="print")
    for chrome in (".site-header", ".admin-nav", "[data-print]", ".site-footer"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert sheets.first.is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.day-sheet')).breakAfter") == "page"
    context.close()


def test_the_phone_day_view_and_the_customer_record(browser, live_server, demo_office, session):
    _, busiest = demo_office
    context, page = open_page(browser, viewport={"width": 375, "height": 812})
    login(page, live_server)
    page.goto(f"{live_server}/admin/calendar?view=day&date={busiest.isoformat()}")
    # The grid scrolls inside its frame; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "day-375")
    customer_id = session.scalars(select(Booking.customer_id).order_by(Booking.id)).first()
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server}/admin/customers/{customer_id}")
        page.get_by_role("heading", name="Visits").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # wide tables scroll in their frame
        no_violations(page)
        shot(page, f"customer-record-{width}")
    context.close()


def test_typing_a_date_in_the_move_form_keeps_the_caret(browser, live_server, demo_office, session):
    """Each keystroke in the panel's date field used to reload the whole panel, putting
    the cursor back on the month: typing 12092026 gave another date. Now only the times
    refresh, after the typing settles, and the field keeps its focus and value."""
    _, busiest = demo_office
    booking = session.scalars(select(Booking).where(Booking.status.in_(("pending", "approved")), Booking.start_at > NOW)
                              .order_by(Booking.start_at)).first()
    target = busiest + timedelta(days=9)
    context, page = open_page(browser, viewport={"width": 1280, "height": 900}, locale="en-US")
    login(page, live_server)
    page.goto(f"{live_server}/admin/bookings/{booking.id}")
    field = page.locator("#move-date")
    field.focus()  # on the month part
    page.keyboard.type(target.strftime("%m%d%Y"), delay=60)
    assert field.input_value() == target.isoformat()
    assert page.evaluate("document.activeElement.id") == "move-date"
    page.wait_for_function("(day) => document.querySelector('#move-times').textContent.includes(day)", arg=f"{target:%B} {target.day}")
    assert field.input_value() == target.isoformat() and page.evaluate("document.activeElement.id") == "move-date"
    # ArrowUp on the day part steps one day, not a month or a year.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowUp")
    assert field.input_value() == (target + timedelta(days=1)).isoformat()
    context.close()


def test_the_open_panel_sits_beside_the_columns_and_follows_a_drag(browser, live_server, office, session):
    """At 1920 px the panel covered the last agent's column; and after dragging the open
    booking, its panel still had the old version, so its next action said "someone else
    changed it" to the person who had just moved it."""
    from tests.e2e.test_admin_flow import drag, minutes

    booking, day, slots = office
    context, page = open_page(browser, viewport={"width": 1920, "height": 1200})
    login(page, live_server)
    page.goto(f"{live_server}/admin/calendar?date={day.isoformat()}")
    page.locator(f"#booking-{booking.id}").click()
    page.locator(f'#panel [data-booking-id="{booking.id}"]').wait_for()
    panel_left = page.evaluate("document.getElementById('panel').getBoundingClientRect().left")
    wrap_right = page.evaluate("document.querySelector('.calendar-wrap').getBoundingClientRect().right")
    assert wrap_right <= panel_left + 1  # the last column is visible beside the panel
    # The header's and the office menu's links are not under the panel (Log out was).
    covered = page.evaluate("""(left) => [...document.querySelectorAll('.site-header a, .site-header button, .admin-nav a')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().right > left).map(e => e.textContent.trim())""", panel_left)
    assert covered == []
    own = booking.start_at.astimezone(zone(booking.location.timezone)).strftime("%H:%M")
    target = next(s.time for s in slots if abs(minutes(s.time) - minutes(own)) >= 120 or s is slots[-1])
    drag(page, booking.id, booking.agent_id, minutes(target))
    page.locator(".calendar-status.flash-success").wait_for()
    session.expire_all()
    version = session.get(Booking, booking.id).version
    page.locator(f'#panel input[name="version"][value="{version}"]').first.wait_for(state="attached")  # the panel was fetched again
    assert page.evaluate("!!document.activeElement.closest('#calendar-grid')") or page.evaluate("document.activeElement === document.body")
    page.locator("#panel").get_by_role("button", name="Approve").click()
    page.get_by_text(f"Booking {booking.booking_code} is now approved.").wait_for()
    assert "Someone else changed" not in page.locator("#panel").inner_text()
    context.close()
