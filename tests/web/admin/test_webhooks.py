"""Webhook pages in the back office: admins only, CSRF on every form, the secret shown
once, a private URL refused on the field, the delivery log and "Resend"."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain import webhooks
from app.domain.models import WebhookDelivery, WebhookEndpoint
from tests import builders as b
from tests.web.admin.conftest import login_as
from tests.web.helpers import submit

PAGES = ["/admin/webhooks", "/admin/webhooks/new", "/admin/webhooks/{id}", "/admin/webhooks/{id}/deliveries"]


@pytest.fixture
def endpoint(session, booked):
    made, _ = webhooks.create_endpoint(session, {"url": "https://hooks.example.com/in", "events": ["booking.created"]},
                                       actor=b.ADMIN, now=booked.created_at)
    return made


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("customer", 403), ("staff", 403), ("admin", 200)])
def test_only_admins_see_the_webhook_pages(client, endpoint, role, status):
    login_as(client, role)
    for page in PAGES:
        assert client.get(page.format(id=endpoint.id)).status_code == status, page
    nav_link = b'href="/admin/webhooks"' in client.get("/admin/", follow_redirects=True).data
    assert nav_link is (role == "admin")


@pytest.mark.parametrize("role", ["staff", "customer"])
def test_others_cannot_change_endpoints_even_with_a_token(client, endpoint, session, role):
    login_as(client, role)
    admin_page = client.get("/login")  # any page with a token
    from tests.web.helpers import csrf_from

    token = csrf_from(admin_page.get_data(as_text=True))
    for url in (f"/admin/webhooks/{endpoint.id}/active", "/admin/webhooks/new", f"/admin/webhooks/{endpoint.id}"):
        assert client.post(url, data={"csrf_token": token, "active": "0", "url": "https://x.example.com/"}).status_code in (403, 302)
    session.expire_all()
    assert session.get(WebhookEndpoint, endpoint.id).active is True


def test_an_admin_adds_an_endpoint_and_sees_the_secret_once(client, booked, session):
    login_as(client, "admin")
    answer = submit(client, "/admin/webhooks/new", {"url": "https://hooks.example.com/in", "description": "CRM",
                                                    "events": ["booking.created", "customer.updated"]})
    assert answer.status_code == 201
    made = session.scalar(select(WebhookEndpoint))
    assert made.secret in answer.get_data(as_text=True) and made.secret.startswith("whsec_")
    assert made.events == ["booking.created", "customer.updated"] and made.description == "CRM"
    for page in (f"/admin/webhooks/{made.id}", "/admin/webhooks", f"/admin/webhooks/{made.id}/deliveries"):
        assert made.secret not in client.get(page).get_data(as_text=True)


def test_a_private_address_or_no_events_is_refused_on_the_fields(client, booked, session):
    login_as(client, "admin")
    answer = submit(client, "/admin/webhooks/new", {"url": "http://10.0.0.5/in", "events": []})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="url-error"' in html and "private address" in html and 'id="events-error"' in html
    assert session.scalar(select(WebhookEndpoint)) is None


def test_forms_without_the_csrf_token_are_refused(client, endpoint, session):
    login_as(client, "admin")
    assert client.post("/admin/webhooks/new", data={"url": "https://a.example.com/", "events": ["booking.created"]}).status_code == 400
    assert client.post(f"/admin/webhooks/{endpoint.id}/active", data={"active": "0"}).status_code == 400
    session.expire_all()
    assert session.get(WebhookEndpoint, endpoint.id).active is True


def test_an_admin_edits_deactivates_and_resends(client, endpoint, session, booked):
    login_as(client, "admin")
    saved = submit(client, f"/admin/webhooks/{endpoint.id}", {"url": "https://hooks.example.com/v2", "description": "v2",
                                                             "events": ["booking.created", "booking.cancelled"]})
    assert saved.status_code == 303
    off = submit(client, f"/admin/webhooks/{endpoint.id}", {"active": "0"}, post_url=f"/admin/webhooks/{endpoint.id}/active")
    assert off.status_code == 303
    session.expire_all()
    changed = session.get(WebhookEndpoint, endpoint.id)
    assert (changed.url, changed.events, changed.active) == ("https://hooks.example.com/v2", ["booking.created", "booking.cancelled"], False)

    webhooks.update_endpoint(session, endpoint.id, {"active": True}, actor=b.ADMIN, now=booked.created_at)
    b.customer(session, email="new@example.com")
    session.commit()
    webhooks.booking_event(session, booked, "booking.created", booked.created_at)
    session.commit()
    delivery = session.scalar(select(WebhookDelivery))
    delivery.status, delivery.attempts, delivery.last_status_code = "failed", 40, 503
    session.commit()
    log = client.get(f"/admin/webhooks/{endpoint.id}/deliveries").get_data(as_text=True)
    assert delivery.event_id in log and "failed" in log and "503" in log
    resent = submit(client, f"/admin/webhooks/{endpoint.id}/deliveries",
                    {}, post_url=f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/resend")
    assert resent.status_code == 303
    session.expire_all()
    again = session.get(WebhookDelivery, delivery.id)
    assert (again.status, again.next_attempt_at, again.event_id) == ("pending", None, delivery.event_id)
    assert client.post(f"/admin/webhooks/{endpoint.id}/deliveries/999/resend",
                       data={"csrf_token": _token(client)}).status_code == 404


def _token(client):
    from tests.web.helpers import csrf_from

    return csrf_from(client.get("/admin/webhooks/new").get_data(as_text=True))


def test_send_test_event_reaches_the_receiver_signed(app, client, session, booked):
    """"Send test event" queues a signed webhook.test for that endpoint only, whatever it
    subscribes to; it shows in the delivery log and the receiver verifies its signature."""
    from app.worker import deliver_webhooks
    from tests.conftest import NOW
    from tests.web.helpers import csrf_from
    from tests.webhook_receiver import Receiver

    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    receiver = Receiver().start()
    try:
        target, receiver.secret = webhooks.create_endpoint(session, {"url": receiver.url, "events": ["customer.created"]},
                                                           actor=b.ADMIN, now=NOW, allow_private=True)
        other, _ = webhooks.create_endpoint(session, {"url": receiver.url + "&other=1", "events": ["customer.created"]},
                                            actor=b.ADMIN, now=NOW, allow_private=True)
        login_as(client, "admin")
        page = client.get(f"/admin/webhooks/{target.id}").get_data(as_text=True)
        assert "Send test event" in page
        sent = client.post(f"/admin/webhooks/{target.id}/test", data={"csrf_token": csrf_from(page)})
        assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/admin/webhooks/{target.id}/deliveries")
        assert client.post(f"/admin/webhooks/{target.id}/test").status_code == 400  # no CSRF token, nothing queued
        report = deliver_webhooks(app, lambda: NOW)
    finally:
        receiver.stop()
    assert report.sent == 1 and receiver.bad_signatures == 0
    (payload,) = receiver.accepted.values()
    assert payload["type"] == "webhook.test" and payload["data"]["endpoint_id"] == target.id
    assert receiver.paths == ["/hooks?from=portal"]  # the other endpoint got nothing
    log = client.get(f"/admin/webhooks/{target.id}/deliveries").get_data(as_text=True)
    assert "webhook.test" in log
    # A switched-off endpoint is told so, and nothing is queued.
    webhooks.update_endpoint(session, other.id, {"active": False}, actor=b.ADMIN, now=NOW, allow_private=True)
    token = csrf_from(client.get(f"/admin/webhooks/{other.id}").get_data(as_text=True))
    refused = client.post(f"/admin/webhooks/{other.id}/test", data={"csrf_token": token}, follow_redirects=True)
    assert "switched off" in refused.get_data(as_text=True)
    assert session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == other.id)).all() == []
