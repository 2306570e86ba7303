"""The Idempotency-Key header on POST and PUT (api.md, Conventions)."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Response, request

from ..db import get_session
from ..domain import idempotency
from ..domain.errors import DomainError
from .auth import client, now
from .responses import domain_error


def _replay_headers(body: str) -> dict[str, str]:
    """A replay carries the headers the first answer had: the marker, and the
    booking's ETag (its version, which is in the stored body)."""
    headers = {"Idempotent-Replayed": "true"}
    try:
        data = json.loads(body).get("data") if body else None
    except ValueError:
        data = None
    staff_update = request.method in ("PUT", "PATCH") and request.path.startswith("/api/v1/bookings/")
    if staff_update and isinstance(data, dict) and isinstance(data.get("version"), int):
        headers["ETag"] = f'"{data["version"]}"'
    return headers


def _without(body: str, secrets: tuple[str, ...]) -> str:
    """The answer as stored for replays: the named fields of its data left out."""
    if not secrets or not body:
        return body
    try:
        document = json.loads(body)
    except ValueError:
        return body
    data = document.get("data") if isinstance(document, dict) else None
    if isinstance(data, dict):
        for name in secrets:
            data.pop(name, None)
    return json.dumps(document, separators=(",", ":"))


def idempotent_storing_no(*secrets: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """@idempotent for an answer that shows a secret once (a webhook's signing secret):
    the replay is stored, and so shown, without it."""
    return lambda view: _idempotent(view, secrets)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    return _idempotent(view, ())


def _idempotent(view: Callable[..., Any], secrets: tuple[str, ...]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method not in ("POST", "PUT", "PATCH"):
            return view(*args, **kwargs)
        owner = client().owner
        session = get_session()
        fingerprint = idempotency.request_fingerprint(request.method, request.path, request.get_data(cache=True))
        replay = idempotency.claim(session, owner=owner, key=key, fingerprint=fingerprint, now=now())
        if replay is not None:
            return Response(replay.body, status=replay.status, mimetype="application/json", headers=_replay_headers(replay.body))
        try:
            response: Response = view(*args, **kwargs)
        except DomainError as exc:
            # A refused request is an answer too: replay it like a success.
            session.rollback()
            response = domain_error(exc)
        except BaseException:
            session.rollback()
            idempotency.finish(session, owner=owner, key=key, status=500, body="")
            raise
        idempotency.finish(session, owner=owner, key=key, status=response.status_code,
                           body=_without(response.get_data(as_text=True), secrets))
        return response

    return wrapped
