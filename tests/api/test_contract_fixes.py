"""Issue 23's smaller contract fixes, each as a client sees it: a new service brings its
own length, a method the path does not take is 405, every bad id is 422, Retry-After only
where there is something to wait for, one strict boolean, sms_notifications shown."""
from __future__ import annotations

from app.domain.models import Agent, Location
from tests import builders as b

from .conftest import DAY, staff_booking


def test_changing_the_service_without_a_duration_books_the_new_services_own_length(staff_api, catalog, session):
    long = b.service(session, session.get(Location, catalog["location"]), name="Deep clean", duration_minutes=240, max_days_ahead=5000)
    agents = [session.get(Agent, catalog[name]) for name in ("alex", "bo")]
    for agent in agents:
        agent.services.append(long)
    session.commit()
    booking = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    assert booking["duration"] == 60
    other = staff_booking(catalog, start_time="13:00", customer={"first_name": "Bo", "last_name": "B", "email": "b@example.com"})
    assert staff_api.post("/bookings", other).status_code == 201
    # 10:00 + 240 minutes would run into Alex's 13:00 booking: refused, nothing changed.
    refused = staff_api.put(f"/bookings/{booking['id']}", {"service_id": long.id})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "slot_unavailable"
    same = staff_api.get(f"/bookings/{booking['id']}").get_json()["data"]
    assert (same["service_id"], same["duration"], same["version"]) == (catalog["service"], 60, booking["version"])
    moved = staff_api.put(f"/bookings/{booking['id']}", {"service_id": long.id, "start_time": "09:00"})
    assert moved.status_code == 200, moved.get_json()
    data = moved.get_json()["data"]
    assert (data["service_id"], data["duration"], data["start_time"], data["end_time"]) == (long.id, 240, "09:00", "13:00")
    # The slot is now taken for all four hours.
    free = staff_api.get(f"/availability?service_id={catalog['service']}&agent_id={catalog['alex']}&date={DAY}").get_json()
    assert not {"09:00", "10:00", "11:00", "12:00"} & set(free["data"]["available_slots"])
