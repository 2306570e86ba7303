"""Availability and the catalog without a key (PUBLIC_API_READS), and the LatePoint and
Launch27 paths as aliases of /api/v1, as a client sees them."""
from __future__ import annotations

from app.domain.models import Agent, Location
from tests import builders as b

from .conftest import DAY, staff_booking


def raw(client, method, path, headers=None, body=None):
    return client.open(path, method=method, headers=headers or {}, json=body)


def test_availability_and_the_catalog_answer_without_credentials_for_any_origin(anon, catalog):
    free = anon.get(f"/availability?service_id={catalog['service']}&date={DAY}")
    assert free.status_code == 200 and "10:00" in free.get_json()["data"]["available_slots"]
    assert free.headers["Access-Control-Allow-Origin"] == "*"
    for kind in ("services", "extras", "pricing_parameters", "custom_fields", "frequencies", "locations", "agents"):
        listed = anon.get(f"/{kind}")
        assert listed.status_code == 200 and listed.get_json()["data"], kind
        first = listed.get_json()["data"][0]["id"]
        assert anon.get(f"/{kind}/{first}").status_code == 200, kind
    # Errors of a public read can be read by the page too.
    bad = anon.get(f"/availability?service_id={catalog['service']}&date=soon")
    assert bad.status_code == 422 and bad.headers["Access-Control-Allow-Origin"] == "*"


def test_the_public_sees_no_staff_contacts_staff_questions_or_deactivated_objects(anon, read_api, catalog, session):
    session.get(Agent, catalog["bo"]).active = False
    secret = b.field(session, [], "single_line", "Alarm code (staff)", visibility="staff")
    session.commit()
    agents = anon.get("/agents").get_json()["data"]
    assert [a["id"] for a in agents] == [catalog["alex"]]
    assert not {"email", "phone"} & set(agents[0]) and agents[0]["name"] == "Alex Agent"
    assert "email" in read_api.get("/agents").get_json()["data"][0]  # a key still sees them
    assert secret.id not in [f["id"] for f in anon.get("/custom_fields").get_json()["data"]]
    assert anon.get(f"/custom_fields/{secret.id}").status_code == 404
    assert read_api.get(f"/custom_fields/{secret.id}").status_code == 200
    for path in ("/agents?include_inactive=1", f"/agents/{catalog['bo']}?include_inactive=true"):
        refused = anon.get(path)
        assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"
    assert anon.get(f"/agents/{catalog['bo']}").status_code == 404


def test_credentials_that_are_sent_are_checked_and_the_rest_of_the_api_still_needs_them(anon, catalog):
    wrong = anon.get(f"/availability?service_id={catalog['service']}&date={DAY}", headers={"X-API-Key": "bk_wrong"})
    assert wrong.status_code == 401 and "Access-Control-Allow-Origin" not in wrong.headers
    for path in ("/bookings", "/customers", "/customer/bookings", "/webhooks"):
        refused = anon.get(path)
        assert refused.status_code == 401 and "Access-Control-Allow-Origin" not in refused.headers, path


def test_public_reads_can_be_switched_off(app, anon, read_api, catalog):
    app.config["PUBLIC_API_READS"] = False
    assert anon.get(f"/availability?service_id={catalog['service']}&date={DAY}").status_code == 401
    assert anon.get("/services").status_code == 401
    assert read_api.get("/services").status_code == 200


def test_public_reads_are_rate_limited_per_address_apart_from_clients_with_keys(app, anon, read_api, catalog):
    app.config["PUBLIC_API_RATE_LIMIT"] = "2 per minute"
    answers = [anon.get("/services") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].headers["Access-Control-Allow-Origin"] == "*"  # the widget can read why
    assert [read_api.get("/services").status_code for _ in range(3)] == [200, 200, 200]


def test_latepoint_and_launch27_paths_are_the_same_handlers_with_json_errors(client, staff_api, customer_api, catalog):
    key, bearer = staff_api.headers, customer_api.headers
    created = raw(client, "POST", "/wp-json/latepoint-api/v1/bookings", key, staff_booking(catalog))
    assert created.status_code == 201, created.get_json()
    booking_id = created.get_json()["data"]["id"]
    same = raw(client, "GET", f"/wp-json/latepoint-api/v1/bookings/{booking_id}", key).get_json()
    assert same == staff_api.get(f"/bookings/{booking_id}").get_json()
    mine = raw(client, "GET", "/latest/customer/bookings", bearer)
    assert mine.status_code == 200 and mine.get_json()["meta"]["total"] == 0
    # The same auth and JSON errors under either prefix, never an HTML page.
    for prefix in ("/wp-json/latepoint-api/v1", "/latest"):
        for path, headers, status, code in (("/bookings", {}, 401, "unauthorized"), ("/bookings/999", key, 404, "booking_not_found"),
                                            ("/no-such-thing", key, 404, "not_found"), ("", key, 404, "not_found")):
            answer = raw(client, "GET", prefix + path, headers)
            assert answer.status_code == status and answer.mimetype == "application/json", (prefix, path)
            assert answer.get_json()["error"]["code"] == code
    # A prefix that only starts alike is not an alias.
    assert raw(client, "GET", "/latestnews").mimetype != "application/json"
