"""GET /openapi.json: the OpenAPI 3.1 description of this API, kept true by tests that
validate real responses against it (tests/api/test_openapi.py)."""
from __future__ import annotations

import copy
from typing import Any

from . import bp
from . import webhooks as webhook_api
from .launch27 import ESTIMATE_SCHEMA, SCHEMA
from .responses import respond

MONEY = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}
DATE = {"type": "string", "format": "date"}
HHMM = {"type": "string", "pattern": r"^\d{2}:\d{2}$"}
STAMP = {"type": "string", "format": "date-time"}
ID = {"type": "integer", "minimum": 1}
NULLABLE_ID = {"type": ["integer", "null"]}
STATUS = {"type": "string", "enum": ["pending", "approved", "cancelled", "completed", "no_show"]}


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
        "customer": obj({k: {"type": "string"} for k in ("first_name", "last_name", "email", "phone")}),
        "start_date": DATE, "start_time": HHMM, "end_time": HHMM, "start_at": STAMP, "end_at": STAMP,
        "duration": {"type": "integer"}, "arrival_window": {"type": "integer"}, "price": ref("Price"), "price_overridden": {"type": "boolean"},
        "payment_method": {"enum": ["cash", "check", "stripe", "paypal"]}, "frequency_id": NULLABLE_ID, "series_id": NULLABLE_ID,
        "notes": {"type": "string"}, "address": {"type": "object"}, "custom_fields": {"type": "array", "items": {"type": "object"}},
        "original_booking_id": NULLABLE_ID, "created_at": STAMP, "updated_at": STAMP, "staff_notes": {"type": "string"},
        "change": {"type": "integer", "description": "raised at each change in the order changes commit (a later commit has a higher number)"},
        # Only in the answer to a create: true when the new customer's e-mail belonged to
        # an existing customer, who was booked for (the submitted names were not applied).
        "customer_matched": {"type": "boolean"},
    }, required=["id", "booking_code", "status", "version", "service_id", "service_name", "services", "agent_id", "agent_name",
                 "location_id", "customer_id", "customer", "start_date", "start_time", "end_time", "start_at", "end_at",
                 "duration", "arrival_window", "price", "price_overridden", "payment_method", "notes", "original_booking_id", "created_at", "updated_at", "change"]),
    "StaffBookingInput": obj({
        "service_id": ID, "agent_id": {"oneOf": [ID, {"enum": ["any", -1, "-1"]}]}, "start_date": DATE, "start_time": HHMM,
        "start_at": STAMP, "customer_id": ID,
        "customer": obj({k: {"type": "string"} for k in ("first_name", "last_name", "email", "phone")}, ["first_name", "last_name", "email"]),
        "location_id": ID, "duration": {"type": "integer", "minimum": 5, "maximum": 1440},
        "status": {"enum": ["pending", "approved"]}, "notes": {"type": "string"}, "staff_notes": {"type": "string"},
        "payment_method": {"enum": ["cash", "check"]},
    }, required=["service_id", "agent_id"], additionalProperties=False),
    "BookingUpdate": {"type": "object", "additionalProperties": False, "properties": {
        "service_id": ID, "agent_id": {"oneOf": [ID, {"enum": ["any", -1, "-1"]}]}, "location_id": ID, "start_date": DATE,
        "start_time": HHMM, "start_at": STAMP, "duration": {"type": "integer"}, "status": STATUS, "customer_id": ID,
        "customer": {"type": "object"}, "customer.first_name": {"type": "string"}, "customer.last_name": {"type": "string"},
        "customer.email": {"type": "string"}, "customer.phone": {"type": "string"},
        "price": {"type": ["string", "number", "null"], "description": "A custom total (price_overridden); null goes back to the catalog price."},
        "notes": {"type": "string"}, "staff_notes": {"type": "string"}, "send_notification": {"type": "boolean"},
        "version": {"type": "integer"}, "reason": {"type": "string"},
    }},
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
    "CustomerBookingRequest": _launch27(SCHEMA),
    "PriceEstimateRequest": _launch27(ESTIMATE_SCHEMA),
    "CustomerBookingCreated": obj({
        "id": ID,
        "ga_transaction": obj({"id": {"type": "string"}, "affilation": {"type": "string"}, "revenue": {"type": "number"}}),
        "ga_item": obj({"id": {"type": "string"}, "name": {"const": "Booking"}, "price": {"type": "number"}, "quantity": {"const": 1}}),
        "series": {"type": "object"},
    }, required=["id", "ga_transaction", "ga_item"]),
    "CatalogObject": obj({"id": ID, "name": {"type": "string"}, "active": {"type": "boolean"}}),
    "Customer": obj({
        "id": ID, **{k: {"type": "string"} for k in ("first_name", "last_name", "email", "phone", "address", "city", "state", "zip")},
        "sms_notifications": {"type": "boolean"}, "active": {"type": "boolean"}, "has_account": {"type": "boolean"}, "created_at": STAMP,
    }),
    "CustomerInput": {"type": "object", "additionalProperties": False, "properties": {
        "first_name": {"type": "string", "maxLength": 100}, "last_name": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "maxLength": 255}, "phone": {"type": "string", "maxLength": 40},
        "address": {"type": "string", "maxLength": 255}, "city": {"type": "string", "maxLength": 100},
        "state": {"type": "string", "maxLength": 40}, "zip": {"type": "string", "maxLength": 20},
        "sms_notifications": {"type": "boolean"},
    }},
}
SCHEMAS["StaffBookingCreate"] = SCHEMAS["StaffBookingInput"] | {
    "properties": SCHEMAS["StaffBookingInput"]["properties"] | {"send_confirmation_email": {"type": "boolean"}}}
SCHEMAS["CustomerCreate"] = SCHEMAS["CustomerInput"] | {"required": ["first_name", "email"]}
SCHEMAS["CustomerUpdate"] = SCHEMAS["CustomerInput"] | {"properties": SCHEMAS["CustomerInput"]["properties"] | {"active": {"type": "boolean"}}}


def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


SYNC_PARAMETERS = [
    query("updated_since", STAMP, "Only bookings changed at or after this instant (ISO 8601 with an offset or Z; "
                                  "URL-encode a '+'). Every change raises updated_at, in the order changes commit."),
    query("after_id", {"type": "integer", "minimum": 0}, "With updated_since: of the bookings changed exactly at updated_since, "
                                                          "only those with a higher id. Pass the updated_at and id of the last booking seen."),
    query("sort", {"enum": ["start", "-start", "total", "-total", "status", "updated_at", "-updated_at"]},
          "Order; default -start. updated_at orders by (updated_at, id), oldest change first."),
]


def _catalog_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for kind in ("services", "extras", "pricing_parameters", "custom_fields", "frequencies", "locations", "agents"):
        inactive = {"name": "include_inactive", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}
        note = {"description": "A customer's bearer token gets agents' id, name, active, service_ids and location_ids "
                               "only (no e-mail, phone or working hours)."} if kind == "agents" else {}
        paths[f"/{kind}"] = {"get": {"summary": f"List {kind}", **note, "security": [{"apiKey": []}, {"bearer": []}],
                                     "parameters": [inactive, {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                                     "responses": {"200": ok(list_envelope(ref("CatalogObject"))), **ERRORS}}}
        paths[f"/{kind}/{{id}}"] = {"get": {"summary": f"One of {kind}", **note, "security": [{"apiKey": []}, {"bearer": []}],
                                            "parameters": [{"$ref": "#/components/parameters/id"}, inactive],
                                            "responses": {"200": ok(envelope(ref("CatalogObject"))), **ERRORS}}}
    return paths


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


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
  with `Retry-After`; the database down 503.
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
  on the customer's profile page and the agent's page in the back office.
"""

IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
STAFF = [{"apiKey": []}]
CUSTOMER = [{"bearer": []}]

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
            "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
            "page": {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            "per_page": {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
        },
    },
    "paths": {
        "/availability": {"get": {
            "summary": "Free start times", "security": [{"apiKey": []}, {"bearer": []}],
            "parameters": [
                {"name": "service_id", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 1}},
                {"name": "date", "in": "query", "required": True, "schema": DATE},
                {"name": "agent_id", "in": "query", "schema": {"type": "string"}},
                {"name": "duration", "in": "query", "schema": {"type": "integer", "minimum": 5, "maximum": 1440}},
                {"name": "location_id", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 14}},
            ],
            "responses": {"200": ok(envelope(ref("Availability"))), **ERRORS}}},
        "/bookings": {
            "get": {"summary": "List bookings", "security": STAFF, "parameters": [
                {"name": "status", "in": "query", "schema": STATUS}, {"name": "agent_id", "in": "query", "schema": ID},
                {"name": "service_id", "in": "query", "schema": ID}, {"name": "customer_id", "in": "query", "schema": ID},
                {"name": "from", "in": "query", "schema": DATE}, {"name": "to", "in": "query", "schema": DATE},
                query("q", {"type": "string"}, "Part of the booking code, the customer's name or e-mail."), *SYNC_PARAMETERS,
                {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                "responses": {"200": ok(list_envelope(ref("Booking"))), **ERRORS}},
            "post": {"summary": "Create a booking", "security": STAFF, "parameters": [IDEMPOTENCY],
                     "requestBody": _body(ref("StaffBookingCreate")),
                     "responses": {"201": ok(envelope(ref("Booking")), "Created"), **ERRORS}},
        },
        "/bookings/bulk": {"post": {
            "summary": "Create up to 50 bookings", "security": STAFF, "parameters": [IDEMPOTENCY],
            "requestBody": _body(obj({"bookings": {"type": "array", "items": ref("StaffBookingInput")},
                                      "send_confirmation_emails": {"type": "boolean"}}, ["bookings"])),
            "responses": {"201": ok(ref("BulkResult"), "All created"), "207": ok(ref("BulkResult"), "Some created"),
                          "400": ok({"oneOf": [ref("BulkResult"), ref("Error")]}, "None created, or a malformed request"),
                          **{k: v for k, v in ERRORS.items() if k != "400"}}}},
        "/bookings/{id}": {
            "parameters": [{"$ref": "#/components/parameters/id"}],
            "get": {"summary": "One booking", "security": STAFF, "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "put": {"summary": "Update a booking", "security": STAFF,
                    "parameters": [IDEMPOTENCY, {"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                    "requestBody": _body(ref("BookingUpdate")), "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "patch": {"summary": "Update a booking", "security": STAFF,
                      "parameters": [IDEMPOTENCY, {"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                      "requestBody": _body(ref("BookingUpdate")), "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
            "delete": {"summary": "Cancel a booking", "security": STAFF, "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
        },
        "/login": {"post": {"summary": "Customer log-in", "security": [],
                            "requestBody": _body(obj({"email": {"type": "string"}, "password": {"type": "string"}})),
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
                    "requestBody": _body(obj({"service_date": {"type": "string"}}, additionalProperties=False)),
                    "responses": {"200": ok(envelope(ref("Booking"))), **ERRORS}},
        },
        "/customer/bookings/{id}/cancel": {"post": {
            "summary": "Cancel (one occurrence or the rest of a series)", "security": CUSTOMER,
            "parameters": [{"$ref": "#/components/parameters/id"}, IDEMPOTENCY],
            "requestBody": _body(obj({"reason": {"type": ["string", "null"]}, "scope": {"enum": ["this", "this_and_future"]}}, [], additionalProperties=False)),
            "responses": {"200": ok(envelope(obj({"cancelled": {"type": "array", "items": ID}}))), **ERRORS}}},
        "/customers": {
            "get": {"summary": "Find customers", "security": STAFF, "parameters": [
                query("q", {"type": "string"}, "Part of the name, e-mail or phone, any case."),
                query("email", {"type": "string"}, "The whole e-mail address, any case."),
                query("include_inactive", {"type": "string", "enum": ["0", "1"]}, "Also deactivated customers."),
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
    },
}

_webhook_schemas, _webhook_paths = webhook_api.openapi_parts(
    ok=ok, envelope=envelope, list_envelope=list_envelope, errors=ERRORS, body=_body, idempotency=IDEMPOTENCY
)
SCHEMAS.update(_webhook_schemas)
DOCUMENT["paths"].update(_webhook_paths)


@bp.get("/openapi.json")
def openapi_document() -> object:
    return respond(DOCUMENT)
