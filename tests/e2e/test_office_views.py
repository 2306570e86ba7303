"""The office on the demo business in a real browser, the clock pinned to NOW: the team's
week on its busiest day (every block's time fully visible), approving from the panel
recolours the block without a reload, history in people's words, the dashboard, and an
agent's day on a 375 px phone; axe-core on every page this work added.

Set SCREENSHOT_DIR to keep screenshots of each page at 1280 and 375 px."""
from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain import accounts, demo
from app.domain.models import Agent, Booking, BookingStatus, Location
from app.domain.timeutil import zone
from tests.conftest import NOW
from tests.e2e.test_customer_flow import no_violations, open_page

SHOTS = os.environ.get("SCREENSHOT_DIR", "")
pytestmark = pytest.mark.demo_business  # each test's database holds the demo, seeded at NOW


def shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def demo_office(app, session):
    app.config["NOW"] = NOW
    location = session.scalars(select(Location).where(Location.is_default.is_(True))).one()
    tz = zone(location.timezone)
    week = [NOW.astimezone(tz).date() + timedelta(days=i) for i in range(-NOW.astimezone(tz).weekday(), 7 - NOW.astimezone(tz).weekday())]
    rows = session.scalars(select(Booking).where(Booking.location_id == location.id, Booking.status != BookingStatus.CANCELLED))
    per_day = Counter(b.start_at.astimezone(tz).date() for b in rows)
    busiest = max(week, key=lambda d: per_day[d])
    return location, busiest


def login(page, base, email=demo.ADMIN_EMAIL, password=demo.LOGINS[0][2]):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


HIDDEN_LABELS = """() => [...document.querySelectorAll('.block')].filter(block => {
  const label = block.querySelector('b');
  const a = label.getBoundingClientRect(), box = block.getBoundingClientRect();
  return label.scrollWidth > label.clientWidth || a.right > box.right + 0.5 || a.left < box.left - 0.5 || a.width < 20;
}).map(block => block.id + ': ' + block.querySelector('b').textContent)"""


def test_the_team_week_is_readable_and_follows_the_panel(browser, live_server, demo_office, session):
    location, busiest = demo_office
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    assert page.url.endswith("/admin/dashboard")
    page.goto(f"{live_server}/admin/calendar?view=week&date={busiest.isoformat()}")
    blocks = page.locator(".team-week .block")
    assert blocks.count() >= 12
    assert page.evaluate(HIDDEN_LABELS) == []  # every block's time label is fully visible at 1280 px
    assert page.locator(".block.s-cancelled").count() == 0  # cancelled bookings only show when asked for
    rows = page.locator(".team-week tbody tr").count()
    assert rows == len(session.scalars(select(Agent).where(Agent.active.is_(True), Agent.locations.any(Location.id == location.id))).all())
    no_violations(page)
    shot(page, "week-1280")

    # Approve a pending booking in the panel: the block turns approved without a reload.
    pending = page.locator(".team-week .block.s-pending").first
    block_id = pending.get_attribute("id")
    booking = session.get(Booking, int(block_id.removeprefix("booking-")))
    pending.click()
    page.get_by_role("button", name="Approve").click()
    page.get_by_text(f"Booking {booking.booking_code} is now approved.").wait_for()
    page.locator(f"#{block_id}.s-approved").wait_for()
    assert page.locator(f"#{block_id} i").count() == 0  # the "pending" word went with the colour
    history = page.locator("#panel .history").inner_text()
    assert "Status changed by Ada Admin" in history and "Status: Pending → Approved" in history
    assert "Booked by demo data" in history and "Total: $" in history and "_id" not in history
    no_violations(page)
    shot(page, "week-panel-1280")

    # Moving it to another agent reads as names in the history.
    other = page.locator("#move-agent option:not([selected])").first
    if other.count():
        old_name = booking.agent.name
        new_name = other.inner_text()
        with page.expect_response(lambda r: "agent_id=" in r.url):
            page.locator("#move-agent").select_option(label=new_name)
        page.locator("#panel .slot").first.wait_for()
        page.locator("#panel .slot").first.click()
        page.get_by_role("button", name="Move here").click()
        page.get_by_text(f"Agent: {old_name} → {new_name}").wait_for()
    context.close()

    phone, small = open_page(browser, viewport={"width": 375, "height": 812})
    login(small, live_server)
    small.goto(f"{live_server}/admin/calendar?view=week&date={busiest.isoformat()}")
    assert small.locator("details.fold >> nth=0").get_attribute("open") is None  # the office menu is folded on a phone
    assert small.evaluate(HIDDEN_LABELS) == []
    shot(small, "week-375")
    phone.close()


def test_dashboard_and_an_agents_day(browser, live_server, demo_office, session):
    location, _ = demo_office
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    page.get_by_role("heading", name="Waiting for approval").wait_for()
    assert page.locator("svg.chart rect.bar-now").count() == 7
    # The chart's day and value labels are readable (they were 9 px), and there is a value axis.
    smallest = page.evaluate("Math.min(...[...document.querySelectorAll('svg.chart text')].map(t => t.getBoundingClientRect().height))")
    assert smallest >= 12, smallest
    assert page.locator("svg.chart text.tick").count() == 3
    assert page.locator(".util li").count() >= 3
    no_violations(page)
    shot(page, "dashboard-1280")
    if page.locator(".waiting li").count():
        action = page.locator(".waiting form").first.get_attribute("action")
        page.locator(".waiting button").first.click()
        page.get_by_text("is now approved").wait_for()
        assert page.url.startswith(f"{live_server}/admin/dashboard")
        assert page.locator(f'.waiting form[action="{action}"]').count() == 0
        session.expire_all()
        assert session.get(Booking, int(action.split("/")[-2])).status == "approved"
    # New pages of this work pass axe too.
    agent = session.scalars(select(Agent).where(Agent.active.is_(True), Agent.locations.any(Location.id == location.id)).order_by(Agent.id)).first()
    booking = session.scalars(select(Booking).where(Booking.status.in_(("pending", "approved")), Booking.start_at > NOW).order_by(Booking.start_at)).first()
    for url in (f"/admin/bookings/{booking.id}/cancel", f"/admin/manage/services/{booking.service_id}/deactivate",
                f"/admin/manage/agents/{agent.id}/hours", "/admin/bookings/new", f"/admin/manage/agents/{agent.id}",
                "/admin/manage/locations/new", "/admin/settings"):
        page.goto(live_server + url)
        no_violations(page)
    page.goto(f"{live_server}/admin/bookings/new")
    page.get_by_label("Who is it for? Search by name, e-mail or phone").fill("casey")
    page.locator("#customer-results label", has_text="casey@example.com").wait_for()
    no_violations(page)
    context.close()

    phone, small = open_page(browser, viewport={"width": 375, "height": 812})
    login(small, live_server)
    small.goto(f"{live_server}/admin/dashboard")
    shot(small, "dashboard-375")
    phone.close()

    # An agent's day on a phone.
    user = accounts.create_user(session, email="agent@example.com", password="correct-horse", role="agent", first_name="Field", now=NOW)
    agent.user_id = user.id
    session.commit()
    phone, small = open_page(browser, viewport={"width": 375, "height": 812})
    login(small, live_server, "agent@example.com", "correct-horse")
    assert small.url.endswith("/admin/my-day")
    small.get_by_role("heading", name="Your day").wait_for()
    if small.locator(".job").count() == 0:  # nothing today for this agent: look at tomorrow
        small.get_by_role("link", name="Next day →").click()
    assert small.locator(".job").count() >= 1
    assert small.evaluate("document.scrollingElement.scrollWidth") <= 375  # nothing wider than the phone
    tel = small.locator('.job a[href^="tel:"]')
    assert tel.count() == 0 or tel.first.inner_text().startswith("Call")
    assert small.locator('.job a[href^="https://www.google.com/maps/search/"]').count() >= 1
    no_violations(small)
    shot(small, "my-day-375")
    phone.close()
