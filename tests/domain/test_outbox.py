"""The outbox runner, as the worker drives it: leases taken when each message's turn
comes, so a round that outlives a lease never lets a second worker send the same
message again; a total deadline for each delivery against receivers that drip their
answer, one slow receiver not holding up the others, and a prompt stop."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain import webhooks
from app.domain.models import OutboxMessage, WebhookDelivery
from app.domain.notifications import queue_message
from app.domain.outbox import CLAIM_FOR
from app.worker import deliver_email, deliver_webhooks, run_worker
from tests import builders as b
from tests.drip_server import SMTP, DripServer
from tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    for event_id in r.waiting:
        r.release(event_id)
    r.stop()


class Clock:
    """A clock the test moves by hand; every worker reads it whenever it asks the time."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def one_round(app, clock) -> int:
    return run_worker(app, threading.Event(), interval=0, clock=clock, rounds=1, deliverers=[deliver_webhooks])


def test_a_round_that_outlives_a_lease_never_lets_a_second_worker_send_a_message_again(app, session, now, receiver):
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    _, receiver.secret = webhooks.create_endpoint(
        session, {"url": receiver.url, "events": ["customer.created"]}, actor=b.ADMIN, now=now, allow_private=True)
    for i in range(3):
        b.customer(session, email=f"c{i}@example.com")
    session.commit()
    ids = [d.event_id for d in session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    clock = Clock(now)
    receiver.holding = True
    first = threading.Thread(target=one_round, args=(app, clock))
    first.start()
    assert receiver.wait_until(lambda: receiver.waiting == ids[:1])
    # The first message takes longer than a lease lasts; the first worker's round,
    # which began at `now`, goes on to the second message.
    clock.at = now + CLAIM_FOR + timedelta(minutes=1)
    receiver.release(ids[0])
    assert receiver.wait_until(lambda: receiver.waiting == ids[:2])
    receiver.holding = False
    # A second worker's round at that moment finds the second message claimed (its
    # lease runs from when the first worker took it, not from its round's start).
    one_round(app, clock)
    receiver.release(ids[1])
    first.join(timeout=30)
    assert not first.is_alive()

    assert receiver.duplicates == [] and receiver.bad_signatures == 0
    assert sorted(receiver.attempts) == sorted(ids)
    session.expire_all()
    assert [(d.status, d.attempts) for d in session.scalars(select(WebhookDelivery))] == [("delivered", 1)] * 3


@pytest.fixture
def drip():
    server = DripServer().start()
    yield server
    server.stop()


def test_a_receiver_that_drips_its_headers_is_cut_off_at_the_deadline_and_the_others_still_get_theirs(app, session, now,
                                                                                                       receiver, drip):
    app.config.update(WEBHOOKS_ALLOW_PRIVATE=True, DELIVERY_TIMEOUT_SECONDS=1)
    events = ["customer.created"]
    slow, _ = webhooks.create_endpoint(session, {"url": drip.url, "events": events}, actor=b.ADMIN, now=now, allow_private=True)
    good, receiver.secret = webhooks.create_endpoint(session, {"url": receiver.url, "events": events}, actor=b.ADMIN, now=now,
                                                     allow_private=True)
    for i in range(3):
        b.customer(session, email=f"c{i}@example.com")
    session.commit()

    started = time.monotonic()
    report = deliver_webhooks(app, lambda: now)
    took = time.monotonic() - started

    # The slow endpoint's first delivery used up its deadline; its other two wait for
    # the next round instead of taking a deadline each; the other endpoint got all three.
    assert (report.sent, report.retried, report.deferred, report.failed) == (3, 1, 2, 0)
    assert took < 8, f"the round took {took:.1f} s"
    assert drip.connections == 1 and len(receiver.accepted) == 3
    session.expire_all()
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == slow.id).order_by(WebhookDelivery.id)).all()
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1), ("pending", 0), ("pending", 0)]
    assert "timed out" in rows[0].last_error and rows[0].next_attempt_at > now


def test_a_mail_server_that_drips_its_greeting_is_cut_off_at_the_deadline(app, session, now):
    server = DripServer(SMTP).start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, DELIVERY_TIMEOUT_SECONDS=1)
        for address in ("one@example.com", "two@example.com"):
            queue_message(session, topic="account.welcome", recipient=address, subject="Hi", body="Hi", now=now)
        session.commit()
        started = time.monotonic()
        report = deliver_email(app, lambda: now)
        took = time.monotonic() - started
    finally:
        server.stop()
    # One server for all the mail: after it timed out once, the rest waits for the next round.
    assert (report.sent, report.retried, report.deferred) == (0, 1, 1)
    assert took < 8, f"the round took {took:.1f} s"
    session.expire_all()
    first = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).first()
    assert first.status == "pending" and "timed out" in first.last_error


def test_the_worker_stops_at_once_when_told_to_while_a_receiver_drips(app, session, now, drip):
    app.config.update(WEBHOOKS_ALLOW_PRIVATE=True, DELIVERY_TIMEOUT_SECONDS=120)
    webhooks.create_endpoint(session, {"url": drip.url, "events": ["customer.created"]}, actor=b.ADMIN, now=now,
                             allow_private=True)
    b.customer(session)
    b.customer(session, email="second@example.com")
    session.commit()
    stop = threading.Event()
    worker = threading.Thread(target=run_worker, args=(app, stop), kwargs={"interval": 0, "clock": lambda: now})
    worker.start()
    assert drip.wait_until(lambda: drip.connections == 1)
    stopped_at = time.monotonic()
    stop.set()  # what SIGTERM does in `notifications work`
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert time.monotonic() - stopped_at < 5
    assert drip.connections == 1
    session.expire_all()
    rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    # The message in progress is given up and tried again later; the next one was left alone.
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1), ("pending", 0)]
    assert "interrupted" in rows[0].last_error


def test_a_delivery_deadline_cannot_outlast_the_claim_it_is_sent_under(app):
    app.config["DELIVERY_TIMEOUT_SECONDS"] = CLAIM_FOR.total_seconds()
    with pytest.raises(ValueError, match="deadline"):
        deliver_webhooks(app, lambda: datetime(2026, 11, 23))
