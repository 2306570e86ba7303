"""Availability: working hours, time off, buffers, capacity, notice, horizon, interval,
"any" agent, time zones and daylight saving."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from app.domain.availability import available_slots
from app.domain.booking import create_booking
from app.domain.errors import NotFound, SlotUnavailable, ValidationFailed
from app.domain import accounts
from app.domain.models import BookingEvent, Setting
from tests import builders as b

TUESDAY = "2026-11-24"
ALL_DAY_60 = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)][:-1]  # 09:00 .. 16:00


def slots(session, svc, now, day=TUESDAY, **kw):
    return available_slots(session, service_id=svc.id, day=day, now=now, **kw).available_slots


def book(session, svc, now, day=TUESDAY, at="10:00", **kw):
    return create_booking(session, b.request(svc.id, day=day, at=at, **kw), actor=b.STAFF, now=now).booking


def test_slots_cover_working_hours_on_the_interval_grid(session, now):
    _, svc, _ = b.basic_setup(session)
    assert slots(session, svc, now) == ALL_DAY_60


def test_the_whole_booking_must_fit_inside_one_working_interval(session, now):
    loc = b.location(session)
    svc = b.service(session, loc, duration_minutes=90)
    b.agent(session, [svc], loc, hours={1: [("09:00", "12:00"), ("13:00", "15:00")]})
    session.commit()
    assert slots(session, svc, now) == ["09:00", "09:30", "10:00", "10:30", "13:00", "13:30"]


def test_an_agent_without_hours_that_weekday_has_no_slots(session, now):
    loc = b.location(session)
    svc = b.service(session, loc)
    b.agent(session, [svc], loc, hours={0: [("09:00", "17:00")]})  # Mondays only
    session.commit()
    assert slots(session, svc, now) == []


def test_time_off_removes_the_slots_it_overlaps(session, now):
    loc, svc, agent = b.basic_setup(session)
    # 11:00-13:00 New York time (UTC-5).
    b.time_off(session, agent, b.at_utc("2026-11-24T16:00:00"), b.at_utc("2026-11-24T18:00:00"))
    session.commit()
    free = slots(session, svc, now)
    assert "10:00" in free and "13:00" in free
    assert not {"10:30", "11:00", "12:00", "12:30"} & set(free)


def test_buffers_keep_the_agent_free_before_and_after_a_booking(session, now):
    loc = b.location(session)
    svc = b.service(session, loc, buffer_before_minutes=30, buffer_after_minutes=30)
    b.agent(session, [svc], loc)
    session.commit()
    # With a 30-minute buffer before, the first start is 09:30; after, the last is 15:30.
    free = slots(session, svc, now)
    assert free[0] == "09:30" and free[-1] == "15:30"
    book(session, svc, now, at="12:00")  # occupies 11:30-13:30 with its buffers
    # A new booking occupies 30 minutes either side too: 10:00 ends its buffer at 11:30.
    free = slots(session, svc, now)
    assert "10:00" in free and "14:00" in free
    assert not {"10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30"} & set(free)


def test_pending_and_approved_bookings_hold_their_slot_but_cancelled_ones_do_not(session, now):
    from app.domain.booking import change_status

    _, svc, _ = b.basic_setup(session)
    booking = book(session, svc, now, at="10:00", status="pending")
    assert "10:00" not in slots(session, svc, now)
    change_status(session, booking.id, "approved", actor=b.STAFF, now=now)
    assert "10:00" not in slots(session, svc, now)
    change_status(session, booking.id, "cancelled", actor=b.STAFF, now=now)
    assert "10:00" in slots(session, svc, now)


def test_capacity_lets_customers_share_a_slot_until_it_is_full(session, now):
    loc = b.location(session)
    svc = b.service(session, loc, capacity=2, name="Workshop")
    b.agent(session, [svc], loc)
    session.commit()
    first = book(session, svc, now, at="10:00")
    assert "10:00" in slots(session, svc, now)
    assert "10:30" not in slots(session, svc, now)  # overlapping, but not the shared slot
    second = book(session, svc, now, at="10:00", customer=b.CustomerInput("Sam", "Second", "sam@example.com"))
    assert {first.seat, second.seat} == {1, 2}
    assert "10:00" not in slots(session, svc, now)
    with pytest.raises(SlotUnavailable):
        book(session, svc, now, at="10:00", customer=b.CustomerInput("Tia", "Third", "tia@example.com"))


def customer_books(session, svc, now, day, at):
    customer = accounts.create_user(session, email="cy@example.com", password="correct-horse", first_name="Cy", last_name="C", now=now)
    session.commit()
    return create_booking(session, b.request(svc.id, day=day, at=at, customer_id=customer.id, address="1 Elm St"),
                          actor=b.customer_actor(customer), now=now).booking


def override_lines(session, booking):
    return [e.changes["override"][1] for e in session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id))
            if "override" in e.changes]


def test_minimum_notice_hides_slots_that_are_too_soon(session, now):
    # now is Monday 12:00 in New York; 3 hours' notice leaves 15:00 as the first slot.
    _, svc, _ = b.basic_setup(session, min_notice_minutes=180)
    assert slots(session, svc, now, day="2026-11-23") == ["15:00", "15:30", "16:00"]
    with pytest.raises(SlotUnavailable, match="notice"):
        customer_books(session, svc, now, day="2026-11-23", at="13:00")
    # Staff fit an urgent same-day job in; the history names the rule set aside.
    urgent = book(session, svc, now, day="2026-11-23", at="13:00")
    assert override_lines(session, urgent) == ["Booked inside the service's notice period"]
    assert override_lines(session, book(session, svc, now, day="2026-11-23", at="15:00")) == []


def test_maximum_days_ahead_hides_dates_too_far_away(session, now):
    _, svc, _ = b.basic_setup(session, max_days_ahead=7)
    assert slots(session, svc, now, day="2026-11-30") == ALL_DAY_60
    assert slots(session, svc, now, day="2026-12-01") == []
    with pytest.raises(SlotUnavailable, match="too far"):
        customer_books(session, svc, now, day="2026-12-01", at="10:00")
    later = book(session, svc, now, day="2026-12-01", at="10:00")
    assert override_lines(session, later) == ["Booked beyond the service's booking horizon"]


def test_slot_interval_setting_changes_the_grid(session, now):
    _, svc, _ = b.basic_setup(session)
    session.add(Setting(key="slot_interval_minutes", value="60"))
    session.commit()
    assert slots(session, svc, now) == [f"{h:02d}:00" for h in range(9, 17)]


def test_past_times_today_are_not_offered(session, now):
    _, svc, _ = b.basic_setup(session)
    assert slots(session, svc, now, day="2026-11-23")[0] == "12:00"
    assert slots(session, svc, now, day="2026-11-22") == []


def test_any_agent_lists_a_slot_when_one_agent_is_free_and_picks_the_least_busy(session, now):
    loc = b.location(session)
    svc = b.service(session, loc)
    busy = b.agent(session, [svc], loc, name="Busy Bea")
    idle = b.agent(session, [svc], loc, name="Idle Ian")
    session.commit()
    first = book(session, svc, now, at="09:00", agent_id=busy.id)
    assert first.agent_id == busy.id
    # Both free at 14:00; Ian has fewer bookings that day, so "any" picks Ian.
    second = book(session, svc, now, at="14:00", customer=b.CustomerInput("Sam", "Two", "sam@example.com"))
    assert second.agent_id == idle.id
    result = available_slots(session, service_id=svc.id, day=TUESDAY, now=now)
    by_time = {s.time: list(s.agent_ids) for s in result.slots}
    assert by_time["09:00"] == [idle.id]
    assert by_time["14:00"] == [busy.id]
    assert by_time["11:00"] == [busy.id, idle.id]  # one booking each: a tie goes to the lowest id


def test_agents_only_count_for_services_and_locations_they_offer(session, now):
    loc = b.location(session)
    other = b.location(session, "Europe/Berlin", name="Berlin", is_default=False)
    svc = b.service(session, loc)
    svc.locations.append(other)
    b.agent(session, [svc], other)
    session.commit()
    assert slots(session, svc, now) == []  # the default location has nobody
    assert slots(session, svc, now, location_id=other.id) != []


def test_slots_are_local_to_the_location_time_zone(session, now):
    _, svc, _ = b.basic_setup(session, tz="Europe/Berlin")
    result = available_slots(session, service_id=svc.id, day=TUESDAY, now=now)
    assert result.available_slots[0] == "09:00"
    assert result.slots[0].start_at == b.at_utc("2026-11-24T08:00:00")


def test_unknown_service_agent_or_location_is_not_found(session, now):
    _, svc, _ = b.basic_setup(session)
    with pytest.raises(NotFound):
        available_slots(session, service_id=999, day=TUESDAY, now=now)
    with pytest.raises(NotFound):
        available_slots(session, service_id=svc.id, day=TUESDAY, now=now, agent_id=999)
    with pytest.raises(NotFound):
        available_slots(session, service_id=svc.id, day=TUESDAY, now=now, location_id=999)


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"service_id": "abc"}, "service_id"),
        ({"day": "24/11/2026"}, "date"),
        ({"agent_id": "bob"}, "agent_id"),
        ({"duration": 0}, "duration"),
        ({"duration": True}, "duration"),
    ],
)
def test_bad_availability_parameters_are_field_errors(session, now, params, path):
    _, svc, _ = b.basic_setup(session)
    kwargs = {"service_id": svc.id, "day": TUESDAY, "now": now} | params
    with pytest.raises(ValidationFailed) as info:
        available_slots(session, **kwargs)
    assert path in info.value.details


# --- daylight saving -----------------------------------------------------------------

SUNDAY_NIGHT = {6: [("00:00", "04:00")]}


def dst_setup(session, tz, hours):
    loc = b.location(session, tz)
    svc = b.service(session, loc, duration_minutes=60)
    b.agent(session, [svc], loc, hours=hours)
    session.commit()
    return svc


def instants(result):
    return [s.start_at.strftime("%Y-%m-%dT%H:%MZ") for s in result.slots]


def test_new_york_spring_forward_never_offers_the_skipped_hour(session):
    svc = dst_setup(session, "America/New_York", SUNDAY_NIGHT)
    now = datetime(2026, 1, 10, tzinfo=UTC)
    result = available_slots(session, service_id=svc.id, day="2026-03-08", now=now)
    assert result.available_slots == ["00:00", "00:30", "01:00", "01:30", "03:00"]
    assert instants(result) == [
        "2026-03-08T05:00Z", "2026-03-08T05:30Z", "2026-03-08T06:00Z", "2026-03-08T06:30Z", "2026-03-08T07:00Z",
    ]
    with pytest.raises(ValidationFailed) as info:
        book(session, svc, now, day="2026-03-08", at="02:30")
    assert "start_time" in info.value.details
    booking = book(session, svc, now, day="2026-03-08", at="03:00")
    assert booking.start_at == b.at_utc("2026-03-08T07:00:00")


def test_new_york_fall_back_offers_the_repeated_hour_once(session):
    svc = dst_setup(session, "America/New_York", SUNDAY_NIGHT)
    now = datetime(2026, 10, 1, tzinfo=UTC)
    result = available_slots(session, service_id=svc.id, day="2026-11-01", now=now)
    assert result.available_slots == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"]
    assert instants(result) == [
        "2026-11-01T04:00Z", "2026-11-01T04:30Z", "2026-11-01T05:00Z", "2026-11-01T05:30Z",
        "2026-11-01T07:00Z", "2026-11-01T07:30Z", "2026-11-01T08:00Z",
    ]
    booking = book(session, svc, now, day="2026-11-01", at="01:30")
    assert booking.start_at == b.at_utc("2026-11-01T05:30:00")  # the first 01:30 (EDT)
    # Its hour (05:30-06:30Z) runs into the repeated hour, so 01:00 EST is still taken...
    assert "02:00" in slots(session, svc, now, day="2026-11-01")
    assert "01:00" not in slots(session, svc, now, day="2026-11-01")


def test_berlin_spring_forward_never_offers_the_skipped_hour(session):
    svc = dst_setup(session, "Europe/Berlin", {6: [("00:00", "05:00")]})
    now = datetime(2026, 1, 10, tzinfo=UTC)
    result = available_slots(session, service_id=svc.id, day="2026-03-29", now=now)
    assert result.available_slots == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00"]
    assert instants(result) == [
        "2026-03-28T23:00Z", "2026-03-28T23:30Z", "2026-03-29T00:00Z", "2026-03-29T00:30Z",
        "2026-03-29T01:00Z", "2026-03-29T01:30Z", "2026-03-29T02:00Z",
    ]
    with pytest.raises(ValidationFailed):
        book(session, svc, now, day="2026-03-29", at="02:00")


def test_berlin_fall_back_offers_the_repeated_hour_once(session):
    svc = dst_setup(session, "Europe/Berlin", {6: [("00:00", "05:00")]})
    now = datetime(2026, 10, 1, tzinfo=UTC)
    result = available_slots(session, service_id=svc.id, day="2026-10-25", now=now)
    assert result.available_slots == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00"]
    assert instants(result) == [
        "2026-10-24T22:00Z", "2026-10-24T22:30Z", "2026-10-24T23:00Z", "2026-10-24T23:30Z",
        "2026-10-25T00:00Z", "2026-10-25T00:30Z", "2026-10-25T02:00Z", "2026-10-25T02:30Z", "2026-10-25T03:00Z",
    ]
    booking = book(session, svc, now, day="2026-10-25", at="02:30")
    assert booking.start_at == b.at_utc("2026-10-25T00:30:00")  # 02:30 CEST, the first one


def test_weekly_series_keeps_its_wall_clock_time_across_a_clock_change(session):
    from app.domain.booking import create_booking as create

    loc = b.location(session)
    svc = b.service(session, loc)
    b.agent(session, [svc], loc)
    weekly = b.frequency(session)
    session.commit()
    now = datetime(2026, 10, 20, tzinfo=UTC)
    request = b.request(svc.id, day="2026-10-27", at="10:00", frequency_id=weekly.id)
    result = create(session, request, actor=b.STAFF, now=now)
    times = [o.start_at for o in result.bookings[:2]]
    assert times == [b.at_utc("2026-10-27T14:00:00"), b.at_utc("2026-11-03T15:00:00")]  # 10:00 EDT, then 10:00 EST


# --- cost ------------------------------------------------------------------------------


def test_availability_runs_a_fixed_number_of_queries_whatever_the_table_size(session, now, app):
    loc, svc, agent = b.basic_setup(session)
    engine = app.extensions["engine"]
    counted: list[str] = []

    def count(*_args):
        counted.append("q")

    def measure() -> int:
        session.expunge_all()
        session.rollback()  # a new transaction, as each request has: the versions are read again
        counted.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            available_slots(session, service_id=svc.id, day=TUESDAY, now=now)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(counted)

    book(session, svc, now, at="10:00")
    cold = measure()
    assert cold <= 10  # versions, the catalog (services, locations, agents + 2 links, hours), settings, the day
    # Each booking below raises the agent's schedule version: the day plan is read again.
    book(session, svc, now, day="2026-11-25", at="11:00", customer=b.CustomerInput("A", "B", "c0@example.com"))
    before = measure()
    # Forty more bookings on other days must not change the number of queries.
    for offset in range(1, 41):
        day = (datetime(2026, 11, 25) + timedelta(days=offset)).date().isoformat()
        book(session, svc, now, day=day, at="11:00", customer=b.CustomerInput("A", "B", f"c{offset}@example.com"))
    assert measure() == before
    assert before <= 3  # versions, time off, bookings
    # Nothing changed since: the versions are the only read.
    assert measure() == 1
