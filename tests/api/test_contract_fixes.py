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


def test_a_method_a_fixed_path_does_not_take_is_405_not_a_missing_booking(customer_api, staff_api):
    for api, path, allowed in ((customer_api, "/customer/bookings/price", "OPTIONS, POST"), (staff_api, "/bookings/bulk", "OPTIONS, POST")):
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            response = api(method, path, {})
            assert response.status_code == 405, (method, path, response.get_json())
            assert response.get_json()["error"]["code"] == "method_not_allowed"
            assert response.headers["Allow"] == allowed  # and OPTIONS, which werkzeug answers itself


def test_an_unknown_location_id_is_a_field_error_like_every_other_id(staff_api, catalog):
    for field in ("location_id", "service_id", "customer_id"):
        response = staff_api.post("/bookings", staff_booking(catalog, **{field: 999}))
        assert response.status_code == 422, (field, response.get_json())
        assert field in response.get_json()["error"]["details"]
    bulk = staff_api.post("/bookings/bulk", {"bookings": [staff_booking(catalog, location_id=999)]})
    assert bulk.status_code == 400
    assert bulk.get_json()["data"]["failed"][0]["error"]["details"] == {"bookings[0].location_id": "There is no location with id 999."}
    assert staff_api.get("/bookings").get_json()["meta"]["total"] == 0


def test_retry_after_comes_only_with_a_429_and_counts_to_the_same_reset(app, read_api, catalog):
    app.config["API_RATE_LIMIT"] = "2 per 10 seconds"
    answers = [read_api.get("/services") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    for answer in answers[:2]:
        assert "X-RateLimit-Reset" in answer.headers and "Retry-After" not in answer.headers
    refused = answers[-1]
    reset, wait = int(refused.headers["X-RateLimit-Reset"]), int(refused.headers["Retry-After"])
    # The window is 10 seconds: the wait is what is left of it (not a fixed minute), and a
    # client waiting that long arrives at or after the reset the other header names.
    assert 1 <= wait <= 11
    assert reset - 11 <= reset - wait <= reset


def test_include_inactive_takes_one_strict_flag_on_every_catalog_list_and_item(read_api, catalog):
    kinds = {"services": catalog["service"], "extras": catalog["fridge"], "pricing_parameters": catalog["bedrooms"],
             "custom_fields": catalog["door"], "frequencies": catalog["once"], "locations": catalog["location"], "agents": catalog["alex"]}
    for kind, object_id in kinds.items():
        for path in (f"/{kind}", f"/{kind}/{object_id}"):
            for bad in ("abc", "yes", "TRUE", "", "2"):
                response = read_api.get(f"{path}?include_inactive={bad}")
                assert response.status_code == 422, (path, bad)
                assert "include_inactive" in response.get_json()["error"]["details"]
            for good in ("1", "true", "0", "false"):
                assert read_api.get(f"{path}?include_inactive={good}").status_code == 200, (path, good)


def test_sms_notifications_is_shown_on_the_booking_and_the_customer(staff_api, customer_api, catalog):
    from .conftest import launch27_body

    created = customer_api.post("/customer/bookings", launch27_body(catalog, sms_notifications=True))
    assert created.status_code == 201, created.get_json()
    mine = customer_api.get(f"/customer/bookings/{created.get_json()['id']}").get_json()["data"]
    assert mine["sms_notifications"] is True
    staff_view = staff_api.get(f"/bookings/{mine['id']}").get_json()["data"]
    assert staff_view["sms_notifications"] is True
    customer = staff_api.get(f"/customers/{staff_view['customer_id']}").get_json()["data"]
    assert isinstance(customer["sms_notifications"], bool)
    quiet = staff_api.post("/bookings", staff_booking(catalog, start_time="14:00")).get_json()["data"]
    assert quiet["sms_notifications"] is False


def test_affilation_is_the_configured_account_slug(app, customer_api, catalog, session):
    from .conftest import launch27_body

    created = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()
    assert created["ga_transaction"]["affilation"] == "sparkle-and-fix"
