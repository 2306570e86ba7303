"""Editing payment policies: the back office's page (admins only, CSRF, field errors,
an audit line) and the catalog API's /payment-policy and /services/{id}/payment-policy
(admin scope), both over HTTP; the policy saved is the one booking then asks for."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.domain import accounts, payments
from app.domain.models import AuditEvent, PaymentMode, PaymentPolicy
from tests import builders as b
from tests.api.conftest import admin_api, staff_api  # noqa: F401
from tests.conftest import NOW
from tests.web.helpers import submit


def csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def _office(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Window wash", price=Decimal("80.00"))
    for role in ("staff", "admin"):
        accounts.create_user(session, email=f"{role}@example.com", password="correct-horse", role=role, first_name=role, now=NOW)
    session.commit()
    return svc


def _login(client, role):
    submit(client, "/login", {"email": f"{role}@example.com", "password": "correct-horse"})


def _policy_rows(session):
    session.expire_all()
    return {row.service_id: row for row in session.scalars(select(PaymentPolicy))}


def test_an_admin_sets_the_default_and_a_service_override_on_the_back_office_page(client, session):
    svc = _office(session)
    _login(client, "admin")
    listing = client.get("/admin/payment-policies").get_data(as_text=True)
    assert "Business-wide default" in listing and "Window wash" in listing and "(follows the default)" in listing
    assert 'href="/admin/payment-policies"' in client.get("/admin/dashboard").get_data(as_text=True)

    page = client.get("/admin/payment-policies/default").get_data(as_text=True)
    saved = client.post("/admin/payment-policies/default", data={
        "csrf_token": csrf(page), "mode": "deposit", "deposit_type": "percent", "deposit_value": "25",
        "late_cancel_fee_type": "fixed", "late_cancel_fee_value": "15", "no_show_fee_type": "percent", "no_show_fee_value": "50"})
    assert saved.status_code == 303
    assert "Payment policy saved." in client.get(saved.headers["Location"]).get_data(as_text=True)
    row = _policy_rows(session)[None]
    assert (row.mode, row.deposit_value, row.late_cancel_fee_value, row.no_show_fee_type) == ("deposit", Decimal("25.00"), Decimal("15.00"), "percent")
    assert payments.terms(session, svc.id, Decimal("80.00")).due_now == Decimal("20.00")  # the service follows the default

    service_form = client.get(f"/admin/manage/services/{svc.id}").get_data(as_text=True)
    assert f'href="/admin/payment-policies/services/{svc.id}"' in service_form
    assert 'href="/admin/payment-policies"' in client.get("/admin/settings").get_data(as_text=True)
    page = client.get(f"/admin/payment-policies/services/{svc.id}").get_data(as_text=True)
    assert 'id="follows-default"' in page
    client.post(f"/admin/payment-policies/services/{svc.id}", data={
        "csrf_token": csrf(page), "mode": "card_on_file", "deposit_type": "percent", "deposit_value": "0",
        "late_cancel_fee_type": "fixed", "late_cancel_fee_value": "10", "no_show_fee_type": "fixed", "no_show_fee_value": "40"})
    session.expire_all()
    session.info.pop("payment_policies", None)
    assert payments.policy_for(session, svc.id).mode == PaymentMode.CARD_ON_FILE
    assert payments.terms(session, svc.id, Decimal("80.00")).no_show_fee == Decimal("40.00")

    page = client.get(f"/admin/payment-policies/services/{svc.id}").get_data(as_text=True)
    back = client.post(f"/admin/payment-policies/services/{svc.id}/remove", data={"csrf_token": csrf(page)})
    assert back.status_code == 303 and set(_policy_rows(session)) == {None}

    audit = [(e.object_id, e.action, e.actor_label.startswith("admin")) for e in
             session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "payment_policy").order_by(AuditEvent.id))]
    assert audit == [(None, "created", True), (svc.id, "created", True), (svc.id, "deleted", True)]


def test_a_wrong_policy_form_names_each_field_and_changes_nothing(client, session):
    svc = _office(session)
    _login(client, "admin")
    page = client.get(f"/admin/payment-policies/services/{svc.id}").get_data(as_text=True)
    refused = client.post(f"/admin/payment-policies/services/{svc.id}", data={
        "csrf_token": csrf(page), "mode": "deposit", "deposit_type": "percent", "deposit_value": "120",
        "late_cancel_fee_type": "sometimes", "late_cancel_fee_value": "-3", "no_show_fee_type": "fixed", "no_show_fee_value": "ten"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for field in ("deposit_value", "late_cancel_fee_type", "late_cancel_fee_value", "no_show_fee_value"):
        assert f'id="{field}-error"' in html, field
    assert "A percentage is at most 100." in html and 'value="ten"' in html  # what was typed stays
    assert _policy_rows(session) == {}
    assert session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "payment_policy")).all() == []


def test_only_admins_reach_the_policy_pages_and_a_post_needs_its_csrf_token(client, session):
    _office(session)
    _login(client, "staff")
    assert client.get("/admin/payment-policies").status_code == 403
    dashboard = client.get("/admin/dashboard").get_data(as_text=True)
    assert 'href="/admin/payment-policies"' not in dashboard
    assert client.post("/admin/payment-policies/default", data={"csrf_token": csrf(dashboard), "mode": "full"}).status_code == 403
    client.get("/logout")
    _login(client, "admin")
    assert client.post("/admin/payment-policies/default", data={"mode": "full"}).status_code == 400  # no CSRF token
    assert client.get("/admin/payment-policies/services/9999").status_code == 404
    assert _policy_rows(session) == {}


def test_the_catalog_api_reads_sets_and_drops_policies_with_the_admin_scope(admin_api, staff_api, session):
    svc = _office(session)
    default = admin_api.get("/payment-policy")
    assert default.status_code == 200
    assert default.get_json()["data"] == {
        "service_id": None, "overridden": False, "mode": "in_person", "deposit_type": "percent", "deposit_value": "0.00",
        "late_cancel_fee_type": "fixed", "late_cancel_fee_value": "0.00", "no_show_fee_type": "fixed", "no_show_fee_value": "0.00"}

    put = admin_api.put("/payment-policy", {"mode": "full", "no_show_fee_type": "fixed", "no_show_fee_value": 30})
    assert put.status_code == 200 and put.get_json()["data"]["mode"] == "full"
    assert put.get_json()["data"]["no_show_fee_value"] == "30.00"
    follows = admin_api.get(f"/services/{svc.id}/payment-policy").get_json()["data"]
    assert (follows["service_id"], follows["overridden"], follows["mode"]) == (svc.id, False, "full")

    own = admin_api.put(f"/services/{svc.id}/payment-policy", {"mode": "deposit", "deposit_type": "fixed", "deposit_value": "12.50"})
    assert own.status_code == 200
    assert (own.get_json()["data"]["overridden"], own.get_json()["data"]["deposit_value"]) == (True, "12.50")
    session.info.pop("payment_policies", None)
    assert payments.terms(session, svc.id, Decimal("80.00")).due_now == Decimal("12.50")

    dropped = admin_api.delete(f"/services/{svc.id}/payment-policy")
    assert dropped.status_code == 200 and dropped.get_json()["data"]["overridden"] is False
    assert set(_policy_rows(session)) == {None}
    assert [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "payment_policy")
                                              .order_by(AuditEvent.id))] == ["created", "created", "deleted"]


def test_the_api_names_each_wrong_field_refuses_other_scopes_and_unknown_services(admin_api, staff_api, session):
    svc = _office(session)
    wrong = admin_api.put(f"/services/{svc.id}/payment-policy", {
        "mode": "sometimes", "deposit_value": "1e3", "no_show_fee_value": True, "colour": "red"})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["error"]["details"]) == {"colour"}
    wrong = admin_api.put(f"/services/{svc.id}/payment-policy", {"mode": "sometimes", "deposit_value": "-1", "no_show_fee_value": True})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["error"]["details"]) == {"mode", "deposit_value", "no_show_fee_value"}
    deposit_without_amount = admin_api.put("/payment-policy", {"mode": "deposit"})
    assert deposit_without_amount.status_code == 422 and "deposit_value" in deposit_without_amount.get_json()["error"]["details"]
    assert staff_api.put("/payment-policy", {"mode": "full"}).status_code == 403
    assert staff_api.get("/payment-policy").status_code == 403
    assert admin_api.get("/services/9999/payment-policy").status_code == 404
    assert admin_api.put("/services/abc/payment-policy", {"mode": "full"}).status_code == 404
    assert admin_api.put("/payment-policy", raw="[1]").status_code == 400
    assert _policy_rows(session) == {}
