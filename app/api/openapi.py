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
    "Price": obj({k: MONEY for k in ("subtotal", "frequency_discount", "discount", "gift_card", "tip", "total")}),
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
        "duration": {"type": "integer"}, "arrival_window": {"type": "integer"}, "price": ref("Price"),
        "payment_method": {"enum": ["cash", "check", "stripe", "paypal"]}, "frequency_id": NULLABLE_ID, "series_id": NULLABLE_ID,
        "notes": {"type": "string"}, "address": {"type": "object"}, "custom_fields": {"type": "array", "items": {"type": "object"}},
        "original_booking_id": NULLABLE_ID, "created_at": STAMP, "updated_at": STAMP, "staff_notes": {"type": "string"},
    }, required=["id", "booking_code", "status", "version", "service_id", "service_name", "services", "agent_id", "agent_name",
                 "location_id", "customer_id", "customer", "start_date", "start_time", "end_time", "start_at", "end_at",
                 "duration", "arrival_window", "price", "payment_method", "notes", "original_booking_id", "created_at", "updated_at"]),
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
        "customer.email": {"type": "string"}, "customer.phone": {"type": "string"}, "price": {"type": ["string", "number"]},
        "notes": {"type": "string"}, "staff_notes": {"type": "string"}, "send_notification": {"type": "boolean"},
        "version": {"type": "integer"}, "reason": {"type": "string"},
    }},
    "BulkResult": obj({
        "status": {"enum": ["success", "partial", "error"]},
        "data": obj({
            "created": {"type": "array", "items": obj({"index": {"type": "integer"}, "booking": ref("Booking")})},
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
}


def _catalog_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for kind in ("services", "extras", "pricing_parameters", "custom_fields", "frequencies", "locations", "agents"):
        inactive = {"name": "include_inactive", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}
        paths[f"/{kind}"] = {"get": {"summary": f"List {kind}", "security": [{"apiKey": []}, {"bearer": []}],
                                     "parameters": [inactive, {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                                     "responses": {"200": ok(list_envelope(ref("CatalogObject"))), **ERRORS}}}
        paths[f"/{kind}/{{id}}"] = {"get": {"summary": f"One of {kind}", "security": [{"apiKey": []}, {"bearer": []}],
                                            "parameters": [{"$ref": "#/components/parameters/id"}, inactive],
                                            "responses": {"200": ok(envelope(ref("CatalogObject"))), **ERRORS}}}
    return paths


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
STAFF = [{"apiKey": []}]
CUSTOMER = [{"bearer": []}]

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Booking portal API", "version": "1.0.0",
             "description": "LatePoint-style staff API (X-API-Key) and Launch27-style customer API (Bearer token). "
                            "Validation errors are 422 on every endpoint; malformed JSON and bulk requests over 50 items are 400."},
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
                {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
                "responses": {"200": ok(list_envelope(ref("Booking"))), **ERRORS}},
            "post": {"summary": "Create a booking", "security": STAFF, "parameters": [IDEMPOTENCY],
                     "requestBody": _body(ref("StaffBookingInput")),
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
                    "parameters": [{"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
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
