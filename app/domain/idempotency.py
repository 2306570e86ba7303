"""Idempotency keys: a retried POST or PUT replays the first answer instead of doing
the work twice. The record is claimed (inserted) before the work starts, so two
copies of one request sent at once cannot both run: the second sees "running"."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import Conflict, DomainError, ValidationFailed
from .models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)
MAX_KEY = 255


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


@dataclass
class Replay:
    status: int
    body: str


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def claim(session: Session, *, owner: str, key: str, fingerprint: str, now: datetime) -> Replay | None:
    """Start work under `key`, or return the stored answer of an earlier identical
    request. Raises IdempotencyKeyReused (other body) or Conflict (still running)."""
    if not key or len(key) > MAX_KEY:
        raise ValidationFailed("The Idempotency-Key header must be 1-255 characters.", {"Idempotency-Key": "Invalid."})
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEEP_FOR))
    session.add(IdempotencyRecord(owner=owner, key=key, request_hash=fingerprint, created_at=now))
    try:
        session.commit()
        return None
    except IntegrityError:
        session.rollback()
    record = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
    ).one()
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused("This Idempotency-Key was used for a different request.")
    if record.state != "done":
        raise Conflict("A request with this Idempotency-Key is still being processed.")
    return Replay(record.response_status or 200, record.response_body or "")


def finish(session: Session, *, owner: str, key: str, status: int, body: str) -> None:
    """Keep the answer for replays; a server error frees the key for a retry."""
    record = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key)
    ).first()
    if record is None:
        return
    if status >= 500:
        session.delete(record)
    else:
        record.state, record.response_status, record.response_body = "done", status, body
    session.commit()
