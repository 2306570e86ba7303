"""Catalog reads for any authenticated client."""
from __future__ import annotations

from typing import Any

from flask import request

from ..db import get_session
from ..domain import queries
from . import bp, serializers
from .auth import anyone, client
from .query import PAGING, query_args
from .responses import success, success_page


def _include_inactive() -> bool:
    return request.args.get("include_inactive", "").lower() in ("1", "true", "yes")


LIST_ARGS = ("include_inactive", *PAGING)


def _serializer(kind: str) -> Any:
    staff = client().actor.is_staff
    return (serializers.CATALOG_SERIALIZERS if staff else serializers.CUSTOMER_CATALOG_SERIALIZERS)[kind]


def _register(kind: str) -> None:
    @anyone()
    def list_view() -> Any:
        query_args(LIST_ARGS)
        page = queries.list_catalog(get_session(), kind, include_inactive=_include_inactive(),
                                    page=request.args.get("page"), per_page=request.args.get("per_page") or 100)
        serialize = _serializer(kind)
        return success_page(page, [serialize(item) for item in page.items])

    @anyone()
    def detail_view(object_id: str) -> Any:
        query_args(("include_inactive",))
        return success(_serializer(kind)(queries.get_catalog(get_session(), kind, object_id, include_inactive=_include_inactive())))

    bp.add_url_rule(f"/{kind}", f"list_{kind}", list_view, methods=["GET"])
    bp.add_url_rule(f"/{kind}/<object_id>", f"get_{kind}", detail_view, methods=["GET"])


for _kind in serializers.CATALOG_SERIALIZERS:
    _register(_kind)
