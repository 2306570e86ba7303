"""The office in a real browser on the demo business: the week view, a booking's panel,
approve, drag to a free time (it stays after a reload), drag onto a clash (refused, back
in place); axe-core on the calendar and every kind of management page. The clock is
pinned to NOW, when the demo was seeded."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.domain import accounts, demo
from app.domain.booking import create_booking, move_choices
from app.domain.inputs import BookingRequest, CustomerInput, ServiceLineInput
from app.domain.models import Booking, Location
from app.domain.timeutil import zone
from app.web.admin.calendar import DAY_START_HOUR
from tests import builders as b
from tests.conftest import NOW
from tests.e2e.test_customer_flow import no_violations, open_page, settled_after, watch_settles


@pytest.fixture
def office(app, session):
    """For tests marked demo_business: their database holds the demo, seeded at NOW."""
    app.config["NOW"] = moment = NOW
    location = session.scalars(select(Location).where(Location.is_default.is_(True))).one()
    # A pending booking two to nine days ahead at the default location, whose agent has another free time that day.
    for booking in session.scalars(
        select(Booking).where(Booking.status == "pending", Booking.location_id == location.id,
                              Booking.start_at > moment + timedelta(days=2), Booking.series_id.is_(None)).order_by(Booking.start_at)
    ):
        day = booking.start_at.astimezone(zone(location.timezone)).date()
        _, slots = move_choices(session, booking, day=day, agent_id=booking.agent_id, now=moment)
        if len(slots) >= 3:
            return booking, day, slots
    pytest.fail("the demo data has no pending booking with free times around it")


def login(page, base):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(demo.ADMIN_EMAIL)
    page.get_by_label("Password").fill(demo.LOGINS[0][2])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/admin/dashboard")


def minutes(hhmm: str) -> int:
    h, m = (int(x) for x in hhmm.split(":"))
    return (h - DAY_START_HOUR) * 60 + m


def drag(page, booking_id: int, agent_id: int, to_minute: int) -> None:
    block = page.locator(f"#booking-{booking_id}")
    column = page.locator(f'.agent-day[data-agent-id="{agent_id}"]')
    block.drag_to(column, source_position={"x": 8, "y": 4}, target_position={"x": 30, "y": to_minute + 4})


@pytest.mark.demo_business
def test_staff_run_the_day_from_the_calendar(browser, live_server, office, session):
    booking, day, slots = office
    context, page = open_page(browser, viewport={"width": 1400, "height": 1400})
    login(page, live_server)
    page.goto(f"{live_server}/admin/calendar?view=week&date={day.isoformat()}")
    assert page.locator(".block").count() > 5
    no_violations(page)

    page.locator(f"#booking-{booking.id}").click()
    page.get_by_role("button", name="Approve").wait_for()
    no_violations(page)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text(f"Booking {booking.booking_code} is now approved.").wait_for()
    session.expire_all()
    assert session.get(Booking, booking.id).status == "approved"

    # Drag to a free time in the day view: it stays there after a reload.
    page.goto(f"{live_server}/admin/calendar?date={day.isoformat()}")
    own = booking.start_at.astimezone(zone(booking.location.timezone)).strftime("%H:%M")
    target = next(s.time for s in slots if abs(minutes(s.time) - minutes(own)) >= 120 or s is slots[-1])
    drag(page, booking.id, booking.agent_id, minutes(target))
    page.locator(".calendar-status.flash-success").wait_for()
    assert f"{booking.booking_code} moved to" in page.locator("#calendar-status").inner_text()
    # The block says its new start and end as the business writes times, not a bare "14:00".
    moved_label = page.locator(f"#booking-{booking.id} b").inner_text()
    assert moved_label.endswith(" (moved)") and "–" in moved_label and ("AM" in moved_label or "PM" in moved_label), moved_label
    page.reload()
    block = page.locator(f'.agent-day[data-agent-id="{booking.agent_id}"] #booking-{booking.id}')
    assert block.locator("xpath=..").get_attribute("style").startswith(f"top: {minutes(target)}px")
    session.expire_all()
    assert session.get(Booking, booking.id).start_at.astimezone(zone(booking.location.timezone)).strftime("%H:%M") == target

    # Someone takes another free time of the same agent; dragging onto it is refused and the block goes back.
    taken = next(s.time for s in move_choices(session, session.get(Booking, booking.id), day=day, agent_id=booking.agent_id,
                                              now=NOW)[1] if abs(minutes(s.time) - minutes(target)) >= 120)
    create_booking(session, BookingRequest(services=[ServiceLineInput(booking.service_id)], start_date=day.isoformat(), start_time=taken,
                                           agent_id=booking.agent_id, location_id=booking.location_id,
                                           customer=CustomerInput("Walk", "In", "walkin@example.com")), actor=b.STAFF, now=NOW)
    page.reload()
    drag(page, booking.id, booking.agent_id, minutes(taken))
    page.locator(".calendar-status.flash-error").wait_for()
    assert "Not moved" in page.locator("#calendar-status").inner_text()
    block = page.locator(f'.agent-day[data-agent-id="{booking.agent_id}"] #booking-{booking.id}')
    assert block.locator("xpath=..").get_attribute("style").startswith(f"top: {minutes(target)}px")
    session.expire_all()
    assert session.get(Booking, booking.id).start_at.astimezone(zone(booking.location.timezone)).strftime("%H:%M") == target

    # Undo, right after a drag, moves it back to where it was.
    other = next(s.time for s in move_choices(session, session.get(Booking, booking.id), day=day, agent_id=booking.agent_id,
                                              now=NOW, staff=True)[1] if abs(minutes(s.time) - minutes(target)) >= 60)
    drag(page, booking.id, booking.agent_id, minutes(other))
    page.locator(".calendar-status.flash-success").wait_for()
    session.expire_all()
    assert session.get(Booking, booking.id).start_at.astimezone(zone(booking.location.timezone)).strftime("%H:%M") == other
    page.get_by_role("button", name="Undo").click()
    back = page.locator(f'.agent-day[data-agent-id="{booking.agent_id}"] .pos:has(#booking-{booking.id})')
    expect(back).to_have_attribute("style", re.compile(rf"^top: {minutes(target)}px"))
    session.expire_all()
    assert session.get(Booking, booking.id).start_at.astimezone(zone(booking.location.timezone)).strftime("%H:%M") == target
    context.close()


@pytest.mark.demo_business
def test_management_pages_pass_axe(browser, live_server, office, session):
    booking, day, _ = office
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    login(page, live_server)
    urls = [f"/admin/calendar?view=month&date={day.isoformat()}", f"/admin/calendar?date={day.isoformat()}",
            "/admin/bookings", f"/admin/bookings/{booking.id}", "/admin/bookings/new", "/admin/settings", "/admin/api-keys",
            f"/admin/manage/agents/{booking.agent_id}/hours"]
    for key in ("customers", "services", "extras", "parameters", "fields", "frequencies", "discount_codes", "agents", "locations", "staff"):
        urls += [f"/admin/manage/{key}", f"/admin/manage/{key}/new"]
    urls += [f"/admin/manage/services/{booking.service_id}", f"/admin/manage/customers/{booking.customer_id}"]
    for url in urls:
        page.goto(live_server + url)
        no_violations(page)
    # A refused form is accessible too: errors tied to their fields.
    page.goto(f"{live_server}/admin/manage/services/new")
    page.get_by_label("Price (hourly rate for hourly services)").fill("-1")
    page.get_by_role("button", name="Create service").click()
    page.get_by_text("Must be at least 0.").wait_for()
    no_violations(page)
    context.close()


def test_tabbing_to_create_booking_right_after_an_answer_books_nothing(browser, live_server, app, shop, session):
    """htmx sent the submit button with the focus along with the form's refresh: Tab onto
    Create booking right after an answer made that answer's refresh book (and swap the form
    for the booking's page without a form). Only pressing the button books."""
    app.config["NOW"] = NOW
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", first_name="Sam", now=NOW)
    customer = b.customer(session)
    session.commit()
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("staff@example.com")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/admin/dashboard")
    page.goto(f"{live_server}/admin/bookings/new?customer_id={customer.id}")
    watch_settles(page)
    settled_after(page, lambda: page.get_by_label("Standard clean").check())
    settled_after(page, lambda: page.locator(".slot-radio").first.check())
    page.get_by_label("How do we get in? (required)").fill("Code 4417")
    # The answer is left for the button (focus() moves it as Tab does): its refresh goes out.
    settled_after(page, lambda: page.get_by_role("button", name="Create booking").focus())
    expect(page.get_by_role("button", name="Create booking")).to_be_focused()
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/admin/bookings/\d+$"))
    booking = session.scalars(select(Booking)).one()
    assert booking.customer_id == customer.id
    context.close()
