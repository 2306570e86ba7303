"""The month calendar's answer: per day, exactly as many free times as the one-day
answer lists, for a fixed number of queries whatever the length of the range."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.domain.availability import available_slots
from app.domain.booking import create_booking
from app.domain.errors import DomainError
from app.domain.free_days import first_free_day, free_days
from app.domain.inputs import ServiceLineInput
from tests import builders as b


def _shop(session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=60)
    # Works Tuesdays and Thursdays only; a day off in the middle of the month.
    alex = b.agent(session, [svc], loc, hours={1: [("09:00", "12:00")], 3: [("09:00", "10:00")]})
    session.commit()
    return loc, svc, alex


def test_a_day_is_free_exactly_when_the_one_day_answer_lists_times(session, now):
    loc, svc, alex = _shop(session)
    b.time_off(session, alex, b.at_utc("2026-12-01T00:00:00"), b.at_utc("2026-12-02T05:00:00"))  # all of Tue 1 Dec
    create_booking(session, b.request(svc.id, day="2026-12-03", at="09:00"), actor=b.STAFF, now=now)  # Thu 3 Dec full
    create_booking(session, b.request(svc.id, day="2026-12-08", at="10:00"), actor=b.STAFF, now=now)
    month = free_days(session, [ServiceLineInput(svc.id)], first=date(2026, 11, 1), last=date(2026, 12, 31), now=now)
    for offset in range(61):
        day = date(2026, 11, 1) + timedelta(days=offset)
        one_day = available_slots(session, service_id=svc.id, day=day.isoformat(), now=now).available_slots
        assert month.earliest.get(day) == (one_day[0] if one_day else None), day
    assert date(2026, 12, 1) not in month.days and date(2026, 12, 3) not in month.days
    assert date(2026, 11, 24) in month.days and date(2026, 12, 8) in month.days


def test_days_before_today_and_beyond_the_horizon_have_no_times(session, now):
    _, svc, _ = _shop(session)
    month = free_days(session, [ServiceLineInput(svc.id)], first=date(2026, 11, 1), last=date(2027, 3, 1), now=now)
    assert min(month.days) == date(2026, 11, 24)  # today (Monday 23rd) is not a working day
    assert max(month.days) <= date(2026, 11, 23) + timedelta(days=60)


def test_a_month_costs_a_fixed_number_of_queries(app, session, now):
    _, svc, _ = _shop(session)
    statements = []
    engine = app.extensions["engine"]

    def count(*_args):
        statements.append(1)

    # Warm the catalog cache first (cache.py), so both counts below read the same way.
    free_days(session, [ServiceLineInput(svc.id)], first=date(2026, 12, 1), last=date(2026, 12, 2), now=now)
    event.listen(engine, "before_cursor_execute", count)
    try:
        free_days(session, [ServiceLineInput(svc.id)], first=date(2026, 12, 1), last=date(2026, 12, 7), now=now)
        week = len(statements)
        statements.clear()
        free_days(session, [ServiceLineInput(svc.id)], first=date(2026, 12, 1), last=date(2026, 12, 31), now=now)
        month = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # No more for a month than for a week (the second reads fewer: the services read for
    # the first are kept for the transaction, pricing._services).
    assert 0 < month <= week <= 10


def test_next_available_skips_empty_weeks(session, now):
    loc, svc, alex = _shop(session)
    b.time_off(session, alex, b.at_utc("2026-11-24T00:00:00"), b.at_utc("2026-12-20T00:00:00"))
    session.commit()
    found = first_free_day(session, [ServiceLineInput(svc.id)], after=date(2026, 11, 23), now=now)
    assert found == date(2026, 12, 22)
    assert first_free_day(session, [ServiceLineInput(svc.id)], after=date(2027, 6, 1), now=now) is None


def test_refuses_services_that_do_not_exist(session, now):
    _shop(session)
    with pytest.raises(DomainError):
        free_days(session, [ServiceLineInput(999)], first=date(2026, 12, 1), last=date(2026, 12, 2), now=now)

