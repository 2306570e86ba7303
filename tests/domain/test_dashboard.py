"""Each dashboard figure against bookings made through the booking service.

NOW is Monday 2026-11-23, noon in New York. The week runs Mon 23 - Sun 29 November; the
week before Mon 16 - Sun 22; the month is November, the month before October."""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from app.domain import dashboard
from app.domain.booking import change_status, create_booking
from app.domain.inputs import CustomerInput
from app.domain.timeutil import resolve_local, zone
from tests import builders as b
from tests.conftest import NOW

NY = zone("America/New_York")
TODAY = date(2026, 11, 23)


def book(session, service, agent, day: str, at: str, *, status: str = "approved", who: str = "Casey"):
    start = resolve_local(date.fromisoformat(day), time.fromisoformat(at), NY)
    made_at = min(NOW, start - timedelta(days=1))  # past visits are booked with the clock set back, as in the demo
    return create_booking(session, b.request(service.id, day=day, at=at, agent_id=agent.id, status=status,
                                             customer=CustomerInput(who, "Customer", f"{who.lower()}@example.com")),
                          actor=b.STAFF, now=made_at).booking


@pytest.fixture
def business(session):
    loc = b.location(session)
    clean = b.service(session, loc, max_days_ahead=5000)
    b.service(session, loc, name="Window cleaning", max_days_ahead=5000)  # nobody does it
    alex = b.agent(session, [clean], loc, name="Alex Agent")  # 09-17 every day: 56 h a week
    bo = b.agent(session, [clean], loc, name="Bo Agent", email="bo@example.com",
                 hours={d: [("09:00", "17:00")] for d in range(5)})  # weekdays: 40 h
    session.commit()
    made = {
        "today_alex": book(session, clean, alex, "2026-11-23", "14:00"),
        "today_bo_pending": book(session, clean, bo, "2026-11-23", "15:00", status="pending", who="Dana"),
        "tomorrow_alex": book(session, clean, alex, "2026-11-24", "10:00", who="Eli"),
        "cancelled": book(session, clean, bo, "2026-11-25", "10:00", who="Fay"),
        "no_show": book(session, clean, alex, "2026-11-23", "10:00", who="Gus"),
        "last_week_1": book(session, clean, alex, "2026-11-17", "10:00", who="Hal"),
        "last_week_2": book(session, clean, bo, "2026-11-18", "11:00", who="Ivy"),
        "october": book(session, clean, alex, "2026-10-20", "10:00", who="Jo"),
    }
    change_status(session, made["cancelled"].id, "cancelled", actor=b.STAFF, now=NOW)
    change_status(session, made["no_show"].id, "no_show", actor=b.STAFF, now=NOW)
    change_status(session, made["last_week_2"].id, "completed", actor=b.STAFF, now=NOW)
    change_status(session, made["october"].id, "cancelled", actor=b.STAFF, now=made["october"].start_at - timedelta(hours=30))
    session.expire_all()
    return loc, alex, bo, made


def total(*bookings) -> Decimal:
    return sum((x.total for x in bookings), Decimal("0"))


def test_todays_and_tomorrows_bookings_by_agent(session, business):
    loc, _, _, made = business
    today = dashboard.bookings_by_agent(session, loc, TODAY, NY)
    assert [(g.agent_name, [x.id for x in g.bookings]) for g in today] == [
        ("Alex Agent", [made["no_show"].id, made["today_alex"].id]), ("Bo Agent", [made["today_bo_pending"].id])]
    tomorrow = dashboard.bookings_by_agent(session, loc, TODAY + timedelta(days=1), NY)
    assert [(g.agent_name, [x.id for x in g.bookings]) for g in tomorrow] == [("Alex Agent", [made["tomorrow_alex"].id])]
    assert dashboard.bookings_by_agent(session, loc, TODAY + timedelta(days=2), NY) == []  # the cancelled one is left out


def test_waiting_for_approval_lists_pending_bookings_ahead(session, business):
    loc, _, _, made = business
    assert [x.id for x in dashboard.waiting_for_approval(session, loc, NOW)] == [made["today_bo_pending"].id]
    assert dashboard.waiting_for_approval(session, loc, NOW + timedelta(hours=4)) == []  # it has started by then


def test_week_and_month_revenue_against_the_period_before(session, business):
    loc, _, _, made = business
    week = dashboard.booked_revenue(session, loc, dashboard.Period.week_of(TODAY), NY)
    booked_now = total(made["today_alex"], made["today_bo_pending"], made["tomorrow_alex"])
    booked_before = total(made["last_week_1"], made["last_week_2"])
    assert week == dashboard.Comparison(3, booked_now, 2, booked_before)
    assert week.revenue_change == ((booked_now - booked_before) / booked_before * 100).quantize(Decimal("1"))
    month = dashboard.booked_revenue(session, loc, dashboard.Period.month_of(TODAY), NY)
    assert month == dashboard.Comparison(5, booked_now + booked_before, 0, Decimal("0.00"))  # October's only booking was cancelled
    assert month.revenue_change is None


def test_revenue_by_day_sets_each_day_beside_the_same_day_a_week_before(session, business):
    loc, _, _, made = business
    rows = dashboard.revenue_by_day(session, loc, dashboard.Period.week_of(TODAY), NY)
    assert [r[0] for r in rows] == [TODAY + timedelta(days=i) for i in range(7)]
    assert rows[0][1:] == (total(made["today_alex"], made["today_bo_pending"]), Decimal("0"))
    assert rows[1][1:] == (total(made["tomorrow_alex"]), total(made["last_week_1"]))
    assert rows[2][1:] == (Decimal("0"), total(made["last_week_2"]))  # Wednesday's booking was cancelled


def test_utilisation_is_booked_hours_over_working_hours(session, business):
    loc, alex, bo, made = business
    figures = {u.agent_name: u for u in dashboard.utilisation(session, loc, dashboard.Period.week_of(TODAY), NY)}
    alex_minutes = made["today_alex"].duration_minutes + made["tomorrow_alex"].duration_minutes  # the no-show does not count
    assert (figures["Alex Agent"].booked_minutes, figures["Alex Agent"].working_minutes) == (alex_minutes, 56 * 60)
    assert (figures["Bo Agent"].booked_minutes, figures["Bo Agent"].working_minutes) == (made["today_bo_pending"].duration_minutes, 40 * 60)
    assert figures["Alex Agent"].share == (Decimal(alex_minutes) / (56 * 60) * 100).quantize(Decimal("1"))


def test_cancellations_and_no_shows_this_month_and_the_one_before(session, business):
    loc, *_ = business
    assert dashboard.cancellations_and_no_shows(session, loc, dashboard.Period.month_of(TODAY), NY) == dashboard.Losses(1, 1, 1, 0)


def test_services_nobody_can_deliver(session, business):
    loc, alex, bo, _ = business
    assert [(u.location_name, u.services) for u in dashboard.undeliverable_services(session)] == [(loc.name, ["Window cleaning"])]
    alex.active = False
    bo.active = False
    session.commit()
    assert [(u.location_name, u.services) for u in dashboard.undeliverable_services(session)] == [
        (loc.name, ["Standard clean", "Window cleaning"])]
