"""The current instant, for the whole app: the one module that reads the machine's clock.

- `now()` is what every decision that depends on the date takes (cut-offs, notice,
  expiry of links and tokens, due outbox rows and reminders, feeds, dashboards, the
  stamps column defaults put on rows): the app's clock, which a deployment leaves to
  the machine and tests pin with `NOW` in the app's config (tests/conftest.py pins it
  for every test). Services in `app/domain` never read a clock: they are given `now`.
- `wall()` is the machine's clock itself, for the few instants another system checks
  against its own clock rather than ours: the timestamp in a webhook signature, and
  the rate-limit windows, which Flask-Limiter and Redis measure in real seconds (a
  window is a duration, not a date, so a pinned `NOW` must not freeze it); and the
  floor of cache generation numbers, which must keep growing in real time.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask, current_app, has_app_context


def wall() -> datetime:
    """The machine's clock, in UTC (see the module's note for who may use it)."""
    return datetime.now(UTC)


def wall_seconds() -> float:
    """The machine's clock as seconds since the epoch (rate-limit windows)."""
    return wall().timestamp()


def wall_microseconds() -> int:
    """The machine's clock in whole microseconds since the epoch: the floor for cache
    generation numbers, which must keep growing across restarts and restored backups
    (app/domain/models/settings.py), whatever the app's clock says."""
    return time.time_ns() // 1000


def app_now(app: Flask) -> datetime:
    """Now on `app`'s clock: its pinned `NOW`, else the machine's."""
    return app.config.get("NOW") or wall()


def now() -> datetime:
    """Now in UTC on the current app's clock (the machine's outside an app)."""
    return app_now(current_app) if has_app_context() else wall()
