"""The bookings table's "tick all" box (issue 22): one box in the table head ticks every
row shown, so approving all pending bookings is three clicks (the pending filter, the
box, Apply to ticked). It needs JavaScript; without it the box is not shown and the
rows' own boxes still post the bulk form."""
from __future__ import annotations

import re

import pytest

from tests.e2e.test_customer_flow import open_page
from tests.e2e.test_office_views import login

pytestmark = pytest.mark.demo_business  # each test's database holds the demo, seeded at NOW


def test_the_head_box_ticks_every_row_and_approve_takes_them_all(browser, live_server):
    _context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    page.goto(f"{live_server}/admin/bookings?status=pending&sort=start")
    rows = page.locator("input[type=checkbox][name=ids]")
    shown, before = rows.count(), pending_total(page)
    assert shown >= 2
    tick_all = page.get_by_role("checkbox", name=re.compile(r"^Tick all \d+ bookings shown$"))
    tick_all.check()
    assert [rows.nth(i).is_checked() for i in range(shown)] == [True] * shown
    rows.first.uncheck()  # one cleared by hand: the head box is no longer ticked
    assert not tick_all.is_checked()
    tick_all.check()
    page.get_by_role("button", name="Apply to ticked").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").filter(has_text=f"Approved {shown} booking").count() == 1
    assert pending_total(page) == before - shown  # every row shown, and only those


def pending_total(page) -> int:
    found = re.search(r"(\d+) bookings?\.", page.locator("main").inner_text())
    return int(found.group(1)) if found else 0


def test_without_javascript_the_head_box_is_hidden_and_a_row_box_still_works(browser, live_server):
    _context, page = open_page(browser, js=False, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    page.goto(f"{live_server}/admin/bookings?status=pending&sort=start")
    assert not page.locator("[data-tick-all]").is_visible()
    page.locator("input[type=checkbox][name=ids]").first.check()
    page.get_by_role("button", name="Apply to ticked").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").filter(has_text="Approved 1 booking").count() == 1
