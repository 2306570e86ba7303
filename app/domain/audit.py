"""The audit log: who changed what in the catalog, the agents' schedules, the settings and
the API keys, and when. Entries are written in the caller's transaction, so a change and
its record commit (or roll back) together."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actor import Actor
from .history import plain
from .models import AuditEvent


def audit(session: Session, *, actor: Actor, now: datetime, kind: str, object_id: int | None, action: str,
          changes: dict[str, tuple[Any, Any]]) -> None:
    """Add one entry: `changes` maps an attribute to (before, after); objects are shown by name."""
    session.add(AuditEvent(
        occurred_at=now, actor_kind=actor.kind, actor_id=actor.id, actor_label=actor.label, object_kind=kind,
        object_id=object_id, action=action, changes={k: [_shown(a), _shown(b)] for k, (a, b) in changes.items()},
    ))


def _shown(value: Any) -> Any:
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if hasattr(value, "id") and hasattr(value, "__table__"):
        return getattr(value, "name", None) or getattr(value, "label", None) or value.id
    return plain(value)


def recent_changes(session: Session, kind_key: str, object_id: int | None, limit: int = 20) -> list[AuditEvent]:
    """The newest audit entries for one object (object_id None: settings)."""
    same_object = AuditEvent.object_id.is_(None) if object_id is None else AuditEvent.object_id == object_id
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.object_kind == kind_key, same_object)
        .order_by(AuditEvent.id.desc()).limit(limit)
    ))
