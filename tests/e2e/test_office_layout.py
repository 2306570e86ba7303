"""Small layout defects seen on the screenshots of issue 22's task measurement (1280 and
375 px), held by the browser: a phone number on a day sheet stays on one line (it is
dialled from there), a day sheet on a phone scrolls its table, not the page, and the New
booking customer search fills its row on a phone, styled as the fields under it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import NOW
from tests.e2e.test_customer_flow import open_page
from tests.e2e.test_office_views import login

pytestmark = pytest.mark.demo_business  # each test's database holds the demo, seeded at NOW

ONE_LINE = """links => links.map(a => {
  const lines = a.getClientRects().length;
  return lines === 1 ? null : a.textContent + ' on ' + lines + ' lines';
}).filter(Boolean)"""


def test_day_sheet_phone_numbers_stay_on_one_line(browser, live_server):
    _context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    tomorrow = (NOW + timedelta(days=1)).date().isoformat()
    page.goto(f"{live_server}/admin/calendar/day-sheet?date={tomorrow}")
    phones = page.locator(".sheet-table a[href^='tel:']")
    assert phones.count() >= 3
    assert phones.evaluate_all(ONE_LINE) == []


def test_a_day_sheet_on_a_phone_does_not_scroll_sideways(browser, live_server):
    _context, page = open_page(browser, width=375)
    login(page, live_server)
    tomorrow = (NOW + timedelta(days=1)).date().isoformat()
    page.goto(f"{live_server}/admin/calendar/day-sheet?date={tomorrow}")
    assert page.locator(".sheet-table").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the table scrolls inside its card


def test_the_customer_search_fills_its_row_on_a_phone(browser, live_server):
    _context, page = open_page(browser, width=375)
    login(page, live_server)
    page.goto(f"{live_server}/admin/bookings/new")
    search = page.locator("#customer_q").bounding_box()
    field = page.locator(".search-row").bounding_box()
    assert search["width"] >= field["width"] - 1  # the Find button is there only without JavaScript
    # and it looks like the fields under it (it was a small unstyled box at every width)
    assert search["height"] >= page.locator("#customer_first_name").bounding_box()["height"] - 1
