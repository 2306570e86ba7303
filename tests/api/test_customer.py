"""Customer endpoints, Launch27 style, through HTTP."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.domain.models import Booking, CustomerToken
from tests.api.conftest import DAY, launch27_body, staff_booking
from tests.conftest import NOW, day_after


def test_login_returns_an_expiring_token_and_wrong_credentials_get_the_same_401(client, session):
    from app.domain import accounts

    accounts.create_user(session, email="me@example.com", password="correct-horse", now=NOW)
    ok = client.post("/api/v1/login", json={"email": "ME@example.com", "password": "correct-horse"})
    assert ok.status_code == 200
    body = ok.get_json()
    assert len(body["token"]) > 30 and datetime.fromisoformat(body["expires_at"]) > NOW + timedelta(days=1)
    assert session.scalars(select(CustomerToken.token_hash)).one() != body["token"]  # stored hashed
    wrong_password = client.post("/api/v1/login", json={"email": "me@example.com", "password": "nope-nope"})
    no_such_user = client.post("/api/v1/login", json={"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong_password.status_code == no_such_user.status_code == 401
    assert wrong_password.get_json() == no_such_user.get_json()
    assert client.post("/api/v1/login", json={"email": 5}).status_code == 422


def test_logout_revokes_the_token(customer_api):
    assert customer_api.get("/customer/bookings").status_code == 200
    assert customer_api.post("/logout").status_code == 200
    assert customer_api.get("/customer/bookings").status_code == 401


def test_an_expired_token_is_refused(customer_api, session):
    token = session.scalars(select(CustomerToken)).one()
    token.expires_at = NOW - timedelta(seconds=1)
    session.commit()
    assert customer_api.get("/customer/bookings").status_code == 401


def test_the_launch27_example_body_creates_a_pending_booking(customer_api, catalog, session):
    response = customer_api.post("/customer/bookings", launch27_body(catalog))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    booking = session.get(Booking, body["id"])
    assert body == {
        "id": booking.id,
        "ga_transaction": {"id": booking.booking_code, "affilation": "sparkle-and-fix", "revenue": 100.0},
        "ga_item": {"id": booking.booking_code, "name": "Booking", "price": 100.0, "quantity": 1},
    }
    assert booking.status == "pending" and booking.address == "595 Market St" and booking.zip == "94105"
    assert booking.start_at == datetime.fromisoformat(f"{DAY}T14:30:00+00:00")


def test_a_full_launch27_request_with_hourly_extras_parameters_fields_tip_and_code(customer_api, catalog, session):
    body = launch27_body(
        catalog,
        services=[{"id": catalog["hourly"], "hourly": {"quantity": 2, "minutes": 120},
                   "extras": [{"id": catalog["fridge"], "quantity": 1}], "pricing_parameters": [{"id": catalog["bedrooms"], "quantity": 2}]}],
        custom_fields=[{"id": catalog["door"], "value": "4417"},
                       {"id": catalog["pets"], "values": [{"id": catalog["pets_cat"]}, {"id": catalog["pets_other"], "other": "Parrot"}]}],
        tip=10, discount_code="save10", customer_notes="Use the side door", sms_notifications=True,
    )
    price = customer_api.post("/customer/bookings/price", body).get_json()["data"]
    # 45 x 2 x 2h = 180 + fridge 25 + 2 x 15 = 235; 10% code = 23.50; + tip 10 = 221.50
    assert price == {"subtotal": "235.00", "frequency_discount": "0.00", "discount": "23.50", "gift_card": "0.00",
                     "tip": "10.00", "total": "221.50", "duration": 120 + 30 + 40}
    created = customer_api.post("/customer/bookings", body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["ga_item"]["price"] == 221.5
    booking = customer_api.get(f"/customer/bookings/{created.get_json()['id']}").get_json()["data"]
    assert booking["price"]["total"] == "221.50"
    assert booking["services"][0]["hourly"] == {"quantity": 2, "minutes": 120}
    assert {f["label"] for f in booking["custom_fields"]} == {"Door code", "Pets"}
    assert "staff_notes" not in booking


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"services": [{"id": 1, "hourly": {"quantity": 2, "minutes": 45}}]}, "services[0].hourly.minutes"),
        ({"services": [{"id": 1, "hourly": {"quantity": 101, "minutes": 60}}]}, "services[0].hourly.quantity"),
        ({"services": [{"id": 1, "hourly": {"quantity": 1}}]}, "services[0].hourly.minutes"),
        ({"services": [{"id": 1, "extras": [{"id": 1, "quantity": 10001}]}]}, "services[0].extras[0].quantity"),
        ({"services": [{"id": 1, "pricing_parameters": [{"id": 1, "quantity": -1}]}]}, "services[0].pricing_parameters[0].quantity"),
        ({"services": []}, "services"),
        ({"service_date": f"{DAY} 09:30"}, "service_date"),
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"tip": 100001}, "tip"),
        ({"arrival_window": 1441}, "arrival_window"),
        ({"state": "CALI"}, "state"),
        ({"custom_fields": [{"id": 1, "value": "x", "values": []}]}, "custom_fields[0]"),
        ({"frequency_id": "2"}, "frequency_id"),
        ({"address": ""}, "address"),
    ],
)
def test_every_schema_violation_is_422_with_its_field_path(customer_api, catalog, change, path):
    response = customer_api.post("/customer/bookings", launch27_body(catalog) | change)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and path in error["details"], error


def test_all_missing_required_fields_are_listed_at_once(customer_api, catalog):
    response = customer_api.post("/customer/bookings", {})
    details = response.get_json()["error"]["details"]
    assert set(details) == {"address", "frequency_id", "service_date", "arrival_window", "services", "payment_method"}


def test_domain_errors_after_the_schema_keep_their_codes(customer_api, catalog):
    past = customer_api.post("/customer/bookings", launch27_body(catalog, service_date="2020-01-07T09:30:00"))
    assert past.status_code == 422 and past.get_json()["error"]["code"] == "past_date"
    bad_code = customer_api.post("/customer/bookings", launch27_body(catalog, discount_code="NOPE"))
    assert bad_code.status_code == 422 and bad_code.get_json()["error"]["code"] == "discount_code_invalid"
    unknown = customer_api.post("/customer/bookings", launch27_body(catalog, services=[{"id": 999}]))
    assert unknown.status_code == 422 and "services[0].id" in unknown.get_json()["error"]["details"]
    card = customer_api.post("/customer/bookings", launch27_body(catalog, payment_method="stripe"))
    assert card.status_code == 422 and "payment_method" in card.get_json()["error"]["details"]


def test_a_weekly_booking_reports_its_series(customer_api, catalog):
    response = customer_api.post("/customer/bookings", launch27_body(catalog, frequency_id=catalog["weekly"]))
    series = response.get_json()["series"]
    assert len(series["booking_ids"]) == 13 and series["skipped"] == []


def test_customers_see_only_their_own_bookings(customer_api, other_customer_api, catalog):
    mine = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()["id"]
    assert customer_api.get("/customer/bookings").get_json()["meta"]["total"] == 1
    assert other_customer_api.get("/customer/bookings").get_json()["meta"]["total"] == 0
    for method, path, body in (("GET", f"/customer/bookings/{mine}", None),
                               ("PUT", f"/customer/bookings/{mine}", {"service_date": f"{DAY}T12:00:00"}),
                               ("POST", f"/customer/bookings/{mine}/cancel", {})):
        response = other_customer_api(method, path, body)
        assert response.status_code == 404 and response.get_json()["error"]["message"] == f"Booking with ID {mine} was not found"
    assert other_customer_api.get("/customer/bookings/99999").get_json() == other_customer_api.get(f"/customer/bookings/{mine}").get_json() | {
        "error": {"code": "booking_not_found", "message": "Booking with ID 99999 was not found"}}


def test_book_this_again_only_from_ones_own_booking(customer_api, other_customer_api, staff_api, catalog, session):
    mine = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()["id"]
    staff_api.put(f"/bookings/{mine}", {"staff_notes": "Key under the mat"})
    again = customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{day_after(7)}T09:30:00", original_booking_id=mine))
    assert again.status_code == 201
    copy = session.get(Booking, again.get_json()["id"])
    assert copy.original_booking_id == mine and copy.staff_notes == "Key under the mat"
    theirs = other_customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{day_after(7)}T11:00:00", original_booking_id=mine))
    ghost = other_customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{day_after(7)}T11:00:00", original_booking_id=99999))
    assert theirs.status_code == ghost.status_code == 422
    assert theirs.get_json() == ghost.get_json()


def test_reschedule_and_cancel_within_the_cutoff(customer_api, catalog):
    created = customer_api.post("/customer/bookings", launch27_body(catalog, frequency_id=catalog["weekly"])).get_json()
    first, *rest = created["series"]["booking_ids"]
    moved = customer_api.put(f"/customer/bookings/{first}", {"service_date": f"{DAY}T13:00:00"})
    assert moved.status_code == 200 and moved.get_json()["data"]["start_time"] == "13:00"
    assert customer_api.put(f"/customer/bookings/{first}", {"service_date": DAY}).status_code == 422
    one = customer_api.post(f"/customer/bookings/{rest[0]}/cancel", {"reason": "Away", "scope": "this"})
    assert one.get_json()["data"]["cancelled"] == [rest[0]]
    tail = customer_api.post(f"/customer/bookings/{rest[4]}/cancel", {"scope": "this_and_future"})
    assert tail.get_json()["data"]["cancelled"] == rest[4:]
    assert customer_api.post(f"/customer/bookings/{first}/cancel", {"scope": "all"}).status_code == 422


def test_after_the_cutoff_changes_are_too_late(customer_api, catalog, session):
    booking_id = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()["id"]
    booking = session.get(Booking, booking_id)
    soon = NOW + timedelta(hours=3)
    booking.start_at, booking.end_at = soon, soon + timedelta(hours=1)
    booking.occupied_start, booking.occupied_end = booking.start_at, booking.end_at
    session.commit()
    response = customer_api.post(f"/customer/bookings/{booking_id}/cancel", {})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "too_late" and "24 hours" in error["message"]


def test_staff_bookings_of_a_customer_use_the_same_rules(staff_api, customer_api, catalog, session):
    taken = staff_api.post("/bookings", staff_booking(catalog, agent_id="any", start_time="09:30")).get_json()["data"]
    staff_api.post("/bookings", staff_booking(catalog, agent_id="any", start_time="09:30"))
    both_busy = customer_api.post("/customer/bookings", launch27_body(catalog))
    assert taken["status"] == "approved"
    assert both_busy.status_code == 409 and both_busy.get_json()["error"]["code"] == "slot_unavailable"
    assert session.scalar(select(func.count()).select_from(Booking)) == 2


def test_a_used_up_code_is_409_discount_code_exhausted(customer_api, catalog, session):
    from app.domain.models import DiscountCode

    code = session.scalars(select(DiscountCode).where(DiscountCode.code == "SAVE10")).one()
    code.max_uses = 1
    session.commit()
    first = customer_api.post("/customer/bookings", launch27_body(catalog, discount_code="SAVE10"))
    assert first.status_code == 201
    second = customer_api.post("/customer/bookings", launch27_body(catalog, discount_code="SAVE10", service_date=f"{DAY}T13:00:00"))
    assert second.status_code == 409 and second.get_json()["error"]["code"] == "discount_code_exhausted"
    price = customer_api.post("/customer/bookings/price", launch27_body(catalog, discount_code="SAVE10"))
    assert price.status_code == 409


def test_a_customers_token_reads_agents_by_name_only(customer_api, staff_api, catalog):
    agents = customer_api.get("/agents").get_json()["data"]
    assert {a["name"] for a in agents} == {"Alex Agent", "Bo Agent"}
    for agent in [*agents, customer_api.get(f"/agents/{catalog['bo']}").get_json()["data"]]:
        assert set(agent) == {"id", "name", "active", "service_ids", "location_ids"}
    staff_view = staff_api.get(f"/agents/{catalog['bo']}").get_json()["data"]
    assert staff_view["email"] == "bo@example.com" and "working_hours" in staff_view  # the office still sees everything


def test_two_credentials_that_disagree_are_401(client, customer_api, staff_api, catalog):
    bearer = customer_api.headers["Authorization"]
    key = staff_api.headers["X-API-Key"]
    for headers in ({"Authorization": bearer, "X-API-Key": ""}, {"Authorization": "Bearer junk", "X-API-Key": key},
                    {"Authorization": bearer, "X-API-Key": key}):
        for path in ("/api/v1/services", "/api/v1/customer/bookings", "/api/v1/bookings"):
            answer = client.get(path, headers=headers)
            assert answer.status_code == 401, (headers, path)
            assert answer.get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/customer/bookings", headers={"Authorization": bearer}).status_code == 200
    assert client.get("/api/v1/bookings", headers={"X-API-Key": key}).status_code == 200


def test_affilation_is_the_configured_account_slug(app, customer_api, catalog, session):
    created = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()
    assert created["ga_transaction"]["affilation"] == "sparkle-and-fix"


def test_a_customer_cannot_reschedule_to_the_last_representable_day(customer_api, catalog):
    created = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()
    moved = customer_api.put(f"/customer/bookings/{created['id']}", {"service_date": "9999-12-31T10:00:00"})
    assert moved.status_code == 422
    assert "service_date" in str(moved.get_json()["error"]["details"]) or "start_date" in str(moved.get_json()["error"]["details"])


def test_a_lone_surrogate_in_a_discount_code_is_refused(customer_api, catalog):
    response = customer_api.post("/customer/bookings/price", {"services": [{"id": catalog["service"]}], "frequency_id": catalog["once"],
                                                              "discount_code": "SAVE\ud800"})
    assert response.status_code == 422
    assert "discount_code" in response.get_json()["error"]["details"]


def test_customers_book_only_offered_times_through_the_api_too(customer_api, staff_api, catalog):
    response = customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{DAY}T09:07:00"))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"start_time": "Pick one of the offered start times."}
    assert staff_api.post("/bookings", staff_booking(catalog, start_time="10:07")).status_code == 201
    mine = customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{DAY}T09:30:00")).get_json()
    moved = customer_api.put(f"/customer/bookings/{mine['id']}", {"service_date": f"{DAY}T13:07:00"})
    assert moved.status_code == 422
    assert moved.get_json()["error"]["details"] == {"start_time": "Pick one of the offered start times."}
    assert customer_api.put(f"/customer/bookings/{mine['id']}", {"service_date": f"{DAY}T13:30:00"}).status_code == 200
