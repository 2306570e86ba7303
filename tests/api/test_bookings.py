"""The staff bookings endpoints (app/api/bookings.py) beyond the basics in
test_staff_bookings.py: bulk request format and error paths, a replayed PUT's ETag, a strict
send_confirmation_email, matched customers, custom prices, service and agent changes, and
every bad id a field error."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.domain.models import Agent, Booking, Location, OutboxMessage, User
from tests import builders as b
from tests.api.conftest import DAY, Api, staff_booking
from tests.builders import stored
from tests.security.corpus import BAD_EMAIL


def _count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_an_invalid_bulk_format_is_400_and_creates_nothing(staff_api, catalog, session):
    for body in ({}, {"bookings": "x"}, {"bookings": []}, {"bookings": [staff_booking(catalog)], "send_confirmation_emails": "yes"},
                 {"bookings": [staff_booking(catalog)], "extra": 1}):
        response = staff_api.post("/bookings/bulk", body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == "validation_failed", body
    response = staff_api.post("/bookings/bulk", [])
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
    assert _count(session, Booking) == 0


def test_a_failed_item_reports_every_error_at_the_paths_the_client_sent(staff_api, catalog):
    response = staff_api.post("/bookings/bulk", {"bookings": [
        staff_booking(catalog, start_time="25:00", customer={"first_name": "Jo"}),
        staff_booking(catalog, service_id=999),
        staff_booking(catalog, notes=5, start_time="09:00"),
        staff_booking(catalog, start_time="11:00"),
    ]})
    assert response.status_code == 207
    failed = {f["index"]: f["error"] for f in response.get_json()["data"]["failed"]}
    assert set(failed[0]["details"]) == {"bookings[0].start_time", "bookings[0].customer.last_name", "bookings[0].customer.email"}
    assert set(failed[1]["details"]) == {"bookings[1].service_id"}
    assert set(failed[2]["details"]) == {"bookings[2].notes"}
    single = staff_api.post("/bookings", staff_booking(catalog, service_id=999))
    assert set(single.get_json()["error"]["details"]) == {"service_id"}


def test_two_items_creating_the_same_new_customer_share_one_customer(staff_api, catalog, session):
    response = staff_api.post("/bookings/bulk", {"bookings": [
        staff_booking(catalog, start_time="09:00"), staff_booking(catalog, start_time="11:00", customer={
            "first_name": "Joanna", "last_name": "Doe", "email": "JO@example.com"}),
    ]})
    assert response.status_code == 201, response.get_json()
    created = [c["booking"] for c in response.get_json()["data"]["created"]]
    assert created[0]["customer_id"] == created[1]["customer_id"]
    assert _count(session, User) == 1


def test_a_replayed_put_carries_its_etag(staff_api, catalog):
    booking = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    headers = {"Idempotency-Key": "put-1"}
    first = staff_api.put(f"/bookings/{booking['id']}", {"notes": "Gate 4417"}, headers=headers)
    again = staff_api.put(f"/bookings/{booking['id']}", {"notes": "Gate 4417"}, headers=headers)
    assert first.headers["ETag"] == '"2"'
    assert again.headers.get("Idempotent-Replayed") == "true" and again.headers["ETag"] == '"2"'
    assert again.get_data() == first.get_data()


def test_post_bookings_refuses_a_non_boolean_send_confirmation_email(staff_api, catalog, session):
    for value in ("yes", 1, None, "true"):
        response = staff_api.post("/bookings", staff_booking(catalog, send_confirmation_email=value))
        assert response.status_code == 422, value
        assert "send_confirmation_email" in response.get_json()["error"]["details"]
    assert _count(session, Booking) == 0
    assert staff_api.post("/bookings", staff_booking(catalog, send_confirmation_email=True)).status_code == 201
    assert _count(session, OutboxMessage) >= 1


def test_a_new_customer_whose_email_exists_is_matched_and_the_answer_says_so(staff_api, catalog, session):
    first = staff_api.post("/bookings", staff_booking(catalog, start_time="09:00"))
    assert first.status_code == 201 and first.get_json()["data"]["customer_matched"] is False
    jo_id = first.get_json()["data"]["customer_id"]
    again = staff_api.post("/bookings", staff_booking(catalog, start_time="11:00", customer={
        "first_name": "Joanna", "last_name": "Smith", "email": "JO@example.com"}))
    data = again.get_json()["data"]
    assert (data["customer_id"], data["customer_matched"]) == (jo_id, True)
    assert data["customer"]["first_name"] == "Jo"  # the existing customer's names stand
    named = staff_api.post("/bookings", {k: v for k, v in staff_booking(catalog, start_time="13:00", customer_id=jo_id).items() if k != "customer"})
    assert named.get_json()["data"]["customer_matched"] is False

    bulk = staff_api.post("/bookings/bulk", {"bookings": [
        staff_booking(catalog, start_time="14:00", customer={"first_name": "Sam", "last_name": "Roe", "email": "sam@example.com"}),
        staff_booking(catalog, start_time="15:00", customer={"first_name": "Sammy", "last_name": "Roe", "email": "sam@example.com"}),
        staff_booking(catalog, start_time="16:00"),
    ]}).get_json()["data"]["created"]
    assert [(c["customer_matched"], c["customer_id"] == c["booking"]["customer_id"]) for c in bulk] == [(False, True), (True, True), (True, True)]
    assert bulk[2]["customer_id"] == jo_id
    assert _count(session, User) == 2


def _breakdown_adds_up(price):
    d = {k: Decimal(v) for k, v in price.items()}
    lines = max(d["subtotal"] - d["frequency_discount"] - d["discount"] - d["gift_card"], Decimal(0))
    return lines + d["adjustment"] + d["tip"] == d["total"]


def test_a_custom_price_keeps_the_breakdown_consistent_and_survives_a_service_change(staff_api, catalog, session):
    booking = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    assert booking["price_overridden"] is False and booking["price"]["adjustment"] == "0.00"
    custom = staff_api.put(f"/bookings/{booking['id']}", {"price": "80"}).get_json()["data"]
    assert custom["price_overridden"] is True
    assert (custom["price"]["subtotal"], custom["price"]["adjustment"], custom["price"]["total"]) == ("100.00", "-20.00", "80.00")
    assert _breakdown_adds_up(custom["price"])
    # Another service (hourly, 45.00 x 2 h = 90.00): the agreed price stands, said so.
    moved = staff_api.put(f"/bookings/{booking['id']}", {"service_id": catalog["hourly"]})
    assert moved.status_code == 200, moved.get_json()
    moved = moved.get_json()["data"]
    assert (moved["service_id"], moved["price_overridden"], moved["price"]["total"]) == (catalog["hourly"], True, "80.00")
    assert moved["price"]["subtotal"] == "90.00" and _breakdown_adds_up(moved["price"])
    # null goes back to the catalog price.
    back = staff_api.put(f"/bookings/{booking['id']}", {"price": None}).get_json()["data"]
    assert (back["price_overridden"], back["price"]["total"], back["price"]["adjustment"]) == (False, "90.00", "0.00")
    history = staff_api.get(f"/bookings/{booking['id']}").get_json()["data"]
    assert history["version"] == 4


def test_a_finished_booking_cannot_be_given_to_an_agent_who_does_not_offer_its_service(staff_api, catalog, session):
    window = b.service(session, session.get(Location, catalog["location"]), name="Windows", max_days_ahead=5000)
    outsider = b.agent(session, [window], session.get(Location, catalog["location"]), name="Win Dow", email="win@example.com")
    session.commit()
    booking = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    assert staff_api.put(f"/bookings/{booking['id']}", {"status": "completed"}).status_code == 200
    refused = staff_api.put(f"/bookings/{booking['id']}", {"agent_id": outsider.id})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "slot_unavailable"
    assert staff_api.get(f"/bookings/{booking['id']}").get_json()["data"]["agent_id"] == catalog["alex"]
    # A service the new agent does not offer either way is refused too; Bo offers it.
    assert staff_api.put(f"/bookings/{booking['id']}", {"service_id": window.id}).status_code == 409
    fixed = staff_api.put(f"/bookings/{booking['id']}", {"agent_id": catalog["bo"]})
    assert fixed.status_code == 200 and fixed.get_json()["data"]["agent_id"] == catalog["bo"]


def test_an_item_missing_fields_still_reports_its_other_errors_and_is_never_created(staff_api, catalog, session):
    item = {k: v for k, v in staff_booking(catalog, start_time="25:00", notes=7, colour="red").items() if k != "agent_id"}
    item["customer"] = {"first_name": "Jo", "nickname": "J"}
    response = staff_api.post("/bookings/bulk", {"bookings": [item, {k: v for k, v in staff_booking(catalog).items() if k != "agent_id"}]})
    assert response.status_code == 400
    failed = response.get_json()["data"]["failed"]
    assert set(failed[0]["error"]["details"]) == {
        "bookings[0].agent_id", "bookings[0].colour", "bookings[0].customer.nickname", "bookings[0].start_time",
        "bookings[0].notes", "bookings[0].customer.last_name", "bookings[0].customer.email"}
    # Fine but for the missing agent_id: checked, reported, and not created.
    assert set(failed[1]["error"]["details"]) == {"bookings[1].agent_id"}
    assert _count(session, Booking) == 0 and _count(session, User) == 0


def test_completed_to_cancelled_needs_an_admin_scope_key(staff_api, admin_api, catalog):
    booking = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    assert staff_api.put(f"/bookings/{booking['id']}", {"status": "completed"}).status_code == 200
    refused = staff_api.put(f"/bookings/{booking['id']}", {"status": "cancelled"})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "invalid_status_transition"
    assert "admin" in refused.get_json()["error"]["message"]
    done = admin_api.put(f"/bookings/{booking['id']}", {"status": "cancelled", "reason": "Refunded"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["data"]["status"] == "cancelled"


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


def test_an_unknown_location_id_is_a_field_error_like_every_other_id(staff_api, catalog):
    for field in ("location_id", "service_id", "customer_id"):
        response = staff_api.post("/bookings", staff_booking(catalog, **{field: 999}))
        assert response.status_code == 422, (field, response.get_json())
        assert field in response.get_json()["error"]["details"]
    bulk = staff_api.post("/bookings/bulk", {"bookings": [staff_booking(catalog, location_id=999)]})
    assert bulk.status_code == 400
    assert bulk.get_json()["data"]["failed"][0]["error"]["details"] == {"bookings[0].location_id": "There is no location with id 999."}
    assert staff_api.get("/bookings").get_json()["meta"]["total"] == 0


@pytest.mark.parametrize("body", [{"notes": "\ud800"}, {"staff_notes": "x\ud800y"}, {"notes": "a\u0000b"},
                                  {"customer.email": "jo\u0000@example.com"}])
def test_lone_surrogates_and_nul_in_updates_are_refused_by_field(staff_api, catalog, session, body):
    created = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    before = stored(session)
    response = staff_api("PATCH", f"/bookings/{created['id']}", body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == set(body)
    assert stored(session) == before


def test_nul_bytes_in_api_text_are_refused_by_field(staff_api, catalog, session):
    before = stored(session)
    body = staff_booking(catalog, notes="a\u0000b", customer={"first_name": "J\u0000", "last_name": "D", "email": "jo@example.com"})
    response = staff_api.post("/bookings", body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"notes", "customer.first_name"}
    assert stored(session) == before
    login = Api(staff_api.client, {}).post("/login", {"email": "casey\u0000@example.com", "password": "x"})
    assert login.status_code == 422


@pytest.mark.parametrize("email", [BAD_EMAIL, "jo@example.com\n", "jo@@example.com", "jo@example", "jo@localhost",
                                   "a" * 65 + "@example.com", "jo@" + "a" * 250 + ".com", "jö@example.com", "Jo <jo@example.com>"])
def test_api_bookings_refuse_bad_customer_addresses(staff_api, catalog, session, email):
    before = stored(session)
    response = staff_api.post("/bookings", staff_booking(catalog, customer={"first_name": "Jo", "last_name": "D", "email": email}))
    assert response.status_code == 422
    assert "customer.email" in response.get_json()["error"]["details"]
    bulk = staff_api.post("/bookings/bulk", {"bookings": [staff_booking(catalog, customer={"first_name": "Jo", "last_name": "D", "email": email})]})
    assert bulk.status_code == 400
    assert "bookings[0].customer.email" in bulk.get_json()["data"]["failed"][0]["error"]["details"]
    assert stored(session) == before


def test_a_patched_customer_email_is_validated(staff_api, catalog):
    created = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    response = staff_api("PATCH", f"/bookings/{created['id']}", {"customer.email": BAD_EMAIL})
    assert response.status_code == 422 and "customer.email" in response.get_json()["error"]["details"]


def test_addresses_are_normalised_lower_case_with_an_ascii_domain(staff_api, catalog, session):
    response = staff_api.post("/bookings", staff_booking(catalog, customer={"first_name": "Jo", "last_name": "D", "email": "Jo.Doe@Exämple.COM"}))
    assert response.status_code == 201
    assert session.scalar(select(User.email).where(User.first_name == "Jo")) == "jo.doe@xn--exmple-cua.com"
