"""Catalog reads for any authenticated client."""
from __future__ import annotations

from typing import Any

from flask import request

from ..db import get_session
from ..domain import queries
from ..domain.errors import FieldErrors
from ..domain.validation import as_flag
from . import bp, serializers
from .auth import anyone
from .query import PAGING, query_args
from .responses import success, success_page


def _include_inactive(args: dict[str, str]) -> bool:
    errors = FieldErrors()
    flag = as_flag(errors, "include_inactive", args.get("include_inactive"))
    errors.raise_if_any("The query is not valid.")
    return bool(flag)


LIST_ARGS = ("include_inactive", *PAGING)


def _register(kind: str) -> None:
    serialize = serializers.CATALOG_SERIALIZERS[kind]

    @anyone()
    def list_view() -> Any:
        args = query_args(LIST_ARGS)
        page = queries.list_catalog(get_session(), kind, include_inactive=_include_inactive(args),
                                    page=request.args.get("page"), per_page=request.args.get("per_page") or 100)
        return success_page(page, [serialize(item) for item in page.items])

    @anyone()
    def detail_view(object_id: str) -> Any:
        args = query_args(("include_inactive",))
        return success(serialize(queries.get_catalog(get_session(), kind, object_id, include_inactive=_include_inactive(args))))

    bp.add_url_rule(f"/{kind}", f"list_{kind}", list_view, methods=["GET"])
    bp.add_url_rule(f"/{kind}/<object_id>", f"get_{kind}", detail_view, methods=["GET"])


for _kind in serializers.CATALOG_SERIALIZERS:
    _register(_kind)
