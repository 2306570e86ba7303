"""The customers API: look up, create and change customers over HTTP."""
from __future__ import annotations

from sqlalchemy import func, select

from app.domain.models import AuditEvent, User
from tests.api.conftest import staff_booking

JO = {"first_name": "Jo", "last_name": "Doe", "email": "Jo@Example.com", "phone": "201-555-0100", "city": "Brooklyn"}


def test_create_then_find_by_email_name_or_phone(staff_api, catalog):
    created = staff_api.post("/customers", JO)
    assert created.status_code == 201, created.get_json()
    jo = created.get_json()["data"]
    assert (jo["email"], jo["city"], jo["has_account"], jo["active"]) == ("jo@example.com", "Brooklyn", False, True)
    staff_api.post("/customers", {"first_name": "Sam", "last_name": "Roe", "email": "sam@example.com", "phone": "201-555-0199"})
    for query in ("q=JO%20DOE", "q=jo%40exa", "q=0100", "email=JO@example.com"):
        found = staff_api.get(f"/customers?{query}").get_json()
        assert [c["id"] for c in found["data"]] == [jo["id"]], query
        assert found["meta"] == {"total": 1, "page": 1, "per_page": 20, "total_pages": 1}
    page = staff_api.get("/customers?per_page=1&page=2").get_json()
    assert page["meta"]["total"] == 2 and [c["last_name"] for c in page["data"]] == ["Roe"]
    assert staff_api.get(f"/customers/{jo['id']}").get_json()["data"] == jo


def test_the_customer_id_found_is_what_a_booking_needs(staff_api, catalog):
    jo = staff_api.post("/customers", JO).get_json()["data"]
    booking = staff_api.post("/bookings", {k: v for k, v in staff_booking(catalog, customer_id=jo["id"]).items() if k != "customer"})
    assert booking.status_code == 201 and booking.get_json()["data"]["customer_id"] == jo["id"]


def test_email_clashes_are_409_email_taken_and_change_nothing(staff_api, catalog, session):
    jo = staff_api.post("/customers", JO).get_json()["data"]
    sam = staff_api.post("/customers", {"first_name": "Sam", "email": "sam@example.com"}).get_json()["data"]
    again = staff_api.post("/customers", JO | {"email": "JO@example.COM", "first_name": "Other"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "email_taken"
    clash = staff_api("PATCH", f"/customers/{sam['id']}", {"email": "jo@example.com", "first_name": "Samuel"})
    assert clash.status_code == 409 and clash.get_json()["error"]["code"] == "email_taken"
    assert staff_api.get(f"/customers/{sam['id']}").get_json()["data"]["first_name"] == "Sam"
    assert session.scalar(select(func.count()).select_from(User)) == 2
    # Its own address, in another case, is no clash.
    same = staff_api("PATCH", f"/customers/{jo['id']}", {"email": "JO@example.com"})
    assert same.status_code == 200


def test_patch_changes_only_the_fields_sent_and_is_audited(staff_api, catalog, session):
    jo = staff_api.post("/customers", JO).get_json()["data"]
    changed = staff_api("PATCH", f"/customers/{jo['id']}", {"phone": "201-555-0111", "sms_notifications": True})
    assert changed.status_code == 200, changed.get_json()
    data = changed.get_json()["data"]
    assert (data["phone"], data["sms_notifications"], data["city"], data["first_name"]) == ("+12015550111", True, "Brooklyn", "Jo")
    gone = staff_api("PATCH", f"/customers/{jo['id']}", {"active": False})
    assert gone.get_json()["data"]["active"] is False
    assert staff_api.get("/customers").get_json()["meta"]["total"] == 0
    assert staff_api.get("/customers?include_inactive=1").get_json()["meta"]["total"] == 1
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_kind == "customers").order_by(AuditEvent.id)).all()
    assert actions == ["created", "updated", "deactivated"]


def test_bad_input_is_422_with_every_field_and_writes_nothing(staff_api, catalog, session):
    bad = staff_api.post("/customers", {"first_name": "", "email": "not-an-email", "phone": 5, "role": "admin"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["details"]) == {"role"}  # unknown fields are refused first
    bad = staff_api.post("/customers", {"first_name": "", "email": "not-an-email", "phone": 5})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]) == {"first_name", "email", "phone"}
    jo = staff_api.post("/customers", JO).get_json()["data"]
    for body in ({"active": "no"}, {"password_hash": "x"}, {"first_name": None}):
        response = staff_api("PATCH", f"/customers/{jo['id']}", body)
        assert response.status_code == 422, body
    assert staff_api("PATCH", f"/customers/{jo['id']}", raw="[1]").status_code == 400
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_staff_accounts_and_unknown_ids_are_404(staff_api, catalog, session):
    from tests.api.conftest import login

    login(staff_api.client, session, "casey@example.com")
    staff = User(email="staff@example.com", role="staff", first_name="S")
    session.add(staff)
    session.commit()
    for path in (f"/customers/{staff.id}", "/customers/999", "/customers/x"):
        response = staff_api.get(path)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert [c["email"] for c in staff_api.get("/customers").get_json()["data"]] == ["casey@example.com"]


def test_read_keys_read_and_customers_cannot(read_api, customer_api, catalog):
    assert read_api.get("/customers").status_code == 200
    assert read_api.post("/customers", JO).status_code == 403
    assert customer_api.get("/customers").status_code == 403


def test_underscore_and_percent_in_a_search_match_themselves(staff_api, catalog):
    plain = staff_api.post("/customers", JO).get_json()["data"]
    odd = staff_api.post("/customers", {"first_name": "Al_x", "last_name": "100%", "email": "al_x@example.com"}).get_json()["data"]
    for query in ("q=_", "q=%25", "q=l_x", "q=0%25"):
        found = staff_api.get(f"/customers?{query}").get_json()["data"]
        assert [c["id"] for c in found] == [odd["id"]], query
    booked = staff_api.post("/bookings", {k: v for k, v in staff_booking(catalog, customer_id=plain["id"]).items() if k != "customer"})
    assert booked.status_code == 201
    for query in ("q=_", "q=%25"):
        assert staff_api.get(f"/bookings?{query}").get_json()["data"] == [], query  # Jo Doe has neither


def test_a_change_to_a_customer_that_does_not_exist_is_404_whatever_the_body(staff_api, catalog):
    for body in ({"email": "not-an-email"}, {"first_name": ""}, {"active": "no"}, {"role": "admin"}):
        response = staff_api("PATCH", "/customers/999999", body)
        assert response.status_code == 404, (body, response.get_json())


def test_a_booking_that_does_not_exist_is_404_before_its_values_but_not_before_unknown_fields(staff_api, catalog):
    assert staff_api("PATCH", "/bookings/999999", {"start_time": "25:00", "price": "x"}).status_code == 404
    assert staff_api("PATCH", "/bookings/999999", {"colour": "red"}).status_code == 422
