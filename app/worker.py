"""The notifications worker: one loop that queues the reminders that are due and
delivers the outbox, round after round, until it is told to stop.

`flask --app app notifications work` runs it in production (SIGTERM ends it after the
message in progress, which is given up if it is still waiting on its receiver); `make
run` runs the same loop in a thread of the dev server (OUTBOX_WORKER). Several workers,
on one machine or many, may run at once: reminders are queued under the write lock and
each message is claimed in the database before it is sent, so nothing goes out twice.

Every channel of the outbox is one entry of CHANNELS: a function from the app to its
`Channel` declaration (app/domain/outbox.py), which names its table, its sender and its
retry policy. SMS or payment events are one more entry. Each round calls every function
in DELIVERERS with the app, the clock and the stop flag. Texts (SMS) are one channel
like e-mail, with their own reminder round (their own lead time).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from flask import Flask

from .clock import app_now, wall
from .db import session_factory
from .domain.notifications import email_channel, queue_reminders
from .domain.outbox import Channel, DeliveryReport, run_channel
from .domain.sms import queue_sms_reminders, sms_channel
from .domain.webhooks import webhook_channel
from .mail import backend_from_config, composer
from .sms import backend_from_config as sms_backend, sms_composer
from .transports.http import http_post

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Deliverer = Callable[[Flask, Clock, "threading.Event | None"], object]


def deadline(app: Flask) -> float:
    return float(app.config.get("DELIVERY_TIMEOUT_SECONDS", 10))


CHANNELS: dict[str, Callable[[Flask], Channel]] = {
    "email": lambda app: email_channel(
        backend_from_config(app.config), sender=app.config["MAIL_FROM"], compose=composer(app), deadline=deadline(app),
    ),
    "webhooks": lambda app: webhook_channel(
        http_post, allow_private=bool(app.config.get("WEBHOOKS_ALLOW_PRIVATE")), signing_clock=wall,
        deadline=deadline(app),
    ),
    "sms": lambda app: sms_channel(sms_backend(app), compose=sms_composer(app), deadline=deadline(app)),  # type: ignore[arg-type]
}


def deliver(app: Flask, name: str, clock: Clock, stop: threading.Event | None = None, *, limit: int = 100) -> DeliveryReport:
    """Send what channel `name` has due."""
    return run_channel(session_factory(app), CHANNELS[name](app), clock=clock, limit=limit, stop=stop)


def queue_due_reminders(app: Flask, clock: Clock, stop: threading.Event | None = None) -> int:
    with session_factory(app)() as session:
        return queue_reminders(session, now=clock())


def deliver_email(app: Flask, clock: Clock, stop: threading.Event | None = None) -> DeliveryReport:
    return deliver(app, "email", clock, stop)


def deliver_webhooks(app: Flask, clock: Clock, stop: threading.Event | None = None) -> DeliveryReport:
    return deliver(app, "webhooks", clock, stop)


def queue_due_text_reminders(app: Flask, clock: Clock, stop: threading.Event | None = None) -> int:
    with session_factory(app)() as session:
        return queue_sms_reminders(session, now=clock())


def deliver_sms(app: Flask, clock: Clock, stop: threading.Event | None = None) -> DeliveryReport | None:
    """Send the texts that are due; with SMS_BACKEND=off they stay queued."""
    if sms_backend(app) is None:
        return None
    return deliver(app, "sms", clock, stop)


def release_payment_holds(app: Flask, clock: Clock, stop: threading.Event | None = None) -> int:
    """Free the slots of bookings whose card payment did not arrive in time, and make
    any queued charge or refund that its request did not get to, or a refund a crash left
    unrecorded (card payments only)."""
    from .domain.payments import process_queued, reconcile_refunds, release_expired_holds
    from .transports.stripe import gateway_for

    gateway = gateway_for(app)
    if gateway is None:
        return 0
    with session_factory(app)() as session:
        return (release_expired_holds(session, now=clock()) + process_queued(session, gateway=gateway, now=clock())
                + reconcile_refunds(session, gateway=gateway, now=clock()))


# Reminders first, so a reminder queued in a round goes out in the same round.
DELIVERERS: list[Deliverer] = [
    queue_due_reminders, queue_due_text_reminders, deliver_email, deliver_sms, deliver_webhooks, release_payment_holds,
]


def run_worker(
    app: Flask,
    stop: threading.Event,
    *,
    interval: float | None = None,
    clock: Clock | None = None,
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
        # Once `stop` is set, each channel ends its round before its next message, so
        # the rest of this round takes no time.
        for deliverer in deliverers if deliverers is not None else DELIVERERS:
            try:
                deliverer(app, read_clock, stop)
            except Exception:  # noqa: BLE001 - keep the worker alive; the next round retries
                log.exception("notifications worker: %s failed", getattr(deliverer, "__name__", deliverer))
        done += 1
        if rounds is not None and done >= rounds:
            break
        stop.wait(pause)
    return done


def start_outbox_worker(app: Flask) -> threading.Thread:
    """The dev server's worker thread (make run): the same loop as `notifications work`.
    Setting app.extensions["notifications_worker_stop"] ends it after its message."""
    stop = threading.Event()
    app.extensions["notifications_worker_stop"] = stop
    thread = threading.Thread(target=run_worker, args=(app, stop), name="notifications-worker", daemon=True)
    thread.start()
    return thread
