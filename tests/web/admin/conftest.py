"""A small business with one pending booking and a user of every role."""
from __future__ import annotations


import pytest

from app.domain import accounts
from app.domain.booking import create_booking
from tests import builders as b
from tests.web.helpers import submit
from tests.conftest import DAY, NOW  # noqa: F401  (DAY: for the tests here)


@pytest.fixture
def booked(session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    alex = b.agent(session, [svc], loc, name="Alex Agent")
    b.agent(session, [svc], loc, name="Bo Agent", email="bo@example.com")
    session.commit()
    booking = create_booking(session, b.request(svc.id, day=DAY, at="10:00", status="pending"), actor=b.STAFF, now=NOW).booking
    for role in ("customer", "staff", "admin", "agent"):
        user = accounts.create_user(session, email=f"{role}@example.com", password="correct-horse", role=role, first_name=role.title(),
                                    now=NOW)
        if role == "agent":
            alex.user_id = user.id  # Alex Agent logs in as agent@example.com
    session.commit()
    return booking


def login_as(client, role):
    if role != "anonymous":
        submit(client, "/login", {"email": f"{role}@example.com", "password": "correct-horse"})
    return client
