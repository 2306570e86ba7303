"""API keys as admins manage them: list, create (the secret is shown once) and revoke,
each change written to the audit log."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import create_api_key, revoke_api_key
from .actor import Actor
from .audit import audit
from .errors import Forbidden, NotFound
from .models import ApiKey
from .validation import id_or_none


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can change API keys.")


def list_api_keys(session: Session, actor: Actor) -> list[ApiKey]:
    """Every key, live ones first, newest first. Raises Forbidden for non-admins."""
    _admin(actor)
    return list(session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def new_api_key(session: Session, values: Mapping[str, Any], *, actor: Actor, now: datetime) -> tuple[ApiKey, str]:
    """Create a key; the secret is returned once and never stored. Raises Forbidden or
    ValidationFailed."""
    _admin(actor)
    key, secret = create_api_key(session, name=values.get("name"), scope=values.get("scope"), now=now, created_by_id=actor.id)
    audit(session, actor=actor, now=now, kind="api_keys", object_id=key.id, action="created",
          changes={"name": (None, key.name), "scope": (None, key.scope)})
    session.commit()
    return key, secret


def revoke_key(session: Session, key_id: object, *, actor: Actor, now: datetime) -> ApiKey:
    """Revoke a key (revoking it again changes nothing). Raises Forbidden or NotFound."""
    _admin(actor)
    kid = id_or_none(key_id)
    if kid is None:
        raise NotFound(f"API key with ID {key_id} was not found")
    already = session.get(ApiKey, kid)
    key = revoke_api_key(session, kid, now=now)
    if already is not None and already.revoked_at == now:
        audit(session, actor=actor, now=now, kind="api_keys", object_id=key.id, action="revoked", changes={"revoked": (False, True)})
        session.commit()
    return key
