"""PostgreSQL waits are bounded below gunicorn's 30 s: a write blocked by another
connection's row lock gives up after lock_timeout (409, try again), and a statement
blocked past statement_timeout answers 503 with Retry-After (API) or a "busy" page with
a way back (site), never a killed worker's 500."""
from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import select

from app.domain.models import Booking
from tests.api.conftest import staff_booking
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="lock_timeout and statement_timeout are PostgreSQL's")


def other_connection(app) -> psycopg.Connection:
    """Another client of the same database, as a second app server or a psql session would be."""
    url = app.extensions["engine"].url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(url)


def test_a_booking_blocked_by_a_held_agent_lock_answers_409_within_the_lock_timeout(app, staff_api, catalog, session):
    with other_connection(app) as holder:
        holder.execute("SELECT id FROM agents WHERE id = %s FOR UPDATE", (catalog["alex"],))
        started = time.monotonic()
        answer = staff_api.post("/bookings", staff_booking(catalog))
        took = time.monotonic() - started
        holder.rollback()
    assert answer.status_code == 409, answer.get_json()
    assert answer.get_json()["error"]["code"] == "conflict"
    assert 2.5 < took < 10, f"waited {took:.1f} s"  # lock_timeout is 3 s
    assert session.scalar(select(Booking)) is None
    # Once the lock is gone, the same request goes through.
    assert staff_api.post("/bookings", staff_booking(catalog)).status_code == 201


def test_a_status_change_in_the_back_office_blocked_by_a_held_row_lock_says_busy_and_leads_back(app, client, session, catalog):
    from app.domain import accounts
    from app.domain.booking import create_booking
    from tests import builders as b
    from tests.conftest import NOW
    from tests.web.helpers import csrf_from, submit

    booking = create_booking(session, b.request(catalog["service"], day="2026-11-24", at="10:00", status="pending",
                                                agent_id=catalog["alex"]), actor=b.STAFF, now=NOW).booking
    accounts.create_user(session, email="admin@example.com", password="correct-horse", role="admin", first_name="Ada", now=NOW)
    session.commit()
    assert submit(client, "/login", {"email": "admin@example.com", "password": "correct-horse"}).status_code == 302
    token = csrf_from(client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True))
    with other_connection(app) as holder:
        holder.execute("SELECT id FROM bookings WHERE id = %s FOR UPDATE", (booking.id,))
        started = time.monotonic()
        answer = client.post(f"/admin/bookings/{booking.id}/status",
                             data={"csrf_token": token, "status": "approved", "version": str(booking.version)})
        took = time.monotonic() - started
        holder.rollback()
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/admin/bookings/{booking.id}")
    assert took < 10, f"waited {took:.1f} s"
    panel = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "busy" in panel
    session.expire_all()
    assert session.get(Booking, booking.id).status == "pending"


def test_a_statement_blocked_past_the_statement_timeout_answers_503_to_the_api_and_a_busy_page_to_people(
        config, session, catalog, read_api):
    from app import create_app

    application = create_app({**config, "DATABASE_STATEMENT_TIMEOUT_SECONDS": 1})
    try:
        with other_connection(application) as holder:
            # Every request reads the cache generations: hold them as a long migration would.
            holder.execute("LOCK TABLE cache_versions IN ACCESS EXCLUSIVE MODE")
            client = application.test_client()
            started = time.monotonic()
            api = client.get("/api/v1/services", headers=read_api.headers)
            page = client.get("/")
            took = time.monotonic() - started
            holder.rollback()
        assert api.status_code == 503 and api.headers["Retry-After"]
        assert api.get_json()["error"]["code"] == "service_unavailable"
        assert page.status_code == 503 and page.headers["Retry-After"]
        html = page.get_data(as_text=True)
        assert "busy" in html.lower() and "href" in html
        assert took < 15, f"took {took:.1f} s"
        # The limit is the app's, for each of its connections.
        with application.extensions["session_factory"]() as s:
            assert s.connection().exec_driver_sql("SHOW statement_timeout").scalar() == "1s"
    finally:
        application.extensions["engine"].dispose()


def test_every_write_transaction_sets_its_lock_timeout(factory):
    from app.domain.concurrency import begin_write

    with factory() as s:
        assert s.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        begin_write(s)
        assert s.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "3s"
        s.rollback()
        # SET LOCAL: it ends with the transaction.
        assert s.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "0"
