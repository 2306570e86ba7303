"""Agents' schedules: weekly hours typed as ranges (several a day, no overlaps) and time
off in the agent's own zone, each change audited."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.domain import schedules
from app.domain.audit import recent_changes
from app.domain.errors import NotFound, ValidationFailed
from tests import builders as b
from tests.conftest import BOOKING_DAY, DAY

# Europe/Berlin's clocks go forward at 02:00 on the last Sunday of March.
_MARCH_31 = date(BOOKING_DAY.year, 3, 31)
SPRING_FORWARD = (_MARCH_31 - timedelta(days=(_MARCH_31.weekday() + 1) % 7)).isoformat()


@pytest.fixture
def agent(session):
    loc = b.location(session, tz="Europe/Berlin")
    alex = b.agent(session, [b.service(session, loc)], loc, hours={})
    session.commit()
    return alex


def test_several_ranges_a_day_are_saved_in_order_and_audited(session, now, agent):
    schedules.set_working_hours(session, agent.id, {0: "13:00-17:00, 09:00-12:00", 5: "10:00-24:00"}, actor=b.ADMIN, now=now)
    assert schedules.hours_as_text(agent) == {0: "09:00-12:00, 13:00-17:00", 1: "", 2: "", 3: "", 4: "", 5: "10:00-23:59", 6: ""}
    assert recent_changes(session, "agents", agent.id)[0].changes["Monday"] == ["", "09:00-12:00, 13:00-17:00"]


@pytest.mark.parametrize(("text", "message"), [
    ("9-17", '"9-17" is not a time range; write it like 09:00-17:00.'),
    ("09:00-25:00", '"09:00-25:00" has a time that does not exist.'),
    ("17:00-09:00", 'In "17:00-09:00" the end must be after the start.'),
    ("09:00-12:00, 11:00-14:00", "09:00-12:00 and 11:00-14:00 overlap."),
])
def test_a_bad_range_is_refused_on_its_day_and_nothing_changes(session, now, agent, text, message):
    with pytest.raises(ValidationFailed) as caught:
        schedules.set_working_hours(session, agent.id, {2: text}, actor=b.ADMIN, now=now)
    assert caught.value.details == {"day-2": message}
    session.rollback()
    assert agent.working_hours == []


def test_time_off_is_read_in_the_agents_zone(session, now, agent):
    off = schedules.add_time_off(session, agent.id, {"start": f"{DAY}T09:00", "end": f"{DAY}T12:00", "reason": "Dentist"},
                                 actor=b.ADMIN, now=now)
    # Berlin is UTC+1 in January.
    assert (off.start_at.astimezone(UTC), off.reason) == (datetime.combine(BOOKING_DAY, time(8, 0), tzinfo=UTC), "Dentist")
    assert schedules.time_off_for(session, agent, now) == [off]


@pytest.mark.parametrize(("values", "errors"), [
    ({"start": "", "end": ""}, {"start": "Give the first moment of the time off.", "end": "Give the moment work starts again."}),
    ({"start": f"{DAY}T12:00", "end": f"{DAY}T09:00"}, {"end": "Must be after the start."}),
    ({"start": f"{SPRING_FORWARD}T02:30", "end": f"{SPRING_FORWARD}T05:00"},
     {"start": "That time does not exist on that day (the clocks go forward); pick another."}),
])
def test_bad_time_off_is_refused_naming_the_field(session, now, agent, values, errors):
    with pytest.raises(ValidationFailed) as caught:
        schedules.add_time_off(session, agent.id, values, actor=b.ADMIN, now=now)
    assert caught.value.details == errors


def test_time_off_of_another_agent_is_not_removed(session, now, agent):
    off = schedules.add_time_off(session, agent.id, {"start": f"{DAY}T09:00", "end": f"{DAY}T12:00"}, actor=b.ADMIN, now=now)
    other = b.agent(session, [], b.location(session, name="Other", is_default=False), name="Bo", email="bo@example.com")
    session.commit()
    with pytest.raises(NotFound):
        schedules.remove_time_off(session, other.id, off.id, actor=b.ADMIN, now=now)
    schedules.remove_time_off(session, agent.id, off.id, actor=b.ADMIN, now=now)
    assert schedules.time_off_for(session, agent, now) == []


def test_an_agent_without_a_location_works_in_the_business_zone(session, agent):
    agent.locations = []
    assert schedules.agent_timezone(session, agent) == "America/New_York"
