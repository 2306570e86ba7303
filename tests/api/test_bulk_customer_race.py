"""A bulk item creating a new customer while another transaction inserts the same
e-mail (PostgreSQL): the item waits on the unique index, and when the other side
commits it fails alone, is tried again and reuses that customer; the request is not
lost as a whole."""
from __future__ import annotations

import threading
import time as clock

import pytest
from sqlalchemy import func, insert, select, text

from app.domain.models import Booking, User
from tests.api.conftest import staff_booking
from tests.conftest import NOW, ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="SQLite serialises writers: this race needs PostgreSQL")


def _wait_until(condition, timeout=30.0):
    deadline = clock.monotonic() + timeout
    while not condition():
        assert clock.monotonic() < deadline, "condition not reached"
        clock.sleep(0.02)


def test_a_bulk_item_racing_a_concurrent_insert_of_its_new_customer_fails_alone_then_reuses_it(app, staff_api, catalog, session):
    engine = app.extensions["engine"]
    other = engine.connect()
    other_tx = other.begin()
    other.execute(insert(User).values(email="jo@example.com", role="customer", first_name="Jo", last_name="Other",
                                      created_at=NOW))
    answer = {}

    def send_bulk():
        answer["response"] = staff_api.post("/bookings/bulk", {"bookings": [
            staff_booking(catalog, start_time="09:00", customer={"first_name": "Sam", "last_name": "Roe", "email": "sam@example.com"}),
            staff_booking(catalog, start_time="11:00"),  # jo@example.com, being inserted by `other`
        ]})

    sender = threading.Thread(target=send_bulk)
    sender.start()
    with engine.connect() as watcher:
        def bulk_waits_on_the_index():
            waiting = watcher.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar()
            watcher.rollback()
            return waiting >= 1

        _wait_until(bulk_waits_on_the_index)
    other_tx.commit()
    other.close()
    sender.join(timeout=60)
    response = answer["response"]
    assert response.status_code == 201, response.get_json()
    created = [c["booking"] for c in response.get_json()["data"]["created"]]
    session.expire_all()
    jo = session.scalars(select(User).where(User.email == "jo@example.com")).one()
    assert created[1]["customer_id"] == jo.id and jo.last_name == "Other"
    assert session.scalar(select(func.count()).select_from(User)) == 2
    assert session.scalar(select(func.count()).select_from(Booking)) == 2
