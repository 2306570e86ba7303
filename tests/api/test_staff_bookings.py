"""Staff endpoints, LatePoint style, through HTTP."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.models import Booking, BookingEvent, OutboxMessage
from tests.api.conftest import DAY, staff_booking
from tests.conftest import NOW, day_after


def test_create_a_booking_returns_201_with_the_booking_object(staff_api, catalog):
    response = staff_api.post("/bookings", staff_booking(catalog, notes="Ring twice"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "success"
    data = body["data"]
    assert data["status"] == "approved" and data["agent_name"] == "Alex Agent"
    assert (data["start_date"], data["start_time"], data["end_time"]) == (DAY, "10:00", "11:00")
    assert data["start_at"] == f"{DAY}T10:00:00-05:00"
    assert data["price"] == {"subtotal": "100.00", "frequency_discount": "0.00", "discount": "0.00", "gift_card": "0.00", "tip": "0.00", "adjustment": "0.00", "total": "100.00"}
    assert data["customer"]["email"] == "jo@example.com" and data["notes"] == "Ring twice"
    assert len(data["booking_code"]) == 8 and data["version"] == 1


def test_create_validates_fields_and_reports_paths(staff_api, catalog, session):
    response = staff_api.post("/bookings", {"service_id": "x", "start_date": "soon", "color": "red"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert {"agent_id", "start_time", "customer", "color"} <= set(error["details"])
    response = staff_api.post("/bookings", staff_booking(catalog, start_time="24:30"))
    assert response.status_code == 422 and "start_time" in response.get_json()["error"]["details"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_invalid_json_is_400(staff_api, catalog):
    for raw in ("{not json", "[1, 2]", '"text"', ""):
        response = staff_api("POST", "/bookings", raw=raw)
        assert response.status_code == 400, raw
        assert response.get_json()["error"]["code"] == "invalid_json"


def test_a_taken_slot_is_409_slot_unavailable(staff_api, catalog):
    assert staff_api.post("/bookings", staff_booking(catalog)).status_code == 201
    response = staff_api.post("/bookings", staff_booking(catalog, start_time="10:30"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "slot_unavailable"


def test_past_dates_are_422_past_date(staff_api, catalog):
    response = staff_api.post("/bookings", staff_booking(catalog, start_date="2020-01-07"))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "past_date"


def test_get_and_list_with_filters_and_pagination(staff_api, catalog):
    for i, time in enumerate(("09:00", "10:00", "11:00")):
        staff_api.post("/bookings", staff_booking(catalog, start_time=time, agent_id=catalog["bo"] if i == 2 else catalog["alex"]))
    listing = staff_api.get(f"/bookings?agent_id={catalog['alex']}&per_page=1&page=2").get_json()
    assert listing["meta"] == {"total": 2, "page": 2, "per_page": 1, "total_pages": 2}
    assert [b["start_time"] for b in listing["data"]] == ["09:00"]
    assert staff_api.get(f"/bookings?from={DAY}&to={DAY}").get_json()["meta"]["total"] == 3
    assert staff_api.get(f"/bookings?from={day_after(1)}").get_json()["meta"]["total"] == 0
    assert staff_api.get("/bookings?status=cancelled").get_json()["meta"]["total"] == 0
    bad = staff_api.get("/bookings?per_page=101&status=lost")
    assert bad.status_code == 422 and {"per_page", "status"} <= set(bad.get_json()["error"]["details"])
    booking_id = listing["data"][0]["id"]
    one = staff_api.get(f"/bookings/{booking_id}")
    assert one.status_code == 200 and one.get_json()["data"]["id"] == booking_id and one.headers["ETag"] == '"1"'


def test_unknown_booking_is_404_with_latepoint_message(staff_api, catalog):
    for method, body in (("GET", None), ("PUT", {"status": "approved"}), ("DELETE", None)):
        response = staff_api(method, "/bookings/123", body)
        assert response.status_code == 404
        assert response.get_json()["error"] == {"code": "booking_not_found", "message": "Booking with ID 123 was not found"}


def test_the_latepoint_update_example(staff_api, catalog, session):
    booking = staff_api.post("/bookings", staff_booking(catalog, status="pending")).get_json()["data"]
    response = staff_api.put(f"/bookings/{booking['id']}", {
        "start_time": "15:30", "duration": 90, "status": "approved", "notes": "Tiempo extendido por solicitud del cliente",
    })
    assert response.status_code == 200, response.get_json()
    data = response.get_json()["data"]
    assert (data["status"], data["start_time"], data["end_time"], data["duration"]) == ("approved", "15:30", "17:00", 90)
    assert data["notes"] == "Tiempo extendido por solicitud del cliente" and data["version"] == 2
    event = session.scalars(select(BookingEvent).order_by(BookingEvent.id.desc())).first()
    assert event.actor_kind == "api_key" and set(event.changes) >= {"status", "start_at", "duration_minutes", "customer_notes"}


def test_update_dotted_and_nested_customer_fields_and_unique_email(staff_api, catalog):
    first = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    staff_api.post("/bookings", staff_booking(catalog, start_time="13:00", customer={"first_name": "Al", "last_name": "B", "email": "al@example.com"}))
    dotted = staff_api.put(f"/bookings/{first['id']}", {"customer.first_name": "Joanna", "customer.phone": "201-555-0199"})
    assert dotted.get_json()["data"]["customer"]["first_name"] == "Joanna"
    nested = staff_api.put(f"/bookings/{first['id']}", {"customer": {"last_name": "Dough"}})
    assert nested.get_json()["data"]["customer"]["last_name"] == "Dough"
    taken = staff_api.put(f"/bookings/{first['id']}", {"customer.email": "AL@example.com"})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "email_taken"


def test_update_refuses_unknown_fields_clashes_past_and_bad_transitions(staff_api, catalog):
    a = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    staff_api.post("/bookings", staff_booking(catalog, start_time="12:00"))
    cases = [
        ({"is_admin": True}, 422, "validation_failed"),
        ({"start_time": "12:30"}, 409, "slot_unavailable"),
        ({"start_date": "2020-01-07"}, 422, "past_date"),
        ({"status": "pending"}, 422, "invalid_status_transition"),
        ({"status": "finished"}, 422, "invalid_status_transition"),
        ({"send_notification": "yes"}, 422, "validation_failed"),
    ]
    for body, status, code in cases:
        response = staff_api.put(f"/bookings/{a['id']}", body)
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), body
    assert staff_api.get(f"/bookings/{a['id']}").get_json()["data"]["version"] == 1


def test_writing_the_same_status_is_a_no_op(staff_api, catalog):
    a = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    again = staff_api.put(f"/bookings/{a['id']}", {"status": "approved"})
    assert again.status_code == 200 and again.get_json()["data"]["version"] == 1


def test_if_match_with_an_old_version_is_412_and_changes_nothing(staff_api, catalog):
    a = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    assert staff_api.put(f"/bookings/{a['id']}", {"notes": "v2"}, headers={"If-Match": '"1"'}).status_code == 200
    stale = staff_api.put(f"/bookings/{a['id']}", {"notes": "v3"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.get_json()["error"]["code"] == "precondition_failed"
    in_body = staff_api.put(f"/bookings/{a['id']}", {"notes": "v3", "version": 1})
    assert in_body.status_code == 412
    assert staff_api.get(f"/bookings/{a['id']}").get_json()["data"]["notes"] == "v2"
    assert staff_api.put(f"/bookings/{a['id']}", {"notes": "v3"}, headers={"If-Match": "abc"}).status_code == 422


def test_patch_works_like_put(staff_api, catalog):
    a = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    response = staff_api("PATCH", f"/bookings/{a['id']}", {"notes": "patched"})
    assert response.status_code == 200 and response.get_json()["data"]["notes"] == "patched"


def test_delete_cancels_and_frees_the_slot_but_keeps_the_booking(staff_api, catalog, session):
    a = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    response = staff_api.delete(f"/bookings/{a['id']}")
    assert response.status_code == 200 and response.get_json()["data"]["status"] == "cancelled"
    assert staff_api.get(f"/bookings/{a['id']}").get_json()["data"]["status"] == "cancelled"
    assert staff_api.post("/bookings", staff_booking(catalog)).status_code == 201


def test_send_notification_queues_mail_only_when_asked(staff_api, catalog, session):
    a = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    count = lambda: session.scalar(select(func.count()).select_from(OutboxMessage))  # noqa: E731
    assert count() == 0
    staff_api.put(f"/bookings/{a['id']}", {"start_time": "11:00"})
    assert count() == 0
    staff_api.put(f"/bookings/{a['id']}", {"start_time": "12:00", "send_notification": True})
    # A moved booking is announced to the customer and to the agent.
    assert sorted(session.scalars(select(OutboxMessage.recipient))) == ["alex@example.com", "jo@example.com"]


def test_a_read_key_cannot_write_and_a_revoked_key_cannot_read(read_api, staff_api, catalog, session):

    from app.domain import accounts
    from app.domain.models import ApiKey

    assert read_api.get("/bookings").status_code == 200
    denied = read_api.post("/bookings", staff_booking(catalog))
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
    assert read_api.put("/bookings/1", {"notes": "x"}).status_code == 403
    assert read_api.delete("/bookings/1").status_code == 403
    key = session.scalars(select(ApiKey).where(ApiKey.scope == "read")).one()
    accounts.revoke_api_key(session, key.id, now=NOW)
    revoked = read_api.get("/bookings")
    assert revoked.status_code == 401 and revoked.get_json()["error"]["code"] == "unauthorized"


def test_no_or_bad_credentials_are_401_and_the_session_cookie_is_not_enough(anon, client, catalog):
    assert anon.get("/bookings").status_code == 401
    bad = anon.get("/bookings", headers={"X-API-Key": "bk_wrong"})
    assert bad.status_code == 401 and bad.get_json()["error"]["code"] == "unauthorized"
    # A browser session cookie (a forged cross-site request would carry one) is ignored.
    client.set_cookie("session", "anything", domain="portal.test")
    assert anon.post("/bookings", staff_booking(catalog)).status_code == 401


def test_a_customer_token_cannot_use_staff_endpoints(customer_api, catalog):
    response = customer_api.get("/bookings")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


def test_last_used_time_is_recorded(staff_api, session):
    from app.domain.models import ApiKey

    staff_api.get("/bookings")
    session.expire_all()
    assert session.scalars(select(ApiKey)).one().last_used_at is not None


def test_unknown_routes_and_methods_answer_in_the_envelope(staff_api):
    missing = staff_api.get("/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    wrong = staff_api("DELETE", "/availability")
    assert wrong.status_code == 405 and wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert staff_api.get("/bookings/abc").status_code == 404


def test_an_unexpected_error_is_a_json_500_and_changes_nothing(staff_api, catalog, monkeypatch, session):
    import app.api.bookings as views

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "create_booking", explode)
    response = staff_api.post("/bookings", staff_booking(catalog))
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_database_that_is_down_is_a_json_503(tmp_path):
    from app import create_app

    down = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nothing",
                       "MAIL_DIR": str(tmp_path)})
    response = down.test_client().get("/api/v1/services", headers={"X-API-Key": "bk_anything"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable" and response.headers["Retry-After"] == "5"


def test_a_method_a_fixed_path_does_not_take_is_405_not_a_missing_booking(customer_api, staff_api):
    for api, path, allowed in ((customer_api, "/customer/bookings/price", "OPTIONS, POST"), (staff_api, "/bookings/bulk", "OPTIONS, POST")):
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            response = api(method, path, {})
            assert response.status_code == 405, (method, path, response.get_json())
            assert response.get_json()["error"]["code"] == "method_not_allowed"
            assert response.headers["Allow"] == allowed  # and OPTIONS, which werkzeug answers itself


@pytest.mark.parametrize("query", ["page=%C2%B2", "per_page=--1", "from=9999-12-31", "to=0001-01-01", "agent_id=%E2%91%A0",
                                   "customer_id=2147483648", "q=a%00b"])
def test_api_list_filters_are_parsed_strictly(staff_api, catalog, query):
    response = staff_api.get(f"/bookings?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"
