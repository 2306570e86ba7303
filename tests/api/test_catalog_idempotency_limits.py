"""Catalog reads, Idempotency-Key, and rate limits."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.domain.models import Booking, Service
from tests.api.conftest import Api, staff_booking
from tests.conftest import NOW


def test_catalog_lists_and_items_for_any_client(read_api, customer_api, catalog, session):
    services = read_api.get("/services").get_json()
    assert services["meta"]["total"] == 2
    svc = next(s for s in services["data"] if s["id"] == catalog["service"])
    assert svc["agent_ids"] == [catalog["alex"], catalog["bo"]] and svc["extra_ids"] == [catalog["fridge"]]
    assert svc["pricing_parameter_ids"] == [catalog["bedrooms"]] and set(svc["custom_field_ids"]) == {catalog["door"], catalog["pets"]}
    agents = customer_api.get("/agents").get_json()["data"]
    assert agents[0]["service_ids"] == [catalog["service"], catalog["hourly"]] and agents[0]["location_ids"] == [catalog["location"]]
    fields = customer_api.get("/custom_fields").get_json()["data"]
    assert {f["label"] for f in fields} == {"Door code", "Pets"} and all(f["name"] == f["label"] for f in fields)
    frequencies = read_api.get("/frequencies").get_json()["data"]
    assert {f["name"]: f["recurs"] for f in frequencies} == {"One time": False, "Weekly": True}
    for kind in ("extras", "pricing_parameters", "locations"):
        listing = read_api.get(f"/{kind}").get_json()
        assert listing["status"] == "success" and listing["data"]
        first = listing["data"][0]
        assert {"id", "name", "active"} <= set(first)
        assert read_api.get(f"/{kind}/{first['id']}").get_json()["data"] == first
    assert read_api.get("/services/999").status_code == 404


def test_inactive_catalog_objects_only_on_request(read_api, catalog, session):
    session.get(Service, catalog["hourly"]).active = False
    session.commit()
    assert [s["id"] for s in read_api.get("/services").get_json()["data"]] == [catalog["service"]]
    assert len(read_api.get("/services?include_inactive=1").get_json()["data"]) == 2
    assert read_api.get(f"/services/{catalog['hourly']}").status_code == 404
    assert read_api.get(f"/services/{catalog['hourly']}?include_inactive=1").status_code == 200


def test_the_same_idempotency_key_and_body_replays_the_first_answer(staff_api, catalog, session):
    headers = {"Idempotency-Key": "import-42"}
    first = staff_api.post("/bookings", staff_booking(catalog), headers=headers)
    again = staff_api.post("/bookings", staff_booking(catalog), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers.get("Idempotent-Replayed") == "true"
    assert session.scalar(select(func.count()).select_from(Booking)) == 1
    other = staff_api.post("/bookings", staff_booking(catalog, start_time="12:00"), headers=headers)
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_idempotency_keys_belong_to_one_client(staff_api, client, session, catalog):

    from app.domain import accounts

    _, secret = accounts.create_api_key(session, name="second", scope="write", now=NOW)
    second = Api(client, {"X-API-Key": secret})
    assert staff_api.post("/bookings", staff_booking(catalog), headers={"Idempotency-Key": "k"}).status_code == 201
    reply = second.post("/bookings", staff_booking(catalog, start_time="13:00"), headers={"Idempotency-Key": "k"})
    assert reply.status_code == 201 and reply.headers.get("Idempotent-Replayed") is None


def test_errors_are_replayed_too_and_a_put_is_idempotent(staff_api, catalog):
    headers = {"Idempotency-Key": "bad-1"}
    assert staff_api.post("/bookings", staff_booking(catalog, start_date="2020-01-01"), headers=headers).status_code == 422
    assert staff_api.post("/bookings", staff_booking(catalog, start_date="2020-01-01"), headers=headers).headers["Idempotent-Replayed"] == "true"
    booking = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    put = {"Idempotency-Key": "move-1"}
    assert staff_api.put(f"/bookings/{booking['id']}", {"start_time": "14:00"}, headers=put).get_json()["data"]["version"] == 2
    assert staff_api.put(f"/bookings/{booking['id']}", {"start_time": "14:00"}, headers=put).get_json()["data"]["version"] == 2


def test_the_same_key_sent_twice_at_once_makes_one_booking(app, db_url, catalog, staff_api, session):
    """Two threads, each with its own app client and connection, race with one key."""
    key = staff_api.headers["X-API-Key"]
    barrier = threading.Barrier(2)
    answers = []

    def send():
        with app.test_client() as c:
            barrier.wait()
            r = c.post("/api/v1/bookings", json=staff_booking(catalog), headers={"X-API-Key": key, "Idempotency-Key": "same"})
            answers.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(status for status, _ in answers)
    # Either the second saw the first still running (409 conflict) or it replayed it.
    assert codes in ([201, 201], [201, 409]), answers
    if codes == [201, 409]:
        assert next(body for status, body in answers if status == 409)["error"]["code"] == "conflict"
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_login_is_rate_limited_with_retry_after(client, app):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    answers = [client.post("/api/v1/login", json={"email": "x@example.com", "password": "wrong-pass"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_the_api_is_rate_limited_per_key_in_shared_storage(app, staff_api, read_api, session):
    from app.domain.models import RateLimitCounter

    app.config["API_RATE_LIMIT"] = "5 per minute"
    statuses = [staff_api.get("/services").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert read_api.get("/services").status_code == 200  # another key has its own budget
    # The counts live in the database, where every worker process sees them.
    assert session.scalar(select(func.count()).select_from(RateLimitCounter)) >= 2


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
