"""Payment policies in the catalog API (X-API-Key with the admin scope): the business-wide
default (`/payment-policy`) and each service's own (`/services/{id}/payment-policy`;
DELETE makes the service follow the default again). The rules are
app/domain/payment_policies.py's."""
from __future__ import annotations

from typing import Any

from ..db import get_session
from ..domain import payment_policies
from . import bp
from .auth import admin, client, now
from .idempotent import idempotent
from .parsing import json_object
from .query import query_args
from .responses import success


@bp.get("/payment-policy")
@admin()
def get_default_payment_policy() -> Any:
    query_args()
    return success(payment_policies.default_policy(get_session()).as_dict())


@bp.put("/payment-policy")
@admin()
@idempotent
def put_default_payment_policy() -> Any:
    saved = payment_policies.set_policy(get_session(), service_id=None, values=json_object(), actor=client().actor, now=now())
    return success(saved.as_dict())


@bp.get("/services/<ref:service_id>/payment-policy")
@admin()
def get_service_payment_policy(service_id: str) -> Any:
    query_args()
    return success(payment_policies.service_policy(get_session(), service_id).as_dict())


@bp.put("/services/<ref:service_id>/payment-policy")
@admin()
@idempotent
def put_service_payment_policy(service_id: str) -> Any:
    saved = payment_policies.set_policy(get_session(), service_id=service_id, values=json_object(), actor=client().actor, now=now())
    return success(saved.as_dict())


@bp.delete("/services/<ref:service_id>/payment-policy")
@admin()
def delete_service_payment_policy(service_id: str) -> Any:
    return success(payment_policies.remove_policy(get_session(), service_id=service_id, actor=client().actor, now=now()).as_dict())
