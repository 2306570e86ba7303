"""The outbox runner: one loop that sends what every channel has queued.

A channel (e-mail, webhooks; SMS and payment events next) is one `Channel` declaration:
its table, what makes a row due, how a claimed row becomes a parcel to send (`prepare`,
inside a short transaction), and its retry policy. The runner does the rest the same way
for all of them:

* it picks the due rows, then for each one, in its own transaction, claims it with a
  conditional UPDATE (of two workers exactly one changes the row). The lease runs from a
  fresh reading of the clock at that moment, not from the round's start, so a round that
  takes longer than CLAIM_FOR cannot hand a second worker a message it is about to send;
* it sends with no transaction open, within the channel's deadline (connect, headers and
  body together: the transport enforces it), and marks the row sent, retried at the time
  the policy says, or failed with the reason;
* a receiver that times out makes the rest of its rows (same `group`) wait for the next
  round, so one slow endpoint cannot hold up the others;
* a set `stop` ends the round before the next message, and the transport gives up the
  message in progress, so the worker stops promptly.

Transports (SMTP, HTTP) live outside the domain (app/transports/); they report failures
as `DeliveryFailed`, temporary unless `permanent`.
"""
from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

log = logging.getLogger(__name__)

# How long a claim keeps other workers off a message. Every delivery's deadline is far
# shorter, and each claim is taken when its message's turn comes.
CLAIM_FOR = timedelta(minutes=5)
# The longest one delivery may take, connect to last byte, unless a channel says less.
DEADLINE_SECONDS = 10.0


class DeliveryFailed(Exception):
    """A delivery did not happen. `permanent`: no retry will change that (a refused
    recipient, an address webhooks may not reach, a message that cannot be built).
    `timed_out`: the receiver was too slow; its other messages wait for the next round."""

    def __init__(self, reason: str, *, permanent: bool = False, timed_out: bool = False, status_code: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.timed_out = timed_out
        self.status_code = status_code


class NotYet(Exception):
    """A message that may not go out now (a text in the customer's quiet hours): it
    waits until `until`, and this claim does not count as an attempt."""

    def __init__(self, until: datetime, reason: str = "") -> None:
        super().__init__(reason or f"held until {until.isoformat()}")
        self.until = until


@dataclass(frozen=True)
class Delivered:
    """What the receiver answered, and what the row should remember of what was sent."""

    status_code: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


# Sends one prepared message within `timeout` seconds in all, giving up early when
# `stop` is set. Raises DeliveryFailed.
Parcel = Callable[[float, "threading.Event | None"], Delivered]


class RetryPolicy(Protocol):
    def next_attempt(self, row: Any, now: datetime) -> datetime | None:
        """When to try again after the row's latest failed attempt, or None: give up."""


@dataclass(frozen=True)
class Doubling:
    """Waits that double from `first`, for at most `attempts` attempts in all."""

    first: timedelta
    attempts: int

    def next_attempt(self, row: Any, now: datetime) -> datetime | None:
        if row.attempts >= self.attempts:
            return None
        return now + self.first * 2 ** (row.attempts - 1)


@dataclass(frozen=True)
class JitteredForADay:
    """Waits doubling from `first` up to `longest`, each between half and all of that at
    random (so receivers coming back are not hit by every sender at once), for
    `retry_for` from the first failure (kept in the row's `retry_until`)."""

    first: timedelta
    longest: timedelta
    retry_for: timedelta
    jitter: Callable[[], float] = random.random

    def wait(self, attempts: int, jitter: float) -> timedelta:
        wait = min(self.first * 2 ** (attempts - 1), self.longest) if attempts < 20 else self.longest
        return wait / 2 + wait / 2 * jitter

    def next_attempt(self, row: Any, now: datetime) -> datetime | None:
        if row.retry_until is not None and now >= row.retry_until:
            return None
        # The window starts at the first failure, on the same clock as the attempts.
        row.retry_until = row.retry_until or now + self.retry_for
        return now + self.wait(row.attempts, self.jitter())


@dataclass(frozen=True)
class Attempt:
    """One attempt's result, for a channel's own columns (`Channel.record`)."""

    ok: bool
    at: datetime
    status_code: int | None = None
    final: bool = False


@dataclass(frozen=True)
class Channel:
    """How one kind of message is sent. `model` is its table's class, with the columns
    id, status, attempts, next_attempt_at (NULL: due at once), claimed_until, last_error.

    `prepare(session, row, now)` reads what the message needs and returns the parcel
    that sends it; it raises DeliveryFailed (permanent) for a message that cannot be
    built. `due(now)` adds the channel's own conditions to "pending, due and not
    claimed" (they are checked again in the claim). Rows with the same `group` (one
    receiver) are skipped for the rest of a round after one of them timed out; without
    a group the whole channel is one receiver."""

    name: str
    model: Any
    prepare: Callable[[Session, Any, datetime], Parcel]
    retry: RetryPolicy
    sent_status: str
    pending_status: str = "pending"
    failed_status: str = "failed"
    due: Callable[[datetime], list[ColumnElement[bool]]] = lambda now: []
    group: InstrumentedAttribute[Any] | None = None
    record: Callable[[Any, Attempt], None] = lambda row, attempt: None
    deadline: float = DEADLINE_SECONDS

    def __post_init__(self) -> None:
        # A delivery that could outlast its claim could be taken and sent by another worker.
        if not 0 < self.deadline < CLAIM_FOR.total_seconds() / 2:
            raise ValueError(f"a delivery deadline must be between 0 and {CLAIM_FOR.total_seconds() / 2:g} s, not {self.deadline:g}")


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Left for the next round: their receiver timed out on an earlier message.
    deferred: int = 0
    # Not to go out yet (quiet hours): due again at the time the channel said.
    held: int = 0


def _claimable(channel: Channel, now: datetime) -> list[ColumnElement[bool]]:
    model = channel.model
    return [
        model.status == channel.pending_status,
        # Never tried (NULL): due at once, whatever the clock says.
        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
        or_(model.claimed_until.is_(None), model.claimed_until < now),
        *channel.due(now),
    ]


def run_channel(
    factory: sessionmaker[Session],
    channel: Channel,
    *,
    clock: Callable[[], datetime],
    limit: int = 100,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Send the channel's due messages, oldest first. `clock` is read again for every
    message (its claim, its timestamps, its next try)."""
    report = DeliveryReport()
    model = channel.model
    group = channel.group if channel.group is not None else model.status  # one group for the channel
    with factory() as session:
        due = session.execute(
            select(model.id, group).where(*_claimable(channel, clock())).order_by(model.id).limit(limit)
        ).all()
    slow: set[Any] = set()
    for row_id, receiver in due:
        if stop is not None and stop.is_set():
            break
        if receiver in slow:
            report.deferred += 1
            continue
        outcome = _deliver_one(factory, channel, row_id, clock=clock, stop=stop)
        if outcome == "timed out":
            slow.add(receiver)
            outcome = "retry"
        if outcome == "sent":
            report.sent += 1
        elif outcome == "retry":
            report.retried += 1
        elif outcome == "failed":
            report.failed += 1
        elif outcome == "held":
            report.held += 1
    return report


def _deliver_one(
    factory: sessionmaker[Session], channel: Channel, row_id: int, *, clock: Callable[[], datetime], stop: threading.Event | None
) -> str | None:
    """Claim, send and mark one message: "sent", "retry", "timed out", "failed", "held", or None
    when another worker has it (or it is no longer due)."""
    model = channel.model
    with factory() as session:
        now = clock()
        claimed = session.execute(
            update(model)
            .where(model.id == row_id, *_claimable(channel, now))
            .values(claimed_until=now + CLAIM_FOR, attempts=model.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if not claimed:
            return None
        row = session.get(model, row_id, populate_existing=True)
        if row is None:  # removed a moment ago (its webhook endpoint was deleted)
            return None
        failure: DeliveryFailed | None = None
        delivered = Delivered()
        try:
            parcel = channel.prepare(session, row, now)
        except NotYet as held:
            session.rollback()
            row = session.get(model, row_id, populate_existing=True)
            row.claimed_until = None
            row.attempts = max(row.attempts - 1, 0)
            row.next_attempt_at = held.until
            session.commit()
            return "held"
        except DeliveryFailed as exc:
            session.rollback()
            failure = exc
        except SQLAlchemyError as exc:
            # The database, not the message: try again later.
            session.rollback()
            failure = DeliveryFailed(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - one message that cannot be built must not stop the queue
            log.warning("%s message %s cannot be built: %r", channel.name, row_id, exc)
            session.rollback()
            failure = DeliveryFailed(f"cannot be built: {type(exc).__name__}: {exc}", permanent=True)
        else:
            # No transaction stays open while the receiver takes its time.
            session.commit()
            try:
                delivered = parcel(channel.deadline, stop)
            except DeliveryFailed as exc:
                failure = exc
            except Exception as exc:  # noqa: BLE001 - one delivery that cannot be sent must not stop the others
                log.warning("%s message %s could not be sent: %r", channel.name, row_id, exc)
                failure = DeliveryFailed(f"{type(exc).__name__}: {exc}")

        finished = clock()
        row.claimed_until = None
        if failure is None:
            for name, value in delivered.changes.items():
                setattr(row, name, value)
            row.status = channel.sent_status
            row.last_error = ""
            channel.record(row, Attempt(ok=True, at=finished, status_code=delivered.status_code))
            outcome = "sent"
        else:
            row.last_error = failure.reason[:2000]
            retry_at = None if failure.permanent else channel.retry.next_attempt(row, finished)
            if retry_at is None:
                row.status = channel.failed_status
                outcome = "failed"
            else:
                row.next_attempt_at = retry_at
                outcome = "timed out" if failure.timed_out else "retry"
            channel.record(row, Attempt(ok=False, at=finished, status_code=failure.status_code, final=retry_at is None))
        session.commit()
        return outcome
