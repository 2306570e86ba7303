"""The envelopes of api.md: success, list with meta, and the error envelope."""
from __future__ import annotations

from typing import Any

from flask import Response, current_app, json

from ..domain.errors import DomainError
from ..domain.queries import Page


def respond(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(payload)
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
