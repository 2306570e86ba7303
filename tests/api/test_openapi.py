"""The OpenAPI document is valid, describes real responses, and survives schemathesis."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from app.api.openapi import DOCUMENT
from tests.api.conftest import DAY, launch27_body, staff_booking


def test_the_document_is_valid_openapi_3_1(anon):
    served = anon.get("/openapi.json")
    assert served.status_code == 200
    validate_spec(served.get_json())


def _operation(method: str, path: str) -> dict:
    for template, item in DOCUMENT["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if re.match(pattern, path):
            return item[method.lower()]
    raise AssertionError(f"{method} {path} is not in the document")


def conforms(method: str, path: str, response) -> None:
    """The response's body matches what the document says for its status."""
    declared = _operation(method, path.split("?")[0])["responses"][str(response.status_code)]
    if "$ref" in declared:
        declared = DOCUMENT["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
    schema = declared["content"]["application/json"]["schema"] | {"components": DOCUMENT["components"]}
    errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
    assert not errors, f"{method} {path} {response.status_code}: {errors[0].message}"


def test_real_responses_match_the_document(staff_api, customer_api, anon, catalog):
    calls = []

    def call(api, method, path, body=None):
        response = api(method, path, body)
        calls.append((method, path, response))
        return response

    created = call(staff_api, "POST", "/bookings", staff_booking(catalog)).get_json()["data"]
    call(staff_api, "POST", "/bookings", staff_booking(catalog))  # 409
    call(staff_api, "POST", "/bookings", {"service_id": "x"})  # 422
    call(staff_api, "GET", "/bookings")
    call(staff_api, "GET", f"/bookings/{created['id']}")
    call(staff_api, "GET", "/bookings/999")
    call(staff_api, "PUT", f"/bookings/{created['id']}", {"start_time": "12:00"})
    call(staff_api, "PUT", f"/bookings/{created['id']}", {"version": 1, "notes": "x"})  # 412
    call(staff_api, "POST", "/bookings/bulk", {"bookings": [staff_booking(catalog, start_time="14:00"), staff_booking(catalog, start_time="14:00")]})
    call(staff_api, "POST", "/bookings/bulk", {"bookings": [staff_booking(catalog, start_date="2020-01-01")]})
    call(staff_api, "DELETE", f"/bookings/{created['id']}")
    call(staff_api, "GET", f"/availability?service_id={catalog['service']}&date={DAY}&days=2")
    call(anon, "GET", "/bookings")  # 401
    mine = call(customer_api, "POST", "/customer/bookings", launch27_body(catalog, frequency_id=catalog["weekly"])).get_json()
    call(customer_api, "POST", "/customer/bookings", {})
    call(customer_api, "POST", "/customer/bookings/price", launch27_body(catalog))
    call(customer_api, "GET", "/customer/bookings")
    call(customer_api, "GET", f"/customer/bookings/{mine['id']}")
    call(customer_api, "PUT", f"/customer/bookings/{mine['id']}", {"service_date": f"{DAY}T13:00:00"})
    call(customer_api, "POST", f"/customer/bookings/{mine['id']}/cancel", {"scope": "this_and_future"})
    for kind in ("services", "extras", "pricing_parameters", "custom_fields", "frequencies", "locations", "agents"):
        listing = call(customer_api, "GET", f"/{kind}").get_json()
        call(customer_api, "GET", f"/{kind}/{listing['data'][0]['id']}")
    jo = call(staff_api, "POST", "/customers", {"first_name": "Jo", "email": "jo2@example.com"}).get_json()["data"]
    call(staff_api, "POST", "/customers", {"first_name": "Jo", "email": "jo2@example.com"})  # 409
    call(staff_api, "GET", "/customers?q=jo")
    call(staff_api, "GET", f"/customers/{jo['id']}")
    call(staff_api, "PATCH", f"/customers/{jo['id']}", {"phone": "555"})
    call(staff_api, "GET", "/bookings?sort=updated_at&updated_since=2020-01-01T00:00:00Z&after_id=1")
    call(staff_api, "GET", "/bookings?search=x")  # 422
    call(customer_api, "POST", "/logout")
    assert len(calls) > 30
    for method, path, response in calls:
        conforms(method, path, response)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_schemathesis_finds_no_server_error_and_no_mismatch(app, catalog, staff_api, customer_api, admin_api):
    """Generated requests for every operation of the document, with valid credentials:
    no 5xx, and every answer's status, content type and body as documented."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        path = operation.path
        headers = customer_api.headers if path.startswith("/customer") or path == "/logout" else staff_api.headers
        if path.startswith("/webhooks") or path.endswith("/payment-policy"):
            headers = admin_api.headers

        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def run(case):
            if path == "/logout":
                return  # would end the session the other generated cases use
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()


@pytest.mark.parametrize(("pattern", "parse", "samples"), [
    ("DATE_PATTERN", "parse_date", ["1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01", "2026-02-30", "2026-13-01",
                                    "2026-1-01", "٢٠٢٦-01-01", "2026-01-01T00:00", ""]),
    ("TIME_PATTERN", "parse_time", ["00:00", "23:59", "24:00", "12:60", "9:30", "09:30:00", "²9:30"]),
    ("INSTANT_PATTERN", "parse_instant", ["2026-11-23T17:00:00Z", "2026-11-23T17:00:00.123456+05:30", "2026-11-23T17:00:00.1234567Z",
                                          "1899-12-31T23:59:59Z", "2026-11-23T25:00:00Z", "2026-11-23t17:00:00z"]),
])
def test_the_documents_patterns_agree_with_the_parsers(pattern, parse, samples):
    """What the document's pattern (with its format) lets through, the parser takes, and
    nothing the parser refuses matches it: the two are declared together in validation.py."""
    from datetime import date, datetime, time

    from app.domain import validation

    regex, parser = getattr(validation, pattern), getattr(validation, parse)
    for sample in samples:
        matches = re.fullmatch(regex, sample) is not None
        if matches and pattern == "DATE_PATTERN":
            try:
                date.fromisoformat(sample)
            except ValueError:
                matches = False  # the document's `format: date` refuses it too
        try:
            parsed = parser(sample)
        except validation.BadValue:
            parsed = None
        assert isinstance(parsed, (date, datetime, time)) == matches, (pattern, sample)


def test_every_get_takes_exactly_the_query_parameters_the_document_lists(staff_api, customer_api, admin_api, catalog):
    for path, item in DOCUMENT["paths"].items():
        if "get" not in item or path == "/openapi.json":
            continue
        declared = [*item.get("parameters", []), *item["get"].get("parameters", [])]
        names = sorted(DOCUMENT["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
                       for p in declared if "$ref" in p or p["in"] == "query")
        names = [n for n in names if n != "id"]
        api = customer_api if path.startswith("/customer/") else admin_api if path.startswith("/webhooks") or path.endswith("/payment-policy") else staff_api
        answer = api.get(re.sub(r"\{[^}]+\}", "1", path) + "?zz_unknown=1")
        assert answer.status_code == 422, (path, answer.get_json())
        message = answer.get_json()["error"]["details"]["zz_unknown"]
        assert message == f"Unknown query parameter; this endpoint takes {', '.join(names) or 'none'}.", path


def test_the_documented_body_fields_are_the_ones_the_parsers_take():
    from app.api.parsing import BOOKING_FIELDS, CUSTOMER_FIELDS, UPDATE_FIELDS
    from app.domain import customers

    schemas = DOCUMENT["components"]["schemas"]
    assert set(schemas["StaffBookingInput"]["properties"]) == BOOKING_FIELDS
    assert set(schemas["StaffBookingCreate"]["properties"]) == BOOKING_FIELDS | {"send_confirmation_email"}
    assert set(schemas["BookingUpdate"]["properties"]) == UPDATE_FIELDS
    customer = schemas["StaffBookingInput"]["properties"]["customer"]["$ref"].rsplit("/", 1)[1]
    assert set(schemas[customer]["properties"]) == set(CUSTOMER_FIELDS)
    assert set(schemas["CustomerCreate"]["properties"]) == set(customers.FIELDS)
    assert set(schemas["CustomerUpdate"]["properties"]) == set(customers.FIELDS) | {"active"}
