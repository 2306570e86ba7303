"""The webhooks API: admin-scope keys only, the secret in the create answer only,
events and URLs validated, deliveries listed and resent; every answer as documented."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.models import ApiKey, WebhookDelivery
from app.worker import deliver_webhooks
from tests import builders as b
from tests.api.conftest import staff_booking
from tests.api.test_openapi import conforms
from tests.conftest import NOW
from tests.webhook_receiver import Receiver

HOOK = {"url": "https://hooks.example.com/portal", "events": ["booking.created", "customer.created"], "description": "CRM"}


@pytest.mark.parametrize("key", ["read_api", "staff_api"])
def test_keys_without_the_admin_scope_get_403_and_change_nothing(request, key, admin_api):
    api = request.getfixturevalue(key)
    made = admin_api.post("/webhooks", HOOK).get_json()["data"]
    calls = [("GET", "/webhooks", None), ("POST", "/webhooks", HOOK), ("GET", f"/webhooks/{made['id']}", None),
             ("PATCH", f"/webhooks/{made['id']}", {"active": False}), ("DELETE", f"/webhooks/{made['id']}", None),
             ("GET", f"/webhooks/{made['id']}/deliveries", None), ("POST", f"/webhooks/{made['id']}/deliveries/1/resend", None)]
    for method, path, body in calls:
        answer = api(method, path, body)
        assert answer.status_code == 403, (method, path)
        assert answer.get_json()["error"]["code"] == "forbidden"
    listed = admin_api.get("/webhooks").get_json()["data"]
    assert [(h["id"], h["active"]) for h in listed] == [(made["id"], True)]


def test_no_key_is_401(anon):
    assert anon.get("/webhooks").status_code == 401


def test_an_admin_key_manages_endpoints_and_sees_the_secret_only_when_creating(admin_api, staff_api, catalog, session):
    calls = []

    def call(method, path, body=None):
        answer = admin_api(method, path, body)
        calls.append((method, path, answer))
        return answer

    created = call("POST", "/webhooks", HOOK)
    assert created.status_code == 201
    made = created.get_json()["data"]
    assert made["secret"].startswith("whsec_") and made["events"] == ["booking.created", "customer.created"]
    hook_id = made["id"]
    got = call("GET", f"/webhooks/{hook_id}").get_json()["data"]
    assert "secret" not in got and got["url"] == HOOK["url"]
    assert "secret" not in call("GET", "/webhooks").get_json()["data"][0]
    patched = call("PATCH", f"/webhooks/{hook_id}", {"events": ["booking.cancelled"], "description": "v2"}).get_json()["data"]
    assert (patched["events"], patched["description"], patched["url"]) == (["booking.cancelled"], "v2", HOOK["url"])
    call("PATCH", f"/webhooks/{hook_id}", {"events": ["booking.created", "customer.created"]})

    # An event through the API: the booking (and its new customer) queue deliveries.
    booked = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    log = call("GET", f"/webhooks/{hook_id}/deliveries").get_json()
    assert sorted(d["type"] for d in log["data"]) == ["booking.created", "customer.created"]
    assert log["meta"]["total"] == 2 and all(d["status"] == "pending" and d["attempts"] == 0 for d in log["data"])
    row = session.scalar(select(WebhookDelivery).where(WebhookDelivery.event_type == "booking.created"))
    assert row.payload["data"] == staff_api.get(f"/bookings/{booked['id']}").get_json()["data"]
    row.status = "failed"
    session.commit()
    resent = call("POST", f"/webhooks/{hook_id}/deliveries/{row.id}/resend").get_json()["data"]
    assert (resent["status"], resent["event_id"]) == ("pending", row.event_id)
    call("POST", f"/webhooks/{hook_id}/deliveries/999/resend")
    call("GET", f"/webhooks/{hook_id}/deliveries?page=0")

    assert call("DELETE", f"/webhooks/{hook_id}").status_code == 200
    assert call("GET", f"/webhooks/{hook_id}").status_code == 404
    assert session.scalar(select(WebhookDelivery)) is None
    for method, path, answer in calls:
        conforms(method, path, answer)


@pytest.mark.parametrize("body, field", [
    ({"url": "http://127.0.0.1:8080/x", "events": ["booking.created"]}, "url"),
    ({"url": "http://[::1]/x", "events": ["booking.created"]}, "url"),
    ({"url": "http://192.168.1.20/x", "events": ["booking.created"]}, "url"),
    ({"url": "file:///etc/passwd", "events": ["booking.created"]}, "url"),
    ({"url": "https://hooks.example.com/", "events": ["booking.exploded"]}, "events"),
    ({"url": "https://hooks.example.com/", "events": []}, "events"),
    ({"url": "https://hooks.example.com/", "events": "booking.created"}, "events"),
    ({"url": "https://hooks.example.com/", "events": ["booking.created"], "secret": "whsec_mine"}, "secret"),
    ({"events": ["booking.created"]}, "url"),
    ({"url": "https://hooks.example.com/", "events": ["booking.created"], "active": False}, "active"),
    ({"url": "HTTPS://\U000a03a0_u\u00ec5", "events": ["booking.created"]}, "url"),
    ({"url": "https://hooks.example.com/a b", "events": ["booking.created"]}, "url"),
])
def test_bad_endpoints_are_422_and_nothing_is_written(admin_api, body, field):
    answer = admin_api.post("/webhooks", body)
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["details"]
    conforms("POST", "/webhooks", answer)
    assert admin_api.get("/webhooks").get_json()["data"] == []


def test_a_patch_to_a_private_address_is_refused(admin_api):
    hook_id = admin_api.post("/webhooks", HOOK).get_json()["data"]["id"]
    answer = admin_api("PATCH", f"/webhooks/{hook_id}", {"url": "http://169.254.169.254/latest/meta-data"})
    assert answer.status_code == 422 and "link-local" in answer.get_json()["error"]["details"]["url"]
    assert admin_api.get(f"/webhooks/{hook_id}").get_json()["data"]["url"] == HOOK["url"]


def test_private_addresses_are_allowed_when_configured(app, admin_api):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    assert admin_api.post("/webhooks", {**HOOK, "url": "http://127.0.0.1:9/x"}).status_code == 201


def test_the_cli_creates_an_admin_key_that_may_do_admin_only_moves(app, session, client):
    result = app.test_cli_runner().invoke(args=["api-keys", "create", "--name", "Ops", "--scope", "admin"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert session.scalar(select(ApiKey).where(ApiKey.name == "Ops")).scope == "admin"
    answer = client.get("/api/v1/webhooks", headers={"X-API-Key": secret})
    assert answer.status_code == 200


def test_an_admin_key_may_cancel_a_completed_booking_and_a_write_key_may_not(staff_api, admin_api, catalog):
    booked = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    assert staff_api.put(f"/bookings/{booked['id']}", {"status": "completed"}).status_code == 200
    refused = staff_api.put(f"/bookings/{booked['id']}", {"status": "cancelled"})
    assert refused.status_code == 422
    assert admin_api.put(f"/bookings/{booked['id']}", {"status": "cancelled"}).get_json()["data"]["status"] == "cancelled"


def test_switching_an_endpoint_off_or_removing_it_cancels_what_is_queued_for_it(app, admin_api, session):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    receiver = Receiver().start()
    try:
        events = ["customer.created"]
        off = admin_api.post("/webhooks", {"url": receiver.url, "events": events}).get_json()["data"]
        gone = admin_api.post("/webhooks", {"url": receiver.url, "events": events}).get_json()["data"]
        b.customer(session)
        session.commit()
        assert admin_api("PATCH", f"/webhooks/{off['id']}", {"active": False}).status_code == 200
        assert admin_api.delete(f"/webhooks/{gone['id']}").status_code == 200
        report = deliver_webhooks(app, lambda: NOW)
    finally:
        receiver.stop()
    assert receiver.attempts == [] and (report.sent, report.retried) == (0, 0)
    log = admin_api.get(f"/webhooks/{off['id']}/deliveries").get_json()
    assert [(d["status"], d["attempts"], d["next_attempt_at"]) for d in log["data"]] == [("cancelled", 0, None)]
    assert "switched off" in log["data"][0]["last_error"]
    # Switched on again, it gets what happens from then on, not what it missed.
    admin_api("PATCH", f"/webhooks/{off['id']}", {"active": True})
    assert [d["status"] for d in admin_api.get(f"/webhooks/{off['id']}/deliveries").get_json()["data"]] == ["cancelled"]


def test_a_replayed_create_does_not_show_the_signing_secret_again(admin_api, session):
    first = admin_api.post("/webhooks", HOOK, headers={"Idempotency-Key": "make-hook-1"})
    assert first.status_code == 201 and first.get_json()["data"]["secret"].startswith("whsec_")
    again = admin_api.post("/webhooks", HOOK, headers={"Idempotency-Key": "make-hook-1"})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert "secret" not in again.get_json()["data"] and again.get_json()["data"]["id"] == first.get_json()["data"]["id"]
    assert "whsec_" not in again.get_data(as_text=True)
    conforms("POST", "/webhooks", again)


def test_an_international_url_is_answered_in_its_ascii_uri_form(admin_api):
    answer = admin_api.post("/webhooks", {**HOOK, "url": "https://Bücher.Example/café"})
    assert answer.status_code == 201, answer.get_json()
    conforms("POST", "/webhooks", answer)
    hook = answer.get_json()["data"]
    assert hook["url"] == "https://xn--bcher-kva.example/caf%C3%A9"
    patched = admin_api("PATCH", f"/webhooks/{hook['id']}", {"url": "http://ß.de/"}).get_json()["data"]
    assert patched["url"] == "http://xn--zca.de/"


def test_a_change_to_an_endpoint_that_does_not_exist_is_404_whatever_the_body(admin_api):
    for body in ({"url": "not a url"}, {"events": []}, {"colour": "red"}):
        response = admin_api("PATCH", "/webhooks/999999", body)
        assert response.status_code == 404, (body, response.get_json())
    assert admin_api("PATCH", "/webhooks/999999", {"active": False}).status_code == 404
