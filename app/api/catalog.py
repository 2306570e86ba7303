"""Catalog reads: any client with credentials, and with PUBLIC_API_READS anyone (active
objects, without the staff's contact details or staff-only questions)."""
from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import Unauthorized

from ..db import get_session
from ..domain import queries
from ..domain.errors import FieldErrors
from ..domain.validation import as_flag
from . import bp, serializers
from .auth import client, is_public, public_read
from .query import query_args
from .responses import success, success_page


def _include_inactive(args: dict[str, str]) -> bool:
    errors = FieldErrors()
    flag = bool(as_flag(errors, "include_inactive", args.get("include_inactive")))
    errors.raise_if_any("The query is not valid.")
    if flag and is_public():
        raise Unauthorized("Deactivated objects are for API keys and customers; send credentials to see them.")
    return flag


# What the public (no credentials) is not shown: how to reach the staff.
PRIVATE_FIELDS = {"agents": ("email", "phone")}


def _serializer(kind: str) -> Any:
    """Staff keys read everything; customers' tokens and the public read agents by name
    only (serializers.CUSTOMER_CATALOG_SERIALIZERS)."""
    staff = not is_public() and client().actor.is_staff
    return (serializers.CATALOG_SERIALIZERS if staff else serializers.CUSTOMER_CATALOG_SERIALIZERS)[kind]


def _register(kind: str) -> None:
    private = PRIVATE_FIELDS.get(kind, ())

    def shown(item: Any) -> dict[str, Any]:
        data = _serializer(kind)(item)
        if is_public():
            for name in private:
                data.pop(name, None)
        return data

    @public_read()
    def list_view() -> Any:
        args = query_args()
        page = queries.list_catalog(get_session(), kind, include_inactive=_include_inactive(args), public=is_public(),
                                    page=request.args.get("page"), per_page=request.args.get("per_page") or 100)
        return success_page(page, [shown(item) for item in page.items])

    @public_read()
    def detail_view(object_id: str) -> Any:
        args = query_args()
        found = queries.get_catalog(get_session(), kind, object_id, include_inactive=_include_inactive(args), public=is_public())
        return success(shown(found))

    bp.add_url_rule(f"/{kind}", f"list_{kind}", list_view, methods=["GET"])
    bp.add_url_rule(f"/{kind}/<object_id>", f"get_{kind}", detail_view, methods=["GET"])


for _kind in serializers.CATALOG_SERIALIZERS:
    _register(_kind)
