"""Staff customers endpoints (X-API-Key): find, create and change customers, so an
importer can look up the customer_id its bookings need."""
from __future__ import annotations

from typing import Any

from ..db import get_session
from ..domain import customers
from ..domain.errors import ValidationFailed
from ..domain.requests.customers import CustomerCreate, CustomerUpdate
from . import bp, serializers
from .auth import client, now, staff
from .idempotent import idempotent
from .parsing import json_object
from .query import query_args
from .responses import success, success_page


@bp.get("/customers")
@staff()
def list_customers() -> Any:
    page = customers.list_customers(get_session(), query_args())
    return success_page(page, [serializers.customer(c) for c in page.items])


@bp.get("/customers/<customer_id>")
@staff()
def get_customer(customer_id: str) -> Any:
    query_args()
    return success(serializers.customer(customers.get_customer(get_session(), customer_id)))


@bp.post("/customers")
@staff(write=True)
@idempotent
def create_customer() -> Any:
    created = customers.create_customer(get_session(), CustomerCreate.parse(json_object()), actor=client().actor, now=now())
    return success(serializers.customer(created), 201)


@bp.route("/customers/<customer_id>", methods=["PATCH", "PUT"])
@staff(write=True)
@idempotent
def update_customer(customer_id: str) -> Any:
    session = get_session()
    try:
        changes = CustomerUpdate.parse(json_object())
    except ValidationFailed:
        customers.get_customer(session, customer_id)  # a customer that does not exist is answered first (404)
        raise
    changed = customers.update_customer(session, customer_id, changes, actor=client().actor, now=now())
    return success(serializers.customer(changed))
