"""The office dashboard: the day ahead, what waits for approval, how the week and month
compare with the ones before, how busy each agent is, and what cannot be booked. Every
figure comes from one query in `domain.dashboard`; this module only picks the location
and the periods and lays the charts out (server-rendered SVG, no script)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import render_template, request

from ...db import get_session
from ...domain import dashboard, read_models
from ...domain.timeutil import zone
from ..formatting import money
from .views import bp, now

CHART_HEIGHT = 120


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str  # for the reader: "Mon: $120.00"


# Room on the left of the chart for the value axis's labels ("$1,250").
CHART_LEFT = 100


def nice_top(top: Decimal) -> Decimal:
    """The axis's top: the smallest round figure (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
    power of ten) at or above `top`, so the tallest bar nearly reaches it."""
    if top <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(top))) - 1)
    for step in (1, Decimal("1.5"), 2, Decimal("2.5"), 3, 4, 5, 6, 8, 10):
        if top <= step * power:
            return step * power
    return 10 * power


def day_bars(rows: list[tuple[Any, Decimal, Decimal]], money: Any) -> tuple[list[tuple[str, Bar, Bar]], int, list[tuple[int, str]]]:
    """Two bars a day (this period, the one before), on a value axis from 0 to a round
    figure above the tallest; the axis's ticks (0, half, top) as (y, label)."""
    top = nice_top(max([max(a, b) for _, a, b in rows] + [Decimal(0)]))
    groups = []
    for i, (day, amount, before) in enumerate(rows):
        x = CHART_LEFT + 10 + i * 60
        h_now, h_before = (int(CHART_HEIGHT * v / top) for v in (amount, before))
        groups.append((day, Bar(x + 22, CHART_HEIGHT - h_now, 20, h_now, money(amount)),
                       Bar(x, CHART_HEIGHT - h_before, 20, h_before, money(before))))
    ticks = [(CHART_HEIGHT - int(CHART_HEIGHT * share), money(top * share)) for share in (Decimal(0), Decimal("0.5"), Decimal(1))]
    return groups, CHART_LEFT + 20 + len(rows) * 60, ticks


def by_time(groups: list[dashboard.AgentDay]) -> list[Any]:
    """A day's bookings in the order they happen (the office reads its day by the clock)."""
    return sorted((b for g in groups for b in g.bookings), key=lambda b: (b.start_at, b.agent.name))


@bp.get("/dashboard")
def dashboard_page() -> Any:
    session = get_session()
    locations = read_models.active_locations(session)
    if not locations:
        return render_template("admin/calendar/empty.html")
    wanted = request.args.get("location_id", "")
    location = next((loc for loc in locations if str(loc.id) == wanted), locations[0])
    tz = zone(location.timezone)
    moment = now()
    today = moment.astimezone(tz).date()
    week, month = dashboard.Period.week_of(today), dashboard.Period.month_of(today)
    by_day = dashboard.revenue_by_day(session, location, week, tz)
    bars, chart_width, ticks = day_bars(by_day, lambda v: money(v, location))
    return render_template(
        "admin/dashboard.html", locations=locations, location=location, today=today, tomorrow=today + timedelta(days=1),
        today_bookings=by_time(dashboard.bookings_by_agent(session, location, today, tz)),
        tomorrow_bookings=by_time(dashboard.bookings_by_agent(session, location, today + timedelta(days=1), tz)),
        waiting=dashboard.waiting_for_approval(session, location, moment, limit=7),  # six shown; a seventh means "more"
        week=week, month=month,
        week_revenue=dashboard.booked_revenue(session, location, week, tz),
        month_revenue=dashboard.booked_revenue(session, location, month, tz),
        week_collected=dashboard.money_collected(session, location, week, tz),
        month_collected=dashboard.money_collected(session, location, month, tz),
        losses=dashboard.cancellations_and_no_shows(session, location, month, tz),
        utilisation=dashboard.utilisation(session, location, week, tz),
        undeliverable=dashboard.undeliverable_services(session),
        bars=bars, chart_width=chart_width, chart_height=CHART_HEIGHT, chart_left=CHART_LEFT, ticks=ticks,
    )
