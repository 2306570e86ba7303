"""Bulk create (LatePoint) and availability through HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.models import Booking, OutboxMessage, User
from tests.api.conftest import DAY, staff_booking
from tests.conftest import BOOKING_DAY, day_after


def item(catalog, time, email, **over):
    return staff_booking(catalog, start_time=time, customer={"first_name": "Bulk", "last_name": time, "email": email}) | over


def test_a_bulk_request_of_two_creates_both(staff_api, catalog, session):
    response = staff_api.post("/bookings/bulk", {"bookings": [item(catalog, "09:00", "a@example.com"), item(catalog, "11:00", "b@example.com")],
                                                 "send_confirmation_emails": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "success"
    assert body["data"]["summary"] == {"requested": 2, "created": 2, "failed": 0}
    assert [c["index"] for c in body["data"]["created"]] == [0, 1]
    assert body["data"]["created"][0]["booking"]["status"] == "approved"
    # One confirmation per created booking, to its customer (and its agent).
    assert session.scalar(select(func.count()).where(OutboxMessage.topic == "booking.created", OutboxMessage.recipient.like("%@example.com"))) == 4


def test_a_mixed_bulk_request_is_207_with_per_index_errors(staff_api, catalog, session):
    existing = session.scalar(select(func.count()).select_from(User))
    bookings = [
        item(catalog, "09:00", "a@example.com"),
        item(catalog, "09:30", "b@example.com"),  # clashes with item 0 (same agent)
        item(catalog, "10:00", "c@example.com", service_id=999),
        {"service_id": catalog["service"], "agent_id": "any", "start_date": DAY, "start_time": "12:00"},  # no customer
        item(catalog, "13:00", "A@example.com", agent_id="any"),  # existing customer reused, automatic agent
        item(catalog, "09:00", "d@example.com", start_date="2020-01-07"),
    ]
    response = staff_api.post("/bookings/bulk", {"bookings": bookings})
    assert response.status_code == 207
    data = response.get_json()["data"]
    assert response.get_json()["status"] == "partial"
    assert [c["index"] for c in data["created"]] == [0, 4]
    failures = {f["index"]: f["error"] for f in data["failed"]}
    assert {i: e["code"] for i, e in failures.items()} == {1: "slot_unavailable", 2: "validation_failed", 3: "validation_failed", 5: "past_date"}
    assert "bookings[2].service_id" in failures[2]["details"]  # the field the client sent
    assert "bookings[3].customer" in failures[3]["details"]
    assert data["summary"] == {"requested": 6, "created": 2, "failed": 4}
    assert session.scalar(select(func.count()).select_from(User)) == existing + 1  # a@example.com only
    assert data["created"][0]["booking"]["customer_id"] == data["created"][1]["booking"]["customer_id"]


def test_a_bulk_request_where_all_fail_is_400(staff_api, catalog):
    response = staff_api.post("/bookings/bulk", {"bookings": [item(catalog, "09:00", "a@example.com", start_date="2020-01-07")]})
    assert response.status_code == 400
    assert response.get_json()["status"] == "error"
    assert response.get_json()["data"]["failed"][0]["error"]["code"] == "past_date"


def test_a_bulk_request_of_51_is_refused_whole(staff_api, catalog, session):
    bookings = [item(catalog, "09:00", f"p{i}@example.com", start_date=day_after(i % 28)) for i in range(51)]
    response = staff_api.post("/bookings/bulk", {"bookings": bookings})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "too_many_bookings"
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_malformed_bulk_request_is_400(staff_api, catalog):
    for body in ({"bookings": "many"}, {"bookings": []}, {"items": []}, {"bookings": [1], "send_confirmation_emails": "no"}):
        response = staff_api.post("/bookings/bulk", body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == "validation_failed"


def test_availability_for_an_agent_and_for_any(staff_api, catalog):
    staff_api.post("/bookings", staff_booking(catalog, start_time="10:00"))
    alex = staff_api.get(f"/availability?service_id={catalog['service']}&date={DAY}&agent_id={catalog['alex']}").get_json()["data"]
    assert alex["agent_id"] == catalog["alex"] and alex["duration"] == 60
    assert "10:00" not in alex["available_slots"] and "09:00" in alex["available_slots"]
    assert alex["slots"][0] == {"time": "09:00", "start_at": f"{DAY}T09:00:00-05:00"}
    anyone = staff_api.get(f"/availability?service_id={catalog['service']}&date={DAY}").get_json()["data"]
    assert anyone["agent_id"] == "any" and "10:00" in anyone["available_slots"]
    assert anyone["slots_by_agent"][str(catalog["bo"])][0] == "09:00"
    minus_one = staff_api.get(f"/availability?service_id={catalog['service']}&date={DAY}&agent_id=-1&duration=120").get_json()["data"]
    assert minus_one["duration"] == 120 and minus_one["available_slots"][-1] == "15:00"


def test_availability_for_several_days_and_bad_parameters(customer_api, catalog):
    data = customer_api.get(f"/availability?service_id={catalog['service']}&date={DAY}&days=3").get_json()["data"]
    assert [d["date"] for d in data["days"]] == [DAY, day_after(1), day_after(2)]
    svc = catalog["service"]
    for query, path in ((f"service_id={svc}&date={DAY}&days=15", "days"), (f"service_id={svc}&date={BOOKING_DAY:%d.%m.%Y}", "date"),
                        (f"date={DAY}&service_id=x", "service_id"), (f"service_id={svc}", "date")):
        response = customer_api.get(f"/availability?{query}")
        assert response.status_code == 422 and path in response.get_json()["error"]["details"], query
    assert customer_api.get(f"/availability?service_id=999&date={DAY}").status_code == 404


@pytest.mark.parametrize("query", ["date=9999-12-31&days=14", "date=0001-01-01", f"date={DAY}&days=%C2%B2"])
def test_availability_refuses_dates_it_cannot_step_through(anon, staff_api, catalog, query):
    response = staff_api.get(f"/availability?service_id={catalog['service']}&{query}")
    assert response.status_code == 422
