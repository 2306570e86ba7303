"""The outbox runner, as the worker drives it: leases taken when each message's turn
comes, so a round that outlives a lease never lets a second worker send the same
message again."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain import webhooks
from app.domain.models import WebhookDelivery
from app.domain.outbox import CLAIM_FOR
from app.worker import deliver_webhooks, run_worker
from tests import builders as b
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
