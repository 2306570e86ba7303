"""The notifications worker: one loop that queues the reminders that are due and
delivers the outbox, round after round, until it is told to stop.

`flask --app app notifications work` runs it in production (SIGTERM ends it after the
current round); `make run` runs the same loop in a thread of the dev server
(OUTBOX_WORKER). Several workers, on one machine or many, may run at once: reminders are
queued under the write lock and each message is claimed in the database before it is
sent, so nothing goes out twice.

Each round calls every function in DELIVERERS with the app and the round's `now`; a
new kind of delivery (webhooks) is one more entry in that list.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from .clock import app_now
from .db import session_factory
from .domain.notifications import deliver, queue_reminders
from .domain.webhooks import deliver_due
from .mail import backend_from_config, composer

log = logging.getLogger(__name__)

Deliverer = Callable[[Flask, datetime], object]


def queue_due_reminders(app: Flask, now: datetime) -> int:
    with session_factory(app)() as session:
        return queue_reminders(session, now=now)


def deliver_email(app: Flask, now: datetime) -> object:
    return deliver(
        session_factory(app), backend_from_config(app.config), sender=app.config["MAIL_FROM"], now=now, compose=composer(app)
    )


def deliver_webhooks(app: Flask, now: datetime) -> object:
    return deliver_due(session_factory(app), now=now, allow_private=bool(app.config.get("WEBHOOKS_ALLOW_PRIVATE")))


# Reminders first, so a reminder queued in a round goes out in the same round.
DELIVERERS: list[Deliverer] = [queue_due_reminders, deliver_email, deliver_webhooks]


def run_worker(
    app: Flask,
    stop: threading.Event,
    *,
    interval: float | None = None,
    clock: Callable[[], datetime] | None = None,
    rounds: int | None = None,
    deliverers: list[Deliverer] | None = None,
) -> int:
    """Run rounds until `stop` is set (or `rounds` are done); returns the rounds run.

    A failing deliverer is logged and the others still run: one broken channel or a
    database hiccup must not stop the rest, and the next round tries again."""
    read_clock = clock or (lambda: app_now(app))  # the app's clock (app/clock.py) unless given one
    pause = float(app.config.get("WORKER_INTERVAL_SECONDS", 5) if interval is None else interval)
    done = 0
    while not stop.is_set():
        now = read_clock()
        for deliverer in deliverers if deliverers is not None else DELIVERERS:
            try:
                deliverer(app, now)
            except Exception:  # noqa: BLE001 - keep the worker alive; the next round retries
                log.exception("notifications worker: %s failed", getattr(deliverer, "__name__", deliverer))
        done += 1
        if rounds is not None and done >= rounds:
            break
        stop.wait(pause)
    return done


def start_outbox_worker(app: Flask) -> threading.Thread:
    """The dev server's worker thread (make run): the same loop as `notifications work`.
    Setting app.extensions["notifications_worker_stop"] ends it after its round."""
    stop = threading.Event()
    app.extensions["notifications_worker_stop"] = stop
    thread = threading.Thread(target=run_worker, args=(app, stop), name="notifications-worker", daemon=True)
    thread.start()
    return thread
