"""Incremental sync: strict list parameters, updated_since with an (updated_at, id)
cursor, and sorting by updated_at."""
from __future__ import annotations

import threading
import time as clock
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import text, update

from app.api.openapi import DOCUMENT
from app.domain.models import Booking
from tests.api.conftest import DAY, staff_booking
from tests.conftest import NOW, ON_POSTGRES

T1 = datetime(2021, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
T2 = T1 + timedelta(minutes=5)


def _wait_until(condition, timeout=30.0):
    deadline = clock.monotonic() + timeout
    while not condition():
        assert clock.monotonic() < deadline, "condition not reached"
        clock.sleep(0.02)


def _stamp(session, booking_id, when):
    session.execute(update(Booking).where(Booking.id == booking_id).values(updated_at=when))
    session.commit()


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [b["id"] for b in response.get_json()["data"]]


@pytest.mark.parametrize("path", ["/bookings", "/services", "/agents", "/customers"])
def test_unknown_list_parameters_are_422_naming_them(staff_api, catalog, path):
    response = staff_api.get(f"{path}?date_from={DAY}&search=Jo&page=1")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["details"]) == {"date_from", "search"}
    assert "date_from" in error["message"] and "search" in error["message"]


def test_customer_list_and_detail_refuse_unknown_parameters_too(customer_api, catalog):
    response = customer_api.get("/customer/bookings?search=x")
    assert response.status_code == 422 and set(response.get_json()["error"]["details"]) == {"search"}
    assert customer_api.get("/customer/bookings/1?expand=all").status_code == 422


def test_a_parameter_given_twice_is_refused(staff_api, catalog):
    response = staff_api.get("/bookings?status=approved&status=cancelled")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"status"}


def test_updated_since_and_sort_by_updated_at_with_ties_by_id(staff_api, catalog, session):
    ids = [staff_api.post("/bookings", staff_booking(catalog, start_time=t)).get_json()["data"]["id"] for t in ("09:00", "11:00", "13:00")]
    _stamp(session, ids[0], T2)
    _stamp(session, ids[1], T1)
    _stamp(session, ids[2], T2)

    assert _ids(staff_api.get("/bookings?sort=updated_at")) == [ids[1], ids[0], ids[2]]
    assert _ids(staff_api.get("/bookings?sort=-updated_at")) == [ids[2], ids[0], ids[1]]
    since = quote(T2.isoformat())
    assert _ids(staff_api.get(f"/bookings?sort=updated_at&updated_since={since}")) == [ids[0], ids[2]]
    # "Z" works, and an unencoded "+" (arriving as a space) is understood.
    assert _ids(staff_api.get(f"/bookings?sort=updated_at&updated_since={T1.isoformat().replace('+00:00', 'Z')}")) == [ids[1], ids[0], ids[2]]
    assert _ids(staff_api.get(f"/bookings?sort=updated_at&updated_since={T2.isoformat()}")) == [ids[0], ids[2]]
    # The cursor (updated_at, id) of the last booking seen continues without repeats.
    assert _ids(staff_api.get(f"/bookings?sort=updated_at&updated_since={since}&after_id={ids[0]}")) == [ids[2]]
    assert _ids(staff_api.get(f"/bookings?sort=updated_at&updated_since={since}&after_id={ids[2]}")) == []


def test_a_sync_that_polls_with_the_cursor_sees_every_change_once(staff_api, catalog, session):
    ids = [staff_api.post("/bookings", staff_booking(catalog, start_time=t)).get_json()["data"]["id"] for t in ("09:00", "11:00", "13:00")]
    for booking_id in ids:
        _stamp(session, booking_id, T1)
    seen: list[tuple[int, int]] = []
    cursor = "updated_since=2000-01-01T00:00:00Z"
    for _ in range(3):  # one page of 2 at a time, as a poller would
        page = staff_api.get(f"/bookings?sort=updated_at&per_page=2&{cursor}").get_json()["data"]
        seen += [(b["id"], b["version"]) for b in page]
        if page:
            cursor = f"updated_since={quote(page[-1]['updated_at'])}&after_id={page[-1]['id']}"
        if len(seen) == 2:
            # A change between two polls moves the booking to the end of the order.
            assert staff_api.put(f"/bookings/{ids[0]}", {"notes": "gate code 4417"}).status_code == 200
    assert seen == [(ids[0], 1), (ids[1], 1), (ids[2], 1), (ids[0], 2)][: len(seen)]
    assert len(seen) == 4


def test_bad_sync_parameters_are_422(staff_api, catalog):
    for query, field in (
        ("updated_since=yesterday", "updated_since"),
        (f"updated_since={DAY}T10:00:00", "updated_since"),  # no offset: ambiguous
        ("updated_since=0001-01-01T00:00:00%2B05:00", "updated_since"),
        ("after_id=3", "after_id"),
        (f"updated_since={DAY}T10:00:00Z&after_id=x", "after_id"),
        ("sort=updated", "sort"),
    ):
        response = staff_api.get(f"/bookings?{query}")
        assert response.status_code == 422, query
        assert field in response.get_json()["error"]["details"], query


def test_every_get_operation_of_the_document_refuses_an_unknown_parameter(staff_api, admin_api, customer_api, catalog):
    for template, item in DOCUMENT["paths"].items():
        if "get" not in item:
            continue
        api = customer_api if template.startswith("/customer/") else admin_api if template.startswith("/webhooks") or template.endswith("/payment-policy") else staff_api
        response = api.get(template.replace("{id}", "1") + "?zz_unknown=1")
        assert response.status_code == 422, template
        assert "zz_unknown" in response.get_json()["error"]["details"], template


def _poll(staff_api, cursor: str) -> tuple[list[tuple[int, int]], str]:
    """Everything after the cursor, a page of 2 at a time, as a poller does; the new cursor."""
    seen: list[tuple[int, int]] = []
    while True:
        page = staff_api.get(f"/bookings?sort=updated_at&per_page=2&{cursor}").get_json()["data"]
        if not page:
            return seen, cursor
        seen += [(b["id"], b["version"]) for b in page]
        cursor = f"updated_since={quote(page[-1]['updated_at'])}&after_id={page[-1]['id']}"


def test_a_change_that_started_earlier_but_committed_later_is_not_skipped(app, staff_api, catalog):
    # A writer's `now` is its request's start; one that waited (on a lock, on SQLite's
    # write lock) commits after changes that started later. The cursor still sees it.
    first = staff_api.post("/bookings", staff_booking(catalog, start_time="09:00")).get_json()["data"]["id"]
    second = staff_api.post("/bookings", staff_booking(catalog, start_time="11:00", agent_id=catalog["bo"])).get_json()["data"]["id"]
    seen, cursor = _poll(staff_api, "updated_since=2000-01-01T00:00:00Z")
    assert seen == [(first, 1), (second, 1)]
    app.config["NOW"] = NOW - timedelta(hours=1)  # the slow writer's start, before the other change's
    assert staff_api.put(f"/bookings/{first}", {"notes": "gate code 4417"}).status_code == 200
    assert _poll(staff_api, cursor)[0] == [(first, 2)]


def test_bookings_carry_their_change_number_in_commit_order(staff_api, catalog):
    first = staff_api.post("/bookings", staff_booking(catalog, start_time="09:00")).get_json()["data"]
    second = staff_api.post("/bookings", staff_booking(catalog, start_time="11:00")).get_json()["data"]
    assert 0 < first["change"] < second["change"]
    changed = staff_api.put(f"/bookings/{first['id']}", {"notes": "gate code 4417"}).get_json()["data"]
    assert changed["change"] > second["change"] and changed["version"] == 2


@pytest.mark.skipif(not ON_POSTGRES, reason="needs row locks that another connection waits on (PostgreSQL)")
def test_a_writer_held_up_by_a_row_lock_is_seen_by_the_poller_after_a_later_change(app, staff_api, catalog):
    """Hold a row lock on one booking; a change to it waits; another booking changes and
    commits; the poller passes that change; the lock is released and the waiting change
    commits. The poller's cursor must still bring it."""
    held = staff_api.post("/bookings", staff_booking(catalog, start_time="09:00")).get_json()["data"]["id"]
    other = staff_api.post("/bookings", staff_booking(catalog, start_time="11:00", agent_id=catalog["bo"])).get_json()["data"]["id"]
    _, cursor = _poll(staff_api, "updated_since=2000-01-01T00:00:00Z")
    engine = app.extensions["engine"]
    locker = engine.connect()
    lock_tx = locker.begin()
    answer = {}
    waiting_writer = threading.Thread(target=lambda: answer.setdefault(
        "response", staff_api.put(f"/bookings/{held}", {"notes": "waited for the lock"})))
    try:
        locker.execute(text("SELECT id FROM bookings WHERE id = :id FOR UPDATE"), {"id": held})
        waiting_writer.start()
        with engine.connect() as watcher:
            def writer_waits_on_the_lock():
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )).scalar()
                watcher.rollback()
                return waiting >= 1

            _wait_until(writer_waits_on_the_lock)
        assert staff_api.put(f"/bookings/{other}", {"notes": "changed meanwhile"}).status_code == 200
        seen, cursor = _poll(staff_api, cursor)
        assert seen == [(other, 2)]
    finally:
        lock_tx.rollback()  # whatever happened, the waiting writer goes on (a failure must not hang the run)
        locker.close()
        if waiting_writer.is_alive() or waiting_writer.ident is not None:
            waiting_writer.join(timeout=60)
    assert answer["response"].status_code == 200, answer["response"].get_json()
    assert _poll(staff_api, cursor)[0] == [(held, 2)]


def test_a_change_to_the_latest_booking_under_a_pinned_clock_still_passes_the_cursor(staff_api, catalog):
    # Every request here starts at the same pinned instant: the second change of the
    # booking that holds the latest stamp must still come after it.
    first = staff_api.post("/bookings", staff_booking(catalog, start_time="09:00")).get_json()["data"]["id"]
    second = staff_api.post("/bookings", staff_booking(catalog, start_time="11:00", agent_id=catalog["bo"])).get_json()["data"]["id"]
    _, cursor = _poll(staff_api, "updated_since=2000-01-01T00:00:00Z")
    assert staff_api.put(f"/bookings/{second}", {"notes": "again"}).status_code == 200
    assert _poll(staff_api, cursor)[0] == [(second, 2)]
    assert first < second
