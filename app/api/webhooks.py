"""Webhook endpoints and their delivery logs (X-API-Key with the admin scope)."""
from __future__ import annotations

from typing import Any

from flask import current_app, request

from ..db import get_session
from ..domain import webhooks
from ..domain.errors import FieldErrors
from ..domain.models import User
from . import bp, serializers
from .auth import admin, client, now
from .idempotent import idempotent
from .parsing import json_object, unknown_fields
from .responses import respond, success, success_page


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


@bp.get("/webhooks")
@admin()
def list_webhooks() -> Any:
    return success([webhooks.serialise_endpoint(e) for e in webhooks.list_endpoints(get_session())])


@bp.post("/webhooks")
@admin()
@idempotent
def create_webhook() -> Any:
    endpoint, secret = webhooks.create_endpoint(
        get_session(), json_object(), actor=client().actor, now=now(), allow_private=_allow_private()
    )
    return success(webhooks.serialise_endpoint(endpoint, secret=secret), 201)


@bp.get("/webhooks/<endpoint_id>")
@admin()
def get_webhook(endpoint_id: str) -> Any:
    return success(webhooks.serialise_endpoint(webhooks.get_endpoint(get_session(), endpoint_id)))


@bp.patch("/webhooks/<endpoint_id>")
@admin()
@idempotent
def update_webhook(endpoint_id: str) -> Any:
    endpoint = webhooks.update_endpoint(
        get_session(), endpoint_id, json_object(), actor=client().actor, now=now(), allow_private=_allow_private()
    )
    return success(webhooks.serialise_endpoint(endpoint))


@bp.delete("/webhooks/<endpoint_id>")
@admin()
def delete_webhook(endpoint_id: str) -> Any:
    webhooks.delete_endpoint(get_session(), endpoint_id, actor=client().actor, now=now())
    return respond({"status": "success", "data": None})


@bp.get("/webhooks/<endpoint_id>/deliveries")
@admin()
def list_webhook_deliveries(endpoint_id: str) -> Any:
    args = request.args.to_dict()
    errors = FieldErrors()
    unknown_fields(args, {"page", "per_page"}, errors)
    errors.raise_if_any("Unknown query parameters.")
    page = webhooks.list_deliveries(get_session(), endpoint_id, page=args.get("page"), per_page=args.get("per_page"))
    return success_page(page, [webhooks.serialise_delivery(d) for d in page.items])


@bp.post("/webhooks/<endpoint_id>/deliveries/<delivery_id>/resend")
@admin()
def resend_webhook_delivery(endpoint_id: str, delivery_id: str) -> Any:
    delivery = webhooks.resend(get_session(), endpoint_id, delivery_id, actor=client().actor, now=now())
    return success(webhooks.serialise_delivery(delivery))


def customer_object(u: User) -> dict[str, Any]:
    """A customer as the customers API returns it (the webhook's data)."""
    return {"id": u.id, "first_name": u.first_name, "last_name": u.last_name, "email": u.email, "phone": u.phone,
            "address": u.address, "city": u.city, "state": u.state, "zip": u.zip, "sms_notifications": u.sms_notifications,
            "active": u.active, "has_account": u.password_hash is not None, "created_at": u.created_at.isoformat()}


def configure() -> None:
    """Webhook payloads are the API's own JSON shapes."""
    webhooks.configure_payloads(booking=serializers.booking, customer=customer_object)
