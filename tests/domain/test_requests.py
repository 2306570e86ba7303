"""The request models (app/domain/requests/): each field is its kind's parser, errors come
back as the app's field paths and messages, and the JSON Schema states the parsers' limits.
No app and no database: a request model is parsed before any service runs."""
from __future__ import annotations

from datetime import date

import pytest
from pydantic import Field

from app.domain.errors import ValidationFailed
from app.domain.requests import RequestModel, json_schemas
from app.domain.requests.customers import CustomerCreate, CustomerUpdate
from app.domain.requests.types import HHMM, Id, LocalDate, Minutes, Text
from app.domain.requests.webhooks import WebhookEndpointInput, WebhookEndpointUpdate
from app.domain.validation import BadValue, MAX_DURATION, MAX_ID, MIN_DURATION, TEXT_PATTERN, parse_date, parse_id
from app.domain.webhook_rules import EVENTS_WANTED, MAX_URL_LENGTH, URL_PATTERN

from ..security.corpus import JSON_CORPUS


class Line(RequestModel):
    id: Id


class Visit(RequestModel):
    INVALID = "The visit is not valid."

    day: LocalDate
    at: HHMM
    minutes: Minutes = Field(default=None)
    lines: list[Line] = []
    note: Text(20) = ""  # type: ignore[valid-type]


def details(model: type[RequestModel], data: object, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        model.parse(data, **kwargs)
    return caught.value.details


def test_a_valid_body_comes_back_as_typed_values():
    visit = Visit.parse({"day": "2026-12-01", "at": "09:30", "lines": [{"id": 3}], "note": "  ring twice "})
    assert visit.day == date(2026, 12, 1) and visit.at.hour == 9 and visit.lines[0].id == 3
    assert visit.note == "ring twice"  # parse_text's own stripping
    assert visit.model_fields_set == {"day", "at", "lines", "note"}


def test_every_problem_is_reported_at_its_path_with_the_parsers_message():
    found = details(Visit, {"day": "2026-02-30", "at": "25:00", "minutes": MAX_DURATION + 1,
                            "lines": [{"id": 1}, {"id": "²"}, {"id": 1, "x": 1}], "extra": 1})
    assert found == {
        "day": "That date does not exist.",
        "at": "Expected a time as HH:MM (24-hour).",
        "minutes": f"Must be at most {MAX_DURATION}.",
        "lines[1].id": "Must be an id (a whole number from 1).",
        "lines[2].x": "Unknown field.",
        "extra": "Unknown field.",
    }


def test_missing_fields_wrong_shapes_and_a_prefix_use_the_apps_words():
    assert details(Visit, {"lines": {"id": 1}}, prefix="bookings[3].") == {
        "bookings[3].day": "This field is required.", "bookings[3].at": "This field is required.",
        "bookings[3].lines": "Must be a list.",
    }
    assert details(Visit, {"day": "2026-12-01", "at": "09:00", "lines": [7]}) == {"lines[0]": "Must be an object."}
    assert details(Visit, [1]) == {"body": "Must be an object."}
    with pytest.raises(ValidationFailed) as caught:
        Visit.parse({})
    assert caught.value.message == "The visit is not valid." and caught.value.status == 422


@pytest.mark.parametrize("value", JSON_CORPUS, ids=repr)
def test_a_field_refuses_exactly_what_its_parser_refuses(value):
    for parse, field in ((parse_id, "id"),):
        try:
            expected = {"ok": parse(value)}
        except BadValue as exc:
            expected = {"error": str(exc)}
        try:
            got = {"ok": Line.parse({field: value}).id}
        except ValidationFailed as exc:
            got = {"error": exc.details[field]}
        assert got == expected
    try:
        expected_day = {"ok": parse_date(value)}
    except BadValue as exc:
        expected_day = {"error": str(exc)}
    try:
        got_day = {"ok": Visit.parse({"day": value, "at": "09:00"}).day}
    except ValidationFailed as exc:
        got_day = {"error": exc.details["day"]}
    assert got_day == expected_day


def test_the_json_schema_states_the_parsers_limits():
    schemas = json_schemas(Visit)
    visit = schemas["Visit"]
    assert visit["additionalProperties"] is False and visit["required"] == ["day", "at"]
    assert visit["properties"]["minutes"] == {"type": "integer", "minimum": MIN_DURATION, "maximum": MAX_DURATION}
    assert visit["properties"]["note"] == {"type": "string", "maxLength": 20, "pattern": TEXT_PATTERN}
    assert visit["properties"]["lines"]["items"] == {"$ref": "#/components/schemas/Line"}
    assert schemas["Line"]["properties"]["id"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    assert "title" not in str(schemas) and "default" not in visit["properties"]["minutes"]


def test_a_customer_is_refused_for_unknown_fields_first_then_for_every_bad_field():
    assert details(CustomerCreate, {"first_name": "", "email": "x", "role": "admin"}) == {"role": "Unknown field."}
    assert details(CustomerCreate, {"first_name": "", "email": "x", "sms_notifications": 3}) == {
        "first_name": "This field is required.", "email": "Enter a valid e-mail address.",
        "sms_notifications": "Must be true or false."}
    change = CustomerUpdate.parse({"email": " Pat@Example.COM ", "active": False})
    assert change.given() == {"email": "pat@example.com", "active": False}
    assert details(CustomerUpdate, {"active": "no"}) == {"active": "Must be true or false."}


def test_a_webhook_url_is_parse_url_and_a_private_address_needs_the_setting():
    made = WebhookEndpointInput.parse({"url": "https://bücher.example/hook", "events": ["booking.created"]})
    assert made.url == "https://xn--bcher-kva.example/hook" and made.description == ""
    assert details(WebhookEndpointInput, {}) == {"url": "This field is required.", "events": EVENTS_WANTED}
    private = {"url": "http://127.0.0.1/hook", "events": ["booking.created"]}
    assert details(WebhookEndpointInput, private)["url"].startswith("Webhooks cannot be sent to this address")
    assert WebhookEndpointInput.parse(private, context={"allow_private": True}).url == "http://127.0.0.1/hook"
    assert details(WebhookEndpointUpdate, {"url": None}) == {"url": "This field is required."}
    assert WebhookEndpointUpdate.parse({"active": None}).given() == {"active": True}
    url = json_schemas(WebhookEndpointInput)["WebhookEndpointInput"]["properties"]["url"]
    assert url["pattern"] == URL_PATTERN and url["maxLength"] == MAX_URL_LENGTH


def test_a_staff_booking_needs_a_start_and_a_customer_and_reports_every_value_at_once():
    from app.domain.requests.bookings import NEEDS_CUSTOMER, StaffBookingInput

    assert details(StaffBookingInput, {"service_id": "x", "start_date": "soon", "color": "red"}) == {
        "start_time": "This field is required.", "customer": NEEDS_CUSTOMER,
        "service_id": "Must be an id (a whole number from 1).", "agent_id": "This field is required.",
        "start_date": "Expected a date as YYYY-MM-DD.", "color": "Unknown field."}
    item = {"service_id": 1, "agent_id": "any", "start_at": "2026-12-01T09:00:00Z",
            "customer": {"first_name": "Jo", "last_name": "Doe", "email": "Jo@Example.com"}}
    request = StaffBookingInput.parse(item).booking_request(send_notifications=False)
    assert request.agent_id is None and request.customer.email == "jo@example.com" and request.payment_method == "cash"
    # Without an e-mail a phone will do (a phone-only customer, issue 22); without either, the e-mail is asked for.
    assert details(StaffBookingInput, item | {"customer": {"first_name": "Jo"}}, prefix="bookings[2].") == {
        "bookings[2].customer.last_name": "This field is required.", "bookings[2].customer.email": "Give an e-mail or a phone number."}
    phone_only = StaffBookingInput.parse(item | {"customer": {"first_name": "Jo", "last_name": "Doe", "phone": "201-555-0100"}})
    assert (phone_only.booking_request(send_notifications=False).customer.email, phone_only.customer.phone) == ("", "201-555-0100")
    assert details(StaffBookingInput, item | {"customer": {"first_name": "Jo", "last_name": "Doe", "email": " ", "phone": None}}) == {
        "customer.email": "Give an e-mail or a phone number."}


def test_a_booking_update_changes_only_what_was_sent_and_merges_the_customers_fields():
    from app.domain.booking import UNSET
    from app.domain.requests.bookings import BookingUpdate

    update = BookingUpdate.parse({"customer": {"email": "A@Example.com"}, "customer.first_name": " Jo ", "price": None,
                                  "send_notification": True, "version": 3})
    changes = update.changes()
    assert changes.customer == {"email": "a@example.com", "first_name": "Jo"}
    assert changes.price is None and changes.notes is UNSET and changes.start_at is UNSET
    assert update.send_notification is True and update.version == 3
    assert details(BookingUpdate, {"customer": {"nick": 1}, "customer.email": "x", "price": "1.234", "send_notification": "yes"}) == {
        "customer.nick": "Unknown field.", "customer.email": "Enter a valid e-mail address.",
        "price": "Use at most two decimal places.", "send_notification": "Must be true or false."}


def test_a_booking_request_reads_each_value_once_and_keeps_what_does_not_parse_by_its_path():
    from decimal import Decimal

    from app.domain.inputs import BookingRequest, ExtraInput, HourlyInput, ServiceLineInput

    # As a web form sends them: text everywhere.
    lines = [ServiceLineInput(7, hourly=HourlyInput("2", "90"), extras=[ExtraInput(3, "2", "on")])]
    request = BookingRequest(lines, start_date="2026-11-26", start_time="10:30", agent_id="any", location_id="",
                             tip="7.5", arrival_window="", customer_id="12", sms_notifications="1", address=" 1 Main St ")
    assert (request.start_date, request.start_time.isoformat(), request.agent_id, request.location_id) == (
        date(2026, 11, 26), "10:30:00", None, None)
    assert (request.tip, request.arrival_window, request.customer_id, request.sms_notifications) == (Decimal("7.50"), 0, 12, True)
    assert request.address == "1 Main St" and request.city is None and request.payment_method == "cash"
    assert (lines[0].hourly.quantity, lines[0].hourly.minutes, lines[0].extras[0].quantity, lines[0].extras[0].recurring) == (
        2, 90, 2, True)
    assert request.problems == {}

    bad = BookingRequest([ServiceLineInput("x", extras=[ExtraInput(3, "lots")])], start_date="2026-13-01", start_time=10,
                         agent_id="alex", tip=-5, arrival_window=2000, duration=0, city="a\nb")
    assert bad.problems == {
        "services[0].id": "Must be an id (a whole number from 1).", "services[0].extras[0].quantity": "Must be a whole number.",
        "start_date": "That date does not exist.", "start_time": "Expected a time as HH:MM (24-hour).",
        "agent_id": "Must be an id (a whole number from 1).", "tip": "Must be at least 0.",
        "arrival_window": "Must be at most 1440.", "duration": f"Must be at least {MIN_DURATION}.", "city": "Must be a single line."}
    # What did not parse is left out, never kept as sent.
    assert (bad.start_date, bad.start_time, bad.agent_id, bad.tip, bad.arrival_window, bad.duration, bad.city) == (
        None, None, None, Decimal("0.00"), 0, None, None)
    assert bad.services[0].id is None and bad.services[0].extras[0].quantity is None
    assert BookingRequest([ServiceLineInput(1)]).problems == {"start_date": "Expected a date as YYYY-MM-DD.",
                                                             "start_time": "Expected a time as HH:MM (24-hour)."}
