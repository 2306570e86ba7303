"""Fixed class times (issue 21): a group service with class times offers exactly those
starts, each until its places are gone, and a customer's booking is accepted at exactly
those starts."""
from __future__ import annotations

from datetime import time

import pytest

from app.domain.availability import available_days, available_slots
from app.domain.booking import create_booking
from app.domain.class_times import as_text, parse_class_times
from app.domain.errors import SlotUnavailable, ValidationFailed
from app.domain.validation import BadValue
from tests import builders as b

TUESDAY = "2026-11-24"


def slots(session, svc, now, day=TUESDAY):
    return available_slots(session, service_id=svc.id, day=day, now=now).available_slots


@pytest.mark.parametrize("text, parsed", [
    ("18:00, 10:00", (time(10), time(18))),
    ("09:30 14:00", (time(9, 30), time(14))),
    ("", ()),
    ("  ", ()),
])
def test_class_times_parse_sorted(text, parsed):
    assert parse_class_times(text) == parsed
    assert parse_class_times(as_text(parsed)) == parsed


@pytest.mark.parametrize("text, words", [
    ("10:00, 10:00", "given twice"), ("10", "not a time"), ("25:00", "not a time"), ("10:00;", "not a time"),
    ("10:00, ²0:00", "not a time"), (", ".join(f"{h:02d}:30" for h in range(24)) + ", 00:15", "At most 24"), (7, "as text"),
    ("1" * 201, "200 characters"),
])
def test_bad_class_times_are_refused_naming_the_entry(text, words):
    with pytest.raises(BadValue, match=words):
        parse_class_times(text)


@pytest.fixture
def workshop(session):
    loc = b.location(session)
    svc = b.service(session, loc, capacity=2, name="Workshop", class_times="10:00, 15:00", max_days_ahead=400)
    early = b.agent(session, [svc], loc, name="Early Agent", hours={1: [("09:00", "13:00")]})
    late = b.agent(session, [svc], loc, name="Late Agent", email="late@example.com", hours={1: [("12:00", "17:00")]})
    session.commit()
    return svc, early, late


def test_only_the_class_times_are_offered_on_days_someone_works_them(session, now, workshop):
    svc, early, late = workshop
    assert slots(session, svc, now) == ["10:00", "15:00"]  # 10:00 by the early agent, 15:00 by the late one
    assert available_slots(session, service_id=svc.id, day=TUESDAY, now=now, agent_id=early.id).available_slots == ["10:00"]
    assert slots(session, svc, now, day="2026-11-25") == []  # nobody works Wednesdays
    week = available_days(session, service_id=svc.id, first=TUESDAY, days=7, now=now)
    assert [(d.date.isoformat(), d.available_slots) for d in week if d.available_slots] == [(TUESDAY, ["10:00", "15:00"])]


def test_a_customer_books_a_class_time_until_it_is_full_and_nothing_between(session, now, workshop):
    svc, _, _ = workshop
    customers = [b.customer(session, f"c{i}@example.com") for i in range(3)]
    session.commit()

    def customer_books(who, at):
        return create_booking(session, b.request(svc.id, day=TUESDAY, at=at, customer=None, address="1 Elm St", city="Brooklyn"),
                              actor=b.customer_actor(who), now=now).booking

    with pytest.raises(ValidationFailed) as refused:
        customer_books(customers[0], "10:30")  # on the booking grid, but not a class time
    assert "time" in str(refused.value.details) or "start" in str(refused.value.details)
    first, second = customer_books(customers[0], "10:00"), customer_books(customers[1], "10:00")
    assert {first.seat, second.seat} == {1, 2} and first.slot_key == second.slot_key
    assert slots(session, svc, now) == ["15:00"]
    with pytest.raises(SlotUnavailable):
        customer_books(customers[2], "10:00")
