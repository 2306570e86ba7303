"""The receptionist's common tasks cost no more than they do now (issue 22): the
gestures of `bench/receptionist.py`, done in Chromium on the demo business with the tasks'
data (`bench/receptionist_setup.py`), counted and held to today's counts as upper bounds,
so a change that adds a click or a page load to one of them fails here.

`.venv/bin/python -m bench.receptionist` prints the same counts for a whole series."""
from __future__ import annotations

import pytest

from bench.receptionist import Receptionist, cancel_one, confirm_pending, log_in, move_series, urgent_job
from bench.receptionist_setup import prepare
from tests.conftest import NOW
from tests.e2e.test_customer_flow import open_page

pytestmark = pytest.mark.demo_business  # each test's database holds the demo, seeded at NOW


def test_the_receptionists_tasks_cost_no_more_than_today(browser, live_server, session):
    data = prepare(session, now=NOW)
    _context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    log_in(page, live_server)
    r = Receptionist(page, live_server, today=NOW.date().isoformat())

    confirmed = confirm_pending(r, data)
    assert confirmed.notes == ["11 of 11 approved"]
    assert confirmed.clicks <= 3 and confirmed.keys == 0 and confirmed.loads <= 2  # pending filter, tick all, Apply to ticked

    urgent = urgent_job(r, data)
    assert urgent.possible and urgent.notes == ["booked"]
    assert urgent.clicks <= 7 and urgent.keys <= len(data["urgent_customer"].split()[0]) and urgent.loads <= 2

    # The whole series at once from its first visit: "This and all later visits", a time, Move here.
    moved = move_series(r, data)
    assert moved.notes == [f"{data['series_visits']} of {data['series_visits']} visits moved"]
    assert moved.clicks <= 3 + 3 and moved.keys <= len(data["series_customer"]) + 1 and moved.loads <= 3

    cancelled = cancel_one(r, data)
    assert cancelled.notes == ["cancelled"]
    assert cancelled.clicks <= 5 and cancelled.keys <= len(data["cancel_code"]) + 1 and cancelled.loads <= 5
