"""The outbox worker thread the dev server runs (production runs
`flask --app app notifications deliver` from a timer instead)."""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

from flask import Flask

from .db import session_factory
from .domain.notifications import deliver
from .domain.webhooks import deliver_due
from .mail import backend_from_config

log = logging.getLogger(__name__)


def start_outbox_worker(app: Flask, interval: float = 5.0) -> threading.Thread:
    def run() -> None:
        factory = session_factory(app)
        backend = backend_from_config(app.config)
        while True:
            try:
                deliver(factory, backend, sender=app.config["MAIL_FROM"], now=datetime.now(UTC))
                deliver_due(factory, now=datetime.now(UTC), allow_private=bool(app.config.get("WEBHOOKS_ALLOW_PRIVATE")))
            except Exception:  # keep the worker alive; the next round retries
                log.exception("outbox delivery round failed")
            time.sleep(interval)

    thread = threading.Thread(target=run, name="outbox-worker", daemon=True)
    thread.start()
    return thread
