"""Bulk create: items succeed or fail on their own, inside one transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.bulk import TooManyBookings, create_bookings_bulk
from app.domain.inputs import CustomerInput
from app.domain.models import Booking, User
from tests import builders as b


def test_valid_items_are_created_and_failed_ones_leave_nothing(session, now):
    _, svc, _ = b.basic_setup(session)
    requests = [
        b.request(svc.id, day="2026-11-24", at="10:00", customer=CustomerInput("A", "One", "a@example.com")),
        b.request(svc.id, day="2026-11-24", at="10:30", customer=CustomerInput("B", "Two", "b@example.com")),  # clashes with item 0
        b.request(svc.id, day="2026-11-20", at="10:00", customer=CustomerInput("C", "Three", "c@example.com")),  # past
        b.request(svc.id, day="2026-11-24", at="12:00", customer=CustomerInput("A", "One", "A@example.com")),  # same customer
    ]
    result = create_bookings_bulk(session, requests, actor=b.STAFF, now=now)
    assert [i for i, _ in result.created] == [0, 3]
    assert [(i, e.code) for i, e in result.failed] == [(1, "slot_unavailable"), (2, "past_date")]
    assert session.scalar(select(func.count()).select_from(Booking)) == 2
    # The customers of failed items were not created; the repeated e-mail was reused.
    assert sorted(session.scalars(select(User.email))) == ["a@example.com"]


def test_more_than_fifty_items_create_nothing(session, now):
    _, svc, _ = b.basic_setup(session)
    with pytest.raises(TooManyBookings):
        create_bookings_bulk(session, [b.request(svc.id, day="2026-11-24", at="10:00")] * 51, actor=b.STAFF, now=now)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
