"""The JSON API at /api/v1 (shared/spec/api.md): LatePoint-style staff endpoints with
X-API-Key, Launch27-style customer endpoints with a bearer token.

Error statuses: field errors, invalid transitions, past dates, invalid codes and "too
late" are 422 on every endpoint; malformed JSON and too many bulk items are 400."""
from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from ..domain.errors import DomainError
from ..extensions import csrf, limiter
from ..db import get_session
from ..web.errors import busy_page, server_error_page, site_error_page
from .auth import identify, is_public_read_route
from .responses import domain_error, error

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API authenticates by header only, never by cookie: no CSRF token needed.
csrf.exempt(bp)

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "payload_too_large", 415: "unsupported_media_type", 429: "rate_limited"}


def api_client_key() -> str:
    """Rate limits count per API key or customer, else per address: a made-up key counts
    against its sender's address, so random keys add no counter rows of their own."""
    found = identify()
    if found is not None:
        return "client:" + hashlib.sha256(found.owner.encode()).hexdigest()[:32]
    return "addr:" + get_remote_address()


def api_rate_limit() -> str:
    """API_RATE_LIMIT for a client with valid credentials; requests without them (the
    public reads of availability and the catalog, and refused ones) share the smaller
    PUBLIC_API_RATE_LIMIT per address."""
    return current_app.config["API_RATE_LIMIT" if identify() is not None else "PUBLIC_API_RATE_LIMIT"]


# Every API request counts against its client's budget.
limiter.limit(api_rate_limit, key_func=api_client_key)(bp)


class RefConverter(BaseConverter):
    """An object's id in a path, as the client wrote it (the domain parses it and answers
    404 for an id naming nothing), but never a fixed path beside it: `PUT
    /customer/bookings/price` is 405 for the price route, not "Booking with ID price"."""

    regex = r"(?!(?:bulk|price)$)[^/]+"
    part_isolating = True


def is_api_request() -> bool:
    return request.path.startswith(bp.url_prefix or "/api/v1")


def _retry_after_only_when_refused(response: Response) -> Response:
    """Retry-After only where there is something to wait for (429, 503). Flask-Limiter
    puts one on every answer, and counts it down with the seconds truncated: on a 429
    it is rounded up, so a client that waits that long is never early for the reset."""
    if not is_api_request() or "Retry-After" not in response.headers:
        return response
    if response.status_code not in (429, 503):
        del response.headers["Retry-After"]
    elif "X-RateLimit-Reset" in response.headers:
        try:
            seconds = int(response.headers["Retry-After"])
        except ValueError:
            return response  # an HTTP date
        response.headers["Retry-After"] = str(max(1, seconds + 1))
    return response


def _public_reads_from_any_origin(response: Response) -> Response:
    """A public read (no credentials) may be made by a booking widget on the business's
    own site: a browser lets that page read the answer only with this header. Nothing
    that needs credentials gets it."""
    if g.get("public_read") or (is_api_request() and is_public_read_route()):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def init_app(app: Flask) -> None:
    from . import availability, bookings, catalog, customer, openapi  # noqa: F401  (routes)
    from . import customers  # noqa: F401  (routes)
    from . import payment_policies, payments  # noqa: F401  (routes)
    from . import aliases, webhooks  # (routes)

    webhooks.configure()
    aliases.init_app(app)

    if not app.config.get("RATELIMIT_STORAGE_URI"):
        from .. import ratelimit  # noqa: F401  (registers the portaldb:// storage)

        app.config["RATELIMIT_STORAGE_URI"] = "portaldb://"
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {"engine": app.extensions["engine"]}
    # Registered before the limiter, so it runs after the limiter has added its headers.
    app.after_request(_retry_after_only_when_refused)
    app.after_request(_public_reads_from_any_origin)
    limiter.init_app(app)
    app.url_map.converters["ref"] = RefConverter
    app.register_blueprint(bp)

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        if not is_api_request():
            raise exc
        return domain_error(exc)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if not is_api_request():
            return site_error_page(exc)
        code = HTTP_CODES.get(exc.code or 500, "error")
        headers = {}
        if exc.code == 429:
            # The API budget's 429 gets its Retry-After from Flask-Limiter, counted to the
            # same reset as X-RateLimit-Reset; a throttle knows its own wait.
            retry = getattr(exc, "retry_after", None)
            if retry:
                headers["Retry-After"] = str(int(retry))
            return error(code, "Too many requests; slow down and try again shortly.", 429, headers=headers)
        if exc.code == 405:
            headers["Allow"] = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return error(code, exc.description or code, exc.code or 500, headers=headers)

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError) -> Any:
        # The database is down, or a wait ran out (lock_timeout, statement_timeout):
        # nothing was written, and asking again shortly is the right answer.
        app.logger.warning("database unavailable: %s", exc.orig)
        try:
            get_session().rollback()  # so the error page may read the database again
        except Exception:  # noqa: BLE001 - a broken connection is what we are answering for
            pass
        if is_api_request():
            return error("service_unavailable", "The database is not available; try again shortly.", 503, headers={"Retry-After": "5"})
        return busy_page(5)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        app.logger.exception("unhandled error")
        if is_api_request():
            return error("internal_error", "Something went wrong on our side; nothing was changed.", 500)
        return server_error_page()
