"""Webhook endpoints and their delivery logs (X-API-Key with the admin scope)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from ..db import get_session
from ..domain import webhooks
from ..domain.errors import ValidationFailed
from ..domain.models import DeliveryStatus
from ..domain.requests import json_schemas
from ..domain.requests.webhooks import WebhookEndpointInput, WebhookEndpointUpdate
from . import bp, serializers
from .auth import admin, client, now
from .idempotent import idempotent, idempotent_storing_no
from .parsing import json_object
from .query import query_args
from .responses import respond, success, success_page


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


@bp.get("/webhooks")
@admin()
def list_webhooks() -> Any:
    query_args()
    return success([webhooks.serialise_endpoint(e) for e in webhooks.list_endpoints(get_session())])


@bp.post("/webhooks")
@admin()
@idempotent_storing_no("secret")  # shown once: a replay gives the endpoint without it
def create_webhook() -> Any:
    request = WebhookEndpointInput.parse(json_object(), context={"allow_private": _allow_private()})
    endpoint, secret = webhooks.create_endpoint(get_session(), request, actor=client().actor, now=now())
    return success(webhooks.serialise_endpoint(endpoint, secret=secret), 201)


@bp.get("/webhooks/<endpoint_id>")
@admin()
def get_webhook(endpoint_id: str) -> Any:
    query_args()
    return success(webhooks.serialise_endpoint(webhooks.get_endpoint(get_session(), endpoint_id)))


@bp.patch("/webhooks/<endpoint_id>")
@admin()
@idempotent
def update_webhook(endpoint_id: str) -> Any:
    session = get_session()
    try:
        request = WebhookEndpointUpdate.parse(json_object(), context={"allow_private": _allow_private()})
    except ValidationFailed:
        webhooks.get_endpoint(session, endpoint_id)  # an endpoint that does not exist is answered first (404)
        raise
    endpoint = webhooks.update_endpoint(session, endpoint_id, request, actor=client().actor, now=now())
    return success(webhooks.serialise_endpoint(endpoint))


@bp.delete("/webhooks/<endpoint_id>")
@admin()
def delete_webhook(endpoint_id: str) -> Any:
    webhooks.delete_endpoint(get_session(), endpoint_id, actor=client().actor, now=now())
    return respond({"status": "success", "data": None})


@bp.get("/webhooks/<endpoint_id>/deliveries")
@admin()
def list_webhook_deliveries(endpoint_id: str) -> Any:
    args = query_args()
    page = webhooks.list_deliveries(get_session(), endpoint_id, page=args.get("page"), per_page=args.get("per_page"))
    return success_page(page, [webhooks.serialise_delivery(d) for d in page.items])


@bp.post("/webhooks/<endpoint_id>/deliveries/<delivery_id>/resend")
@admin()
def resend_webhook_delivery(endpoint_id: str, delivery_id: str) -> Any:
    delivery = webhooks.resend(get_session(), endpoint_id, delivery_id, actor=client().actor, now=now())
    return success(webhooks.serialise_delivery(delivery))


def configure() -> None:
    """Webhook payloads are the API's own JSON shapes."""
    webhooks.configure_payloads(booking=serializers.booking, customer=serializers.customer)


def openapi_parts(*, ok: Callable[..., dict[str, Any]], envelope: Callable[[Any], dict[str, Any]],
                  list_envelope: Callable[[Any], dict[str, Any]], errors: dict[str, Any], body: Callable[[Any], dict[str, Any]],
                  idempotency: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schemas and paths these operations add to the OpenAPI document."""
    stamp = {"type": "string", "format": "date-time"}
    events = {"type": "array", "items": {"enum": list(webhooks.EVENTS)}, "minItems": 1, "uniqueItems": True}
    endpoint_props = {
        "id": {"type": "integer", "minimum": 1}, "url": {"type": "string", "format": "uri"}, "events": events,
        "description": {"type": "string"}, "active": {"type": "boolean"}, "created_at": stamp, "updated_at": stamp,
    }
    # The request bodies are the request models' own schemas (app/domain/requests/webhooks.py).
    schemas = json_schemas(WebhookEndpointInput, WebhookEndpointUpdate) | {
        "WebhookEndpoint": {"type": "object", "properties": endpoint_props, "required": list(endpoint_props)},
        "WebhookEndpointCreated": {"type": "object", "properties": {**endpoint_props, "secret": {
            "type": "string", "pattern": "^whsec_",
            "description": "the signing secret, shown once: a replay of the request (same Idempotency-Key) leaves it out"}},
                                   "required": list(endpoint_props)},
        "WebhookDelivery": {"type": "object", "required": ["id", "event_id", "type", "status", "attempts", "last_response_code",
                                                           "next_attempt_at", "created_at"], "properties": {
            "id": {"type": "integer"}, "event_id": {"type": "string", "description": "the webhook-id header, the same on every attempt"},
            "type": {"enum": [*webhooks.EVENTS, webhooks.TEST_EVENT]}, "status": {"enum": [s.value for s in DeliveryStatus]},
            "attempts": {"type": "integer"}, "last_response_code": {"type": ["integer", "null"]},
            "last_error": {"type": ["string", "null"]}, "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
            "last_attempt_at": {"type": ["string", "null"], "format": "date-time"}, "created_at": stamp,
            "delivered_at": {"type": ["string", "null"], "format": "date-time"}}},
    }

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    admin = [{"apiKey": []}]
    note = " (an API key with the admin scope)"
    endpoint_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    paths = {
        "/webhooks": {
            "get": {"summary": "List webhook endpoints" + note, "security": admin,
                    "responses": {"200": ok({"type": "object", "required": ["status", "data"], "properties": {
                        "status": {"const": "success"}, "data": {"type": "array", "items": ref("WebhookEndpoint")}}}), **errors}},
            "post": {"summary": "Add a webhook endpoint; the answer carries its signing secret, shown only here" + note,
                     "security": admin, "parameters": [idempotency], "requestBody": body(ref("WebhookEndpointInput")),
                     "responses": {"201": ok(envelope(ref("WebhookEndpointCreated")), "Created"), **errors}},
        },
        "/webhooks/{id}": {
            "parameters": [endpoint_id],
            "get": {"summary": "One webhook endpoint" + note, "security": admin,
                    "responses": {"200": ok(envelope(ref("WebhookEndpoint"))), **errors}},
            "patch": {"summary": "Change a webhook endpoint" + note, "security": admin, "parameters": [idempotency],
                      "requestBody": body(ref("WebhookEndpointUpdate")),
                      "responses": {"200": ok(envelope(ref("WebhookEndpoint"))), **errors}},
            "delete": {"summary": "Remove a webhook endpoint and its delivery log" + note, "security": admin,
                       "responses": {"200": ok(envelope({"type": "null"})), **errors}},
        },
        "/webhooks/{id}/deliveries": {"get": {
            "summary": "An endpoint's deliveries, newest first" + note, "security": admin,
            "parameters": [endpoint_id, {"$ref": "#/components/parameters/page"}, {"$ref": "#/components/parameters/per_page"}],
            "responses": {"200": ok(list_envelope(ref("WebhookDelivery"))), **errors}}},
        "/webhooks/{id}/deliveries/{delivery_id}/resend": {"post": {
            "summary": "Send a delivery again (same webhook-id)" + note, "security": admin,
            "parameters": [endpoint_id, {"name": "delivery_id", "in": "path", "required": True,
                                         "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": ok(envelope(ref("WebhookDelivery"))), **errors}}},
    }
    return schemas, paths
