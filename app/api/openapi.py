"""GET /openapi.json: the OpenAPI 3.1 description of this API, kept true by tests that
validate real responses against it (tests/api/test_openapi.py)."""
from __future__ import annotations

import copy
import functools
import re
from typing import Any

from ..domain.bulk import MAX_ITEMS
from ..domain.queries import MAX_PAGE, MAX_PER_PAGE
from ..domain.requests import json_schemas
from ..domain.requests.bookings import BookingUpdate, StaffBookingCreate, StaffBookingInput
from ..domain.requests.customers import CustomerCreate, CustomerUpdate
from ..domain.requests.types import DATE_SCHEMA, ID_SCHEMA, INSTANT_SCHEMA, MINUTES_SCHEMA, TIME_SCHEMA
from ..domain.validation import FLAG_VALUES, MAX_EMAIL, MAX_ID, TEXT_PATTERN
from . import bp
from . import webhooks as webhook_api
from .launch27 import CANCEL_SCHEMA, ESTIMATE_SCHEMA, RESCHEDULE_SCHEMA, SCHEMA
from .responses import respond

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
# The constraints below come from the parsers' own declarations (validation.py,
# queries.py), so the document cannot state other limits than the server applies; the
# value kinds are the request models' field types' (app/domain/requests/types.py).
DATE = dict(DATE_SCHEMA)
DURATION = dict(MINUTES_SCHEMA)
HHMM = dict(TIME_SCHEMA)
STAMP = dict(INSTANT_SCHEMA)
ID = dict(ID_SCHEMA)
# A customer booked by staff by phone alone has no e-mail (issue 22).
NULLABLE_EMAIL = {"type": ["string", "null"], "description": "null for a phone-only customer (booked by staff; no e-mails)"}
NULLABLE_ID = {"type": ["integer", "null"]}
FLAG = {"type": "string", "enum": list(FLAG_VALUES)}  # what parse_flag takes
STATUS = {"type": "string", "enum": ["pending", "approved", "cancelled", "completed", "no_show", "payment_pending"]}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    schema["required"] = list(properties) if required is None else required
    return schema


def ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def envelope(data: dict[str, Any]) -> dict[str, Any]:
    return obj({"status": {"const": "success"}, "data": data})


def list_envelope(item: dict[str, Any]) -> dict[str, Any]:
    return obj({"status": {"const": "success"}, "data": {"type": "array", "items": item}, "meta": ref("Meta")})


ERRORS = {code: {"$ref": "#/components/responses/Error"} for code in ("400", "401", "403", "404", "409", "412", "422", "429")}


def _launch27(schema: dict[str, Any]) -> dict[str, Any]:
    copied = copy.deepcopy(schema)
    copied.pop("$schema", None)
    return copied


SCHEMAS: dict[str, Any] = {
    "Meta": obj({"total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total_pages": {"type": "integer"}}),
    "Error": obj({
        "status": {"const": "error"},
        "error": obj({"code": {"type": "string"}, "message": {"type": "string"}, "details": {"type": "object"}}, ["code", "message"]),
    }),
    "Price": obj({k: MONEY for k in ("subtotal", "frequency_discount", "discount", "gift_card", "tip", "adjustment", "total")}),
    "Booking": obj({
        "id": ID, "booking_code": {"type": "string"}, "status": STATUS, "version": {"type": "integer"},
        "service_id": ID, "service_name": {"type": "string"},
        "services": {"type": "array", "items": obj({
            "id": ID, "name": {"type": "string"}, "pricing_mode": {"enum": ["fixed", "hourly"]}, "unit_price": MONEY,
            "hourly": {"type": ["object", "null"]}, "amount": MONEY, "duration": {"type": "integer"},
            "extras": {"type": "array", "items": obj({"id": ID, "name": {"type": "string"}, "quantity": {"type": "integer"},
                                                     "unit_price": MONEY, "amount": MONEY, "recurring": {"type": "boolean"}})},
            "pricing_parameters": {"type": "array", "items": obj({"id": ID, "name": {"type": "string"}, "quantity": {"type": "integer"},
                                                                 "unit_price": MONEY, "amount": MONEY})},
        })},
        "agent_id": ID, "agent_name": {"type": "string"}, "location_id": ID, "customer_id": ID,
        "customer": obj({k: NULLABLE_EMAIL if k == "email" else {"type": "string"} for k in ("first_name", "last_name", "email", "phone")}),
        "start_date": DATE, "start_time": HHMM, "end_time": HHMM, "start_at": STAMP, "end_at": STAMP,
        "duration": {"type": "integer"}, "arrival_window": {"type": "integer"}, "sms_notifications": {"type": "boolean"},
        "price": ref("Price"), "price_overridden": {"type": "boolean"},
        "payment_method": {"enum": ["cash", "check", "stripe", "paypal"]},
        "payment": obj({
            "policy": {"enum": ["in_person", "full", "deposit", "card_on_file"]},
            "status": {"enum": ["none", "due", "pending", "authorised", "partially_paid", "paid", "partially_refunded", "refunded"]},
            "currency": {"type": "string", "description": "ISO 4217, the location's"},
            "amount_paid": MONEY, "amount_due": MONEY, "refunded": MONEY,
        }, ["policy", "status", "currency", "amount_paid", "amount_due", "refunded"]),
        "frequency_id": NULLABLE_ID, "series_id": NULLABLE_ID,
        "notes": {"type": "string"}, "address": {"type": "object"}, "custom_fields": {"type": "array", "items": {"type": "object"}},
        "original_booking_id": NULLABLE_ID, "created_at": STAMP, "updated_at": STAMP, "staff_notes": {"type": "string"},
        "change": {"type": "integer", "description": "raised at each change in the order changes commit (a later commit has a higher number)"},
        # Only in the answer to a create: true when the new customer's e-mail belonged to
        # an existing customer, who was booked for (the submitted names were not applied).
        "customer_matched": {"type": "boolean"},
    }, required=["id", "booking_code", "status", "version", "service_id", "service_name", "services", "agent_id", "agent_name",
                 "location_id", "customer_id", "customer", "start_date", "start_time", "end_time", "start_at", "end_at",
                 "duration", "arrival_window", "sms_notifications", "price", "price_overridden", "payment_method", "payment", "notes", "original_booking_id",
                 "created_at", "updated_at", "change"]),
    "BulkResult": obj({
        "status": {"enum": ["success", "partial", "error"]},
        "data": obj({
            "created": {"type": "array", "items": obj({"index": {"type": "integer"}, "booking": ref("Booking"), "customer_id": ID,
                                                       "customer_matched": {"type": "boolean"}})},
            "failed": {"type": "array", "items": obj({"index": {"type": "integer"}, "error": {"type": "object"}})},
            "summary": obj({"requested": {"type": "integer"}, "created": {"type": "integer"}, "failed": {"type": "integer"}}),
        }),
    }),
    "Availability": obj({
        "date": DATE, "service_id": ID, "agent_id": {"oneOf": [ID, {"const": "any"}]}, "location_id": ID,
        "duration": {"type": "integer"}, "available_slots": {"type": "array", "items": HHMM},
        "slots": {"type": "array", "items": obj({"time": HHMM, "start_at": STAMP})},
        "slots_by_agent": {"type": "object", "additionalProperties": {"type": "array", "items": HHMM}},
        "days": {"type": "array", "items": {"type": "object"}},
    }, required=["date", "service_id", "agent_id", "duration", "available_slots"]),
    "MoveAvailability": obj({
        "booking_id": ID, "agent_id": ID, "duration": {"type": "integer"},
        "days": {"type": "array", "items": obj({
            "date": DATE, "available_slots": {"type": "array", "items": HHMM},
            "slots": {"type": "array", "items": obj({"time": HHMM, "start_at": STAMP}, required=["time", "start_at"])},
        }, required=["date", "available_slots", "slots"])},
    }, required=["booking_id", "agent_id", "duration", "days"]),
    "CustomerBookingRequest": _launch27(SCHEMA),
    "PriceEstimateRequest": _launch27(ESTIMATE_SCHEMA),
    "CustomerBookingCreated": obj({
        "id": ID,
        "ga_transaction": obj({"id": {"type": "string"}, "affilation": {"type": "string", "description": "The account's short name (ACCOUNT_SLUG), as Launch27 gives its subdomain."}, "revenue": {"type": "number"}}),
        "ga_item": obj({"id": {"type": "string"}, "name": {"const": "Booking"}, "price": {"type": "number"}, "quantity": {"const": 1}}),
        "series": {"type": "object"},
    }, required=["id", "ga_transaction", "ga_item"]),
    "CatalogObject": obj({"id": ID, "name": {"type": "string"}, "active": {"type": "boolean"}}),
    "Customer": obj({
        "id": ID, **{k: {"type": "string"} for k in ("first_name", "last_name", "email", "phone", "address", "city", "state", "zip")},
        "phone": {"type": "string", "description": "a mobile number in E.164 (`+12015550123`), or empty"},
        "email": NULLABLE_EMAIL,
        "sms_notifications": {"type": "boolean", "description": "the customer wants text messages (a booking's own flag must be on too)"},
        "active": {"type": "boolean"}, "has_account": {"type": "boolean"}, "created_at": STAMP,
    }),
}
# Request bodies typed as request models: their schemas are the models' own
# (app/domain/requests/), so the document and the server's checks are one declaration.
SCHEMAS.update(json_schemas(CustomerCreate, CustomerUpdate, StaffBookingInput, StaffBookingCreate, BookingUpdate))


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


SYNC_PARAMETERS = [
    query("updated_since", STAMP, "Only bookings changed at or after this instant (ISO 8601 with an offset or Z; "
                                  "URL-encode a '+'). Every change raises updated_at, in the order changes commit."),
    query("after_id", {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "Only with updated_since: of the bookings changed exactly at updated_since, "
                                                          "only those with a higher id. Pass the updated_at and id of the last booking seen."),
    query("sort", {"enum": ["start", "-start", "total", "-total", "status", "updated_at", "-updated_at"]},
          "Order; default -start. updated_at orders by (updated_at, id), oldest change first."),
]


# Credentials, or none at all while PUBLIC_API_READS is on (the empty requirement).
PUBLIC_READ: list[dict[str, list[str]]] = [{"apiKey": []}, {"bearer": []}, {}]


def _catalog_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for kind in ("services", "extras", "pricing_parameters", "custom_fields", "frequencies", "locations", "agents"):
        inactive = {"name": "include_inactive", "in": "query", "schema": FLAG, "description": "Also deactivated ones."}
        note = {"description": "A customer's bearer token, and a caller without credentials, get agents' id, name, active, "
                               "service_ids and location_ids only (no e-mail, phone or working hours)."} if kind == "agents" else {}
        paths[f"/{kind}"] = {"get": {"summary": f"List {kind}", **note, "security": PUBLIC_READ,
                                     "parameters": [inactive, {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                                     "responses": {"200": ok(list_envelope(ref("CatalogObject"))), **ERRORS}}}
        paths[f"/{kind}/{{id}}"] = {"get": {"summary": f"One of {kind}", **note, "security": PUBLIC_READ,
                                            "parameters": [{"$ref": "#/components/parameters/id"}, inactive],
                                            "responses": {"200": ok(envelope(ref("CatalogObject"))), **ERRORS}}}
    return paths


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}

MOVE_DAYS = [
    {"name": "date", "in": "query", "required": True, "schema": DATE, "description": "The first day (the location's local date)."},
    query("days", {"type": "integer", "minimum": 1, "maximum": 14}, "How many days from `date`; default 1."),
]

DESCRIPTION = """\
LatePoint-style staff API (`X-API-Key`) and Launch27-style customer API (`Authorization: Bearer`).
JSON in and out, UTF-8, under `/api/v1`.

- **Envelopes.** Success: `{"status": "success", "data": ...}`; lists add `"meta": {"total", "page",
  "per_page", "total_pages"}` (`page` from 1, `per_page` 1-100). Errors, everywhere:
  `{"status": "error", "error": {"code", "message", "details"}}`, `details` mapping field paths
  (`bookings[3].start_time`, `customer.email`) to messages. The Launch27 create answers its own bare object.
- **Statuses.** Validation errors (`validation_failed`), `invalid_status_transition`, `past_date`,
  `discount_code_invalid`, `too_late`, `idempotency_key_reused` are 422; malformed JSON (`invalid_json`) and
  bulk requests over 50 items (`too_many_bookings`) are 400; `slot_unavailable`, `email_taken`, `conflict`,
  `price_changed` and `discount_code_exhausted` are 409; a stale `If-Match` is 412; too many requests 429
  with `Retry-After` (the seconds to the same reset as `X-RateLimit-Reset`, and only on a 429 or 503); the
  database down 503. An id that names nothing is 404 where it names what is asked for (the path, and the service,
  agent or location of `GET /availability`), and 422 naming the field in a request body (`location_id` too). A
  method a path does not take is 405 with `Allow`.
- **Staff overrides.** A staff booking or move the agent cannot take is `409 slot_unavailable` naming
  why, agent by agent: the booking it clashes with (code, customer, time), the time off, or the working
  hours it falls outside; `details` has `reason` (`clash`, `full`, `time_off`, `outside_hours`),
  `overridable` and, for a clash, `booking_code`. When `overridable` is true, sending the same body again
  with `"override_hours": true` books or moves it outside the working hours or into the time off, and the
  booking's history names it ("Booked outside working hours (...)"). A clash is never overridden;
  the customer API never takes `override_hours`.
- **Query strings.** Every GET accepts only the parameters listed for it, each once; anything else
  (a misspelt filter, another product's name for it) is `422 validation_failed` naming it, instead of
  a silently unfiltered list.
- **Lists.** A list in a body is no longer than what it can mean: `services`, `extras`,
  `pricing_parameters`, `custom_fields` and an answer's `values` at most as many as the catalog holds
  (and answers one per question of the chosen services, each service at most once); a longer one is
  `422 validation_failed` naming the list, before any of its items is read.
- **Credentials.** Send one: an `X-API-Key` or an `Authorization: Bearer` token. A request with both
  headers (even one of them empty) is 401.
- **Retries.** `Idempotency-Key` on POST, PUT and PATCH replays the first answer for 24 hours per client;
  the same key with another body is 422, while the first is still running 409.
- **Versions.** Every booking has `version`, raised on each change and sent as `ETag`; a PUT/PATCH with
  `If-Match: "<version>"` (or `"version"` in the body) that is stale is 412 and changes nothing.
- **Incremental sync.** Every change to a booking raises its `updated_at`. Poll
  `GET /bookings?sort=updated_at&updated_since=<T>&after_id=<N>` with `T` and `N` the `updated_at` and `id` of
  the last booking you processed (start with `updated_since=1970-01-01T00:00:00Z`): bookings come oldest
  change first, ties by id, and the pair is a cursor that neither repeats nor skips a booking, even when
  bookings change while you page. A booking changed again later comes back with its higher `version`.
  `updated_at` is given when the change commits, in commit order (just past every stamp committed
  before it, never before the change was asked for), so a change that waited on another (a lock, a
  busy database) still lands after your cursor; each booking's `change` is the same order as a number.
- **Customers.** `GET /customers?email=` finds the `customer_id` an import needs; an e-mail belongs to one
  account (any case): creating or changing a customer to an address in use is `409 email_taken`.
- **Calendar feeds.** Each agent and customer can have a private iCalendar subscription URL
  (`/calendar/<secret>.ics`, outside this API: the secret is the credential), made, replaced or switched off
  on the customer's profile page and the agent's page in the back office. Each event's UID is
  `booking-<code>@<CALENDAR_UID_DOMAIN>` for the booking's whole life; SEQUENCE is the booking's `version`.
- **Public reads.** With `PUBLIC_API_READS` (on by default) `GET /availability` and the catalog lists and items
  answer without credentials too, limited per address by `PUBLIC_API_RATE_LIMIT`, with
  `Access-Control-Allow-Origin: *` so a booking widget on the business's own site can read them. The public sees
  active objects only (`include_inactive` needs credentials), no agent e-mail or phone, no staff-only questions.
  Credentials that are sent are still checked: a wrong key is 401.

## Drop-in paths for LatePoint and Launch27 clients

A client of either product switches by changing its host and key. Their paths are aliases of `/api/v1`
(`app/api/aliases.py`): the same handlers, authentication, limits and JSON errors answer under

| their prefix | product | stands for |
| --- | --- | --- |
| `/wp-json/latepoint-api/v1/…` | LatePoint | `/api/v1/…` |
| `/latest/…` | Launch27 API 2.0 | `/api/v1/…` |

| the seeds' request | served by |
| --- | --- |
| `PUT /wp-json/latepoint-api/v1/bookings/{id}` (update, seed 003) | `PUT /bookings/{id}` |
| `GET /wp-json/latepoint-api/v1/availability?service_id&agent_id&date&duration` (seed 003) | `GET /availability` |
| `POST /wp-json/latepoint-api/v1/bookings/bulk` (create multiple, seed 000) | `POST /bookings/bulk` |
| `POST /latest/login`, then `POST /latest/customer/bookings` (seed 004) | `POST /login`, `POST /customer/bookings` |
| `POST /latest/customer/bookings/price` (price estimation) | `POST /customer/bookings/price` |

What a migrating client still changes: the host; the key (`X-API-Key` from the back office's API keys page,
`bk_…`; a customer's bearer from `POST /login` with `{"email", "password"}`, answered as `{"token",
"expires_at"}`); the ids of services, agents, locations, frequencies and customers, which are the portal's own
(`GET /services`, `/agents`, `/customers?email=`); fields the portal does not know are refused (422) instead of
ignored; `affilation` is `ACCOUNT_SLUG`. The seed 003 JavaScript reads a `duration` variable it never defines:
define it (or drop the parameter: the service's own length is the default).
"""

IF_MATCH = {"name": "If-Match", "in": "header", "description": "The version the change is based on, e.g. \"3\".",
            "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,10}"?$'}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
STAFF = [{"apiKey": []}]
CUSTOMER = [{"bearer": []}]

def _payment_policy_paths() -> dict[str, Any]:
    """The business-wide payment policy and each service's own (admin scope); the rules
    are app/domain/payments.py save_policy's."""
    amount = {"type": ["string", "number"], "description": "0 or more, at most two decimals; a percent is at most 100"}
    kinds = {"enum": ["percent", "fixed"]}
    fields = {
        "mode": {"enum": ["in_person", "full", "deposit", "card_on_file"]},
        "deposit_type": kinds, "deposit_value": amount,
        "late_cancel_fee_type": kinds, "late_cancel_fee_value": amount,
        "no_show_fee_type": kinds, "no_show_fee_value": amount,
    }
    shown = obj({
        "service_id": NULLABLE_ID,
        "overridden": {"type": "boolean", "description": "the service has its own policy (false: it follows the default)"},
        **{k: (MONEY if k.endswith("_value") else v) for k, v in fields.items()},
    })
    body = _body(obj(fields, [], additionalProperties=False, description="Fields left out take their defaults: in_person, "
                                                                           "deposit percent, fees fixed, amounts 0."))
    answer = {"200": ok(envelope(shown)), **ERRORS}
    service = [{"$ref": "#/components/parameters/id"}]
    return {
        "/payment-policy": {
            "get": {"summary": "The business-wide payment policy (admin scope)", "security": STAFF, "responses": answer},
            "put": {"summary": "Set the business-wide payment policy (admin scope)", "security": STAFF,
                    "parameters": [IDEMPOTENCY], "requestBody": body, "responses": answer},
        },
        "/services/{id}/payment-policy": {
            "parameters": service,
            "get": {"summary": "A service's payment policy: its own, or the default it follows (admin scope)", "security": STAFF,
                    "responses": answer},
            "put": {"summary": "Give a service its own payment policy (admin scope)", "security": STAFF,
                    "parameters": [IDEMPOTENCY], "requestBody": body, "responses": answer},
            "delete": {"summary": "The service follows the business-wide default again (admin scope)", "security": STAFF,
                       "responses": answer},
        },
    }


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Booking portal API", "version": "1.0.0", "description": DESCRIPTION},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                            "bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
        "responses": {"Error": ok(ref("Error"), "The error envelope")},
        "parameters": {
            "id": {"name": "id", "in": "path", "required": True, "schema": ID},
            "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
            "per_page": {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
        },
    },
    "paths": {
        "/availability": {"get": {
            "summary": "Free start times", "security": PUBLIC_READ,
            "parameters": [
                {"name": "service_id", "in": "query", "required": True, "schema": ID},
                {"name": "date", "in": "query", "required": True, "schema": DATE},
                {"name": "agent_id", "in": "query", "schema": {"anyOf": [ID, {"enum": ["any", "-1"]}]}},
                {"name": "duration", "in": "query", "schema": DURATION},
                {"name": "location_id", "in": "query", "schema": ID},
                {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 14}},
            ],
            "responses": {"200": ok(envelope(ref("Availability"))), **ERRORS}}},
        "/bookings": {
            "get": {"summary": "List bookings", "security": STAFF, "parameters": [
                {"name": "status", "in": "query", "schema": STATUS}, {"name": "agent_id", "in": "query", "schema": ID},
                {"name": "service_id", "in": "query", "schema": ID}, {"name": "customer_id", "in": "query", "schema": ID},
                {"name": "location_id", "in": "query", "schema": ID},
                {"name": "from", "in": "query", "schema": DATE}, {"name": "to", "in": "query", "schema": DATE},
                query("q", {"type": "string"}, "Part of the booking code, the customer's name, e-mail or phone (a phone "
                                               "matches by its digits, four or more, however it is written)."), *SYNC_PARAMETERS,
                {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                "responses": {"200": ok(list_envelope(ref("Booking"))), **ERRORS}},
            "post": {"summary": "Create a booking", "security": STAFF, "parameters": [IDEMPOTENCY],
                     "requestBody": _body(ref("StaffBookingCreate")),
                     "responses": {"201": ok(envelope(ref("Booking")), "Created"), **ERRORS}},
        },
        "/bookings/{id}/availability": {"get": {
            "summary": "Times this booking can move to", "security": STAFF,
            "description": "Exactly the times `PUT /bookings/{id}` with `start_date`/`start_time` (and `agent_id`) accepts: "
                           "the booking's services and duration with its own agent or `agent_id`, the booking itself not "
                           "counted, its current time left out.",
            "parameters": [{"$ref": "#/components/parameters/id"}, *MOVE_DAYS,
                           query("agent_id", ID, "Another agent who does all of the booking's services here.")],
            "responses": {"200": ok(envelope(ref("MoveAvailability"))), **ERRORS}}},
        "/bookings/bulk": {"post": {
            "summary": "Create up to 50 bookings", "security": STAFF, "parameters": [IDEMPOTENCY],
            "requestBody": _body(obj({"bookings": {"type": "array", "items": ref("StaffBookingInput"), "minItems": 1, "maxItems": MAX_ITEMS},
                                      "send_confirmation_emails": {"type": "boolean"}}, ["bookings"])),
            "responses": {"201": ok(ref("BulkResult"), "All created"), "207": ok(ref("BulkResult"), "Some created"),
                          "400": ok({"oneOf": [ref("BulkResult"), ref("Error")]}, "None created, or a malformed request"),
                          **{k: v for k, v in ERRORS.items() if k != "400"}}}},
        "/bookings/{id}": {
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "get": {"summary": "One booking", "security": STAFF, "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "put": {"summary": "Update a booking", "security": STAFF,
                    "parameters": [IDEMPOTENCY, IF_MATCH],
                    "requestBody": _body(ref("BookingUpdate")), "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "patch": {"summary": "Update a booking", "security": STAFF,
                      "parameters": [IDEMPOTENCY, IF_MATCH],
                      "requestBody": _body(ref("BookingUpdate")), "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "delete": {"summary": "Cancel a booking", "security": STAFF, "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
        },
        "/bookings/{id}/charges": {"post": {
            "summary": "Charge the saved card: the balance still due, or the no-show fee (once each; write scope)", "security": STAFF,
            "parameters": [{"$ref": "#/components/parameters/id"}, IDEMPOTENCY],
            "requestBody": _body(obj({"kind": {"enum": ["balance", "no_show_fee"]}}, ["kind"], additionalProperties=False)),
            "responses": {"201": ok(envelope(ref("Booking")), "Charged (see payment)"), **ERRORS}}},
        "/bookings/{id}/refunds": {"post": {
            "summary": "Refund card payments, in full or in part, with a reason; never more than was paid (admin scope)",
            "security": STAFF, "parameters": [{"$ref": "#/components/parameters/id"}, IDEMPOTENCY],
            "requestBody": _body(obj({"amount": {"type": ["string", "number"], "description": "left out: all that is refundable"},
                                      "reason": {"type": "string", "minLength": 1, "maxLength": 255}}, ["reason"], additionalProperties=False)),
            "responses": {"201": ok(envelope(ref("Booking")), "Refunded (see payment)"), **ERRORS}}},
        "/login": {"post": {"summary": "Customer log-in", "security": [],
                            "requestBody": _body(obj({"email": {"type": "string"}, "password": {"type": "string"}}, additionalProperties=False)),
                            "responses": {"200": ok(obj({"token": {"type": "string"}, "expires_at": STAMP})), **ERRORS}}},
        "/logout": {"post": {"summary": "Revoke the bearer token", "security": CUSTOMER,
                             "responses": {"200": ok(envelope(obj({"logged_out": {"const": True}}))), **ERRORS}}},
        "/customer/bookings": {
            "get": {"summary": "My bookings", "security": CUSTOMER,
                    "parameters": [{"name": "status", "in": "query", "schema": STATUS}, {"name": "from", "in": "query", "schema": DATE},
                                   {"name": "to", "in": "query", "schema": DATE}, *SYNC_PARAMETERS,
                                   {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                    "responses": {"200": ok(list_envelope(ref("Booking"))), **ERRORS}},
            "post": {"summary": "Book as the logged-in customer", "security": CUSTOMER, "parameters": [IDEMPOTENCY],
                     "requestBody": _body(ref("CustomerBookingRequest")),
                     "responses": {"201": ok(ref("CustomerBookingCreated"), "Created"), **ERRORS}},
        },
        "/customer/bookings/price": {"post": {
            "summary": "Price estimate", "security": CUSTOMER, "requestBody": _body(ref("PriceEstimateRequest")),
            "responses": {"200": ok(envelope(obj({**{k: MONEY for k in ("subtotal", "frequency_discount", "discount", "gift_card", "tip", "total")},
                                                  "duration": {"type": "integer"}}))), **ERRORS}}},
        "/customer/bookings/{id}": {
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "get": {"summary": "One of my bookings", "security": CUSTOMER, "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "put": {"summary": "Reschedule", "security": CUSTOMER, "parameters": [IDEMPOTENCY],
                    "requestBody": _body(_launch27(RESCHEDULE_SCHEMA)),
                    "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
        },
        "/customer/bookings/{id}/availability": {"get": {
            "summary": "Times this booking can move to", "security": CUSTOMER,
            "description": "Exactly the times the reschedule (`PUT /customer/bookings/{id}`) accepts: the booking's own agent, "
                           "services and duration, the booking itself not counted, its current time left out. Refused like the "
                           "reschedule itself when the booking can no longer be changed online (`too_late`).",
            "parameters": [{"$ref": "#/components/parameters/id"}, *MOVE_DAYS],
            "responses": {"200": ok(envelope(ref("MoveAvailability"))), **ERRORS}}},
        "/customer/bookings/{id}/cancel": {"post": {
            "summary": "Cancel (one occurrence or the rest of a series)", "security": CUSTOMER,
            "parameters": [{"$ref": "#/components/parameters/id"}, IDEMPOTENCY],
            "requestBody": _body(_launch27(CANCEL_SCHEMA)),
            "responses": {"200": ok(envelope(obj({"cancelled": {"type": "array", "items": ID}}))), **ERRORS}}},
        "/customers": {
            "get": {"summary": "Find customers", "security": STAFF, "parameters": [
                query("q", {"type": "string"}, "Part of the name, e-mail or phone, any case."),
                query("email", {"type": "string", "minLength": 1, "maxLength": MAX_EMAIL}, "The whole e-mail address, any case."),
                query("include_inactive", FLAG, "Also deactivated customers."),
                {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                "responses": {"200": ok(list_envelope(ref("Customer"))), **ERRORS}},
            "post": {"summary": "Create a customer", "security": STAFF, "parameters": [IDEMPOTENCY],
                     "requestBody": _body(ref("CustomerCreate")),
                     "responses": {"201": ok(envelope(ref("Customer")), "Created"), **ERRORS}},
        },
        "/customers/{id}": {
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "get": {"summary": "One customer", "security": STAFF, "responses": {"200": ok(envelope(ref("Customer"))), **ERRORS}},
            "patch": {"summary": "Change a customer", "security": STAFF, "parameters": [IDEMPOTENCY],
                      "requestBody": _body(ref("CustomerUpdate")), "responses": {"200": ok(envelope(ref("Customer"))), **ERRORS}},
            "put": {"summary": "Change a customer (same as PATCH)", "security": STAFF, "parameters": [IDEMPOTENCY],
                    "requestBody": _body(ref("CustomerUpdate")), "responses": {"200": ok(envelope(ref("Customer"))), **ERRORS}},
        },
        **_catalog_paths(),
        **_payment_policy_paths(),
    },
}

_webhook_schemas, _webhook_paths = webhook_api.openapi_parts(
    ok=ok, envelope=envelope, list_envelope=list_envelope, errors=ERRORS, body=_body, idempotency=IDEMPOTENCY
)
SCHEMAS.update(_webhook_schemas)
DOCUMENT["paths"].update(_webhook_paths)


def _plain_text(schema: Any) -> None:
    """Give every free-text string in `schema` (one without a pattern, format, enum or
    const of its own) TEXT_PATTERN: the server refuses control characters in any text a
    request carries (app/api/parsing.py, app/edge.py)."""
    if isinstance(schema, list):
        for item in schema:
            _plain_text(item)
        return
    if not isinstance(schema, dict):
        return
    types = schema.get("type")
    is_text = types == "string" or (isinstance(types, list) and "string" in types)
    if is_text and not {"pattern", "format", "enum", "const"} & set(schema):
        schema["pattern"] = TEXT_PATTERN
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "$defs"):
            for child in value.values():
                _plain_text(child)
        elif key in ("items", "additionalProperties", "not", "oneOf", "anyOf", "allOf"):
            _plain_text(value)


def _request_schemas(document: dict[str, Any]) -> list[Any]:
    """The schemas of what clients send: bodies (and the components they name) and
    query and header parameters."""
    found: list[Any] = []
    names: set[str] = set()

    def refs(node: Any) -> None:
        if isinstance(node, dict):
            target = node.get("$ref", "")
            if target.startswith("#/components/schemas/") and target.rsplit("/", 1)[1] not in names:
                names.add(target.rsplit("/", 1)[1])
                refs(document["components"]["schemas"][target.rsplit("/", 1)[1]])
            for value in node.values():
                refs(value)
        elif isinstance(node, list):
            for value in node:
                refs(value)

    for item in document["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                found.append(body)
                refs(body)
            found += [p["schema"] for p in operation.get("parameters", []) if isinstance(p, dict) and "schema" in p]
    found += [document["components"]["schemas"][name] for name in sorted(names)]
    found += [p["schema"] for p in document["components"]["parameters"].values()]
    return found


for _schema in _request_schemas(DOCUMENT):
    _plain_text(_schema)


@functools.cache
def query_parameter_names(method: str, rule: str) -> tuple[str, ...]:
    """The query parameters the document lists for the operation a route serves (`rule`
    as Flask writes it, e.g. /api/v1/bookings/<ref:booking_id>). Raises LookupError for
    an operation the document leaves out."""
    shape = re.sub(r"<[^>]+>", "{}", rule.removeprefix(bp.url_prefix or ""))
    for path, item in DOCUMENT["paths"].items():
        if re.sub(r"\{[^}]+\}", "{}", path) == shape and method.lower() in item:
            declared = [*item.get("parameters", []), *item[method.lower()].get("parameters", [])]
            resolved = [DOCUMENT["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in declared]
            return tuple(p["name"] for p in resolved if p["in"] == "query")
    raise LookupError(f"{method} {rule} is not in the OpenAPI document")


@bp.get("/openapi.json")
def openapi_document() -> object:
    return respond(DOCUMENT)
