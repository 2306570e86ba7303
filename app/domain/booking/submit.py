"""Submitting a booking form: the one claim -> create -> finish path of the customer's
form and the back office's, under the form's nonce.

A double click sends the form twice with one nonce. The first copy claims the nonce
(an idempotency row, app/domain/idempotency.py) and books; a copy that comes while the
first is still running is answered at once with "in progress" instead of waiting in the
request (a worker held by a sleeping request serves nobody else); the page it leads to
(`submission_state`) turns into the first copy's answer as soon as that one finishes.
A copy that comes after the first finished replays its answer (the same confirmation).
"""
from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import idempotency
from ..actor import Actor
from ..errors import Conflict, DomainError
from ..inputs import BookingRequest
from ..models import IdempotencyRecord
from .common import BookingResult
from .create import create_booking

# The form's nonce is stored under the path the customer's form posts to: both forms
# share it, so a nonce is one submission whichever page sent it (the owner differs per user).
FORM_PATH = "/book"
MAX_NONCE = 64
# No request runs this long (gunicorn's timeout is 30 s, the statement timeout 20 s): a
# claim this old that never finished belongs to a request that died.
STALLED_AFTER = timedelta(minutes=2)


class Outcome(enum.StrEnum):
    CREATED = "created"  # booked now: `result` and `target`
    CARD_STEP = "card_step"  # booked pending payment: `target` is the card step
    REPLAY = "replay"  # this nonce was booked before: `target` is where that went
    IN_PROGRESS = "in_progress"  # the first copy of this nonce is still booking
    STALLED = "stalled"  # the first copy never finished (it failed unexpectedly): booked or not, unknown


@dataclass(frozen=True)
class Submission:
    outcome: Outcome
    target: str = ""
    result: BookingResult | None = None


def submit_booking(
    session: Session, request: BookingRequest, *, owner: str, nonce: str, actor: Actor, now: datetime,
    target_for: Callable[[BookingResult], str], card_step: Callable[[], str | None] | None = None,
) -> Submission:
    """Book the form's request once per nonce (an empty nonce books every time).

    `target_for` names the page a new booking leads to (kept for replays); `card_step`,
    when given, may start a card payment instead and return its page (None: not paid by
    card). Raises the domain's errors (the nonce is freed first, so the corrected form
    can be sent again with it)."""
    nonce = nonce[:MAX_NONCE]
    if nonce:
        try:
            replay = idempotency.claim(session, owner=owner, key=nonce, fingerprint=_fingerprint(nonce), now=now)
        except Conflict:
            return Submission(Outcome.IN_PROGRESS)
        if replay is not None:
            return Submission(Outcome.REPLAY, replay.body)
    try:
        step = card_step() if card_step is not None else None
        result = None if step is not None else create_booking(session, request, actor=actor, now=now)
    except DomainError:
        _free(session, owner, nonce)
        raise
    # Any other error (a bug, a lost database) leaves the claim as it is: whether it
    # booked is not known, so the nonce must not book again; the waiting page says
    # "stalled" once the claim is older than any request can run.
    if result is None:
        assert step is not None
        _done(session, owner, nonce, step)
        return Submission(Outcome.CARD_STEP, step)
    target = target_for(result)
    _done(session, owner, nonce, target)
    return Submission(Outcome.CREATED, target, result)


def submission_state(session: Session, *, owner: str, nonce: str, now: datetime) -> Submission | None:
    """Where a submission of `nonce` stands: IN_PROGRESS, STALLED (claimed longer ago
    than any request runs, never finished), REPLAY (finished, with its target), or None
    (no such submission: it was refused, or never made)."""
    record = session.scalars(
        select(IdempotencyRecord).where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == nonce[:MAX_NONCE])
    ).first()
    if record is None or record.request_hash != _fingerprint(nonce[:MAX_NONCE]):
        return None
    if record.state == "done":
        return Submission(Outcome.REPLAY, record.response_body or "")
    return Submission(Outcome.STALLED if now - record.created_at > STALLED_AFTER else Outcome.IN_PROGRESS)


def _fingerprint(nonce: str) -> str:
    return idempotency.request_fingerprint("POST", FORM_PATH, nonce.encode())


def _done(session: Session, owner: str, nonce: str, target: str) -> None:
    if nonce:
        idempotency.finish(session, owner=owner, key=nonce, status=303, body=target)


def _free(session: Session, owner: str, nonce: str) -> None:
    if nonce:
        idempotency.finish(session, owner=owner, key=nonce, status=500, body="")
