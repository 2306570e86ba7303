"""Who is calling: an API key (X-API-Key) or a customer's bearer token. Never the
browser session cookie, so the API needs no CSRF token and a forged cross-site request
gets 401."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request

from ..clock import now
from .. import throttle
from ..db import get_session
from ..domain import accounts
from ..domain.actor import Actor
from ..domain.accounts import KeyInfo
from ..domain.models import ApiScope, Role
from .responses import error


@dataclass(frozen=True)
class Client:
    actor: Actor
    owner: str  # idempotency and rate-limit key: "key:<id>" or "user:<id>"
    api_key: KeyInfo | None = None

    @property
    def can_write(self) -> bool:
        return self.api_key is None or self.api_key.scope in (ApiScope.WRITE, ApiScope.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.api_key is not None and self.api_key.scope == ApiScope.ADMIN



def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def credentials_sent() -> bool:
    return bool(request.headers.get("X-API-Key", "").strip() or bearer_token())


def identify() -> Client | None:
    """The caller, looked up once per request (the rate limit's key and the guard share it)."""
    if "api_identity" not in g:
        g.api_identity = _identify()
    return g.api_identity


def _identify() -> Client | None:
    if "X-API-Key" in request.headers and "Authorization" in request.headers:
        # Two credentials (even an empty or broken one beside a good one) disagree about
        # who is asking: neither is believed.
        return None
    session = get_session()
    secret = request.headers.get("X-API-Key", "").strip()
    if secret:
        key = accounts.authenticate_api_key(session, secret, now=now())
        return Client(Actor.for_api_key(key), f"key:{key.id}", key) if key else None
    token = bearer_token()
    if token:
        user = accounts.authenticate_token(session, token, now=now())
        if user is not None and user.role == Role.CUSTOMER:
            return Client(Actor.for_user(user), f"user:{user.id}")
    return None


def client() -> Client:
    return g.api_client


def _guard(kind: str, write: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            found = identify()
            if found is None:
                if credentials_sent():
                    # Wrong keys and tokens are counted per address, and once over the
                    # limit they get 429 instead of 401. Keys and tokens are 256-bit random
                    # secrets, so what needs stopping is the flood of made-up ones (one
                    # counter per address, not a row per key); a valid credential is not
                    # checked against the counter, keeping the read path to one count.
                    throttle.AUTH_FAILURES.take(throttle.client_address())
                return error("unauthorized", "Send a valid X-API-Key header or Authorization: Bearer token.", 401,
                             headers={"WWW-Authenticate": 'Bearer realm="api"'})
            if kind == "staff" and not found.actor.is_staff:
                return error("forbidden", "This endpoint needs an API key.", 403)
            if kind == "customer" and not found.actor.is_customer:
                return error("forbidden", "This endpoint needs a customer's bearer token.", 403)
            if write and not found.can_write:
                return error("forbidden", "This API key can only read; use a key with the write scope.", 403)
            g.api_client = found
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff(write: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return _guard("staff", write)


def admin() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An API key with the admin scope (webhooks)."""
    guard = _guard("staff", True)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def only_admin(*args: Any, **kwargs: Any) -> Any:
            if not client().is_admin:
                return error("forbidden", "This endpoint needs an API key with the admin scope.", 403)
            return view(*args, **kwargs)

        return guard(only_admin)

    return decorator


def customer() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return _guard("customer", True)


def anyone() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return _guard("any", False)


def public_read() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Anyone with valid credentials, and with PUBLIC_API_READS on also a caller who
    sends none (a booking widget on the business's own site; the LatePoint availability
    example calls without a key). Sent credentials are still checked: a wrong key is 401,
    not a quiet fallback to public access. Public callers have no `client()`."""
    guarded = anyone()

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        checked = guarded(view)

        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not credentials_sent() and current_app.config.get("PUBLIC_API_READS"):
                g.api_client = None
                g.public_read = True  # any origin may read the answer (CORS), errors included
                return view(*args, **kwargs)
            return checked(*args, **kwargs)

        wrapped.public_read = True  # type: ignore[attr-defined]  (CORS even for a 429 refused before the view)
        return wrapped

    return decorator


def is_public_read_route() -> bool:
    """The request is for an endpoint the public may read, sent without credentials."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "public_read", False)) and not credentials_sent() and bool(current_app.config.get("PUBLIC_API_READS"))


def is_public() -> bool:
    """The request is a public read, without credentials."""
    return g.get("api_client") is None
