"""Saving through the catalog as the back office does, and reading a refusal's fields."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import catalog
from app.domain.actor import Actor
from app.domain.errors import ValidationFailed
from app.domain.models import AuditEvent
from tests import builders as b


def save(session: Session, key: str, values: dict[str, Any], now: datetime, *, object_id: int | None = None,
         actor: Actor = b.ADMIN) -> Any:
    return catalog.save_object(session, catalog.TYPES[key], object_id, values, actor=actor, now=now)


def refused(session: Session, key: str, values: dict[str, Any], now: datetime, *, object_id: int | None = None,
            actor: Actor = b.ADMIN) -> dict[str, str]:
    """The field errors of a save that must be refused; checks that nothing was written."""
    model = catalog.TYPES[key].model
    rows, events = _count(session, model), _count(session, AuditEvent)
    with pytest.raises(ValidationFailed) as caught:
        save(session, key, values, now, object_id=object_id, actor=actor)
    assert (_count(session, model), _count(session, AuditEvent)) == (rows, events)
    return caught.value.details


def edit(session: Session, key: str, obj: Any, changes: dict[str, Any], now: datetime, *, actor: Actor = b.ADMIN) -> Any:
    """Save `obj` with its form's values and `changes`, as the edit page posts them."""
    values = catalog.form_values(session, catalog.TYPES[key], obj) | changes
    return save(session, key, values, now, object_id=obj.id, actor=actor)


def last_audit(session: Session) -> AuditEvent:
    return session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()


def _count(session: Session, model: Any) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))
