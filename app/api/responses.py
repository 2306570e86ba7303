"""The envelopes of api.md: success, list with meta, and the error envelope."""
from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app

from ..domain.errors import DomainError
from ..domain.queries import Page

# orjson encodes a 14-day availability answer (~40 KB) about ten times faster than the
# standard library. Anything it does not encode itself (dates, dataclasses, Decimal...)
# still goes to Flask's JSON default, so the values look as they always have; keys are
# sorted as Flask sorts them.
_JSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                 | orjson.OPT_PASSTHROUGH_DATACLASS)


def encode(value: Any) -> bytes:
    """`value` as the API encodes it (parts may be encoded ahead as orjson.Fragment)."""
    return orjson.dumps(value, default=current_app.json.default, option=_JSON_OPTIONS)  # type: ignore[attr-defined]


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = encode(payload)
    return current_app.response_class(body, status=status, mimetype="application/json", headers=headers)


def success(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return respond({"status": "success", "data": data}, status, headers)


def success_page(page: Page[Any], items: list[Any]) -> Response:
    meta = {"total": page.total, "page": page.page, "per_page": page.per_page, "total_pages": page.total_pages}
    return respond({"status": "success", "data": items, "meta": meta})


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"status": "error", "error": error}


def error(code: str, message: str, status: int, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:
    return respond(error_body(code, message, details), status, headers)


def domain_error(exc: DomainError, prefix: str = "") -> Response:
    return error(exc.code, exc.message, exc.status, prefixed(exc.details, prefix))


def prefixed(details: dict[str, Any], prefix: str) -> dict[str, Any]:
    if not prefix:
        return dict(details)
    return {f"{prefix}.{k}" if not k.startswith("[") else f"{prefix}{k}": v for k, v in details.items()}
