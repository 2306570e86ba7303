"""One engine per app, one session per request (closed at teardown)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from . import clock
from .domain import cache, changes, concurrency, webhooks
from .domain.cache import make_backend
from .domain.settings import Settings


def make_engine(url: str, *, statement_timeout: float = 0, busy_timeout: float = 30, **kwargs: Any) -> Engine:
    """An engine for `url`. On PostgreSQL, `statement_timeout` (seconds, 0: none) bounds
    every statement of its sessions, so a request blocked by a lock or a runaway query
    ends with an error the app answers, before gunicorn kills the worker. On SQLite,
    `busy_timeout` is how long a writer waits for the write lock."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if statement_timeout:
        kwargs.setdefault("connect_args", {})["options"] = f"-c statement_timeout={int(statement_timeout * 1000)}"
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine, config: dict[str, Any]) -> sessionmaker[Session]:
    defaults = Settings.from_mapping(
        {
            "business_name": config.get("BUSINESS_NAME"),
            "default_timezone": config.get("DEFAULT_TIMEZONE"),
            "slot_interval_minutes": config.get("SLOT_INTERVAL_MINUTES"),
            "horizon_weeks": config.get("BOOKING_HORIZON_WEEKS"),
            "cancellation_cutoff_hours": config.get("CANCELLATION_CUTOFF_HOURS"),
            "reminder_hours": config.get("REMINDER_HOURS"),
            "sms_reminder_hours": config.get("SMS_REMINDER_HOURS"),
            "phone_region": config.get("PHONE_REGION"),
            "business_locale": config.get("BUSINESS_LOCALE"),
            "currency": config.get("CURRENCY"),
            "office_email": config.get("OFFICE_EMAIL"),
            "account_slug": config.get("ACCOUNT_SLUG"),
            "calendar_uid_domain": config.get("CALENDAR_UID_DOMAIN"),
        }
    )
    factory = sessionmaker(
        bind=engine,
        expire_on_commit=False,
        info={"settings_defaults": defaults, "locks_enabled": bool(config.get("BOOKING_LOCKS", True)),
              "lock_timeout": float(config.get("DATABASE_LOCK_TIMEOUT_SECONDS", 3)),
              "cache": make_backend(cache_url(config), cache_namespace(engine, config)), "clock": app_clock(config)},
    )
    # The domain's flush and transaction hooks ride on this app's sessions only, not on
    # every Session in the process (another app's, a script's, Alembic's).
    cache.listen(factory)
    concurrency.listen(factory)
    webhooks.listen(factory)
    changes.install(factory)  # booking changes numbered and stamped in commit order
    return factory


def app_clock(config: dict[str, Any]) -> Callable[[], datetime]:
    """The time for code that has no `now` passed in (flush listeners): the app's clock,
    as app/clock.py's app_now reads it (its pinned NOW, else the machine's)."""
    return lambda: config.get("NOW") or clock.wall()


def cache_namespace(engine: Engine, config: dict[str, Any]) -> str:
    """What names this deployment's entries in a shared cache: the database URL (without
    its password) and the SECRET_KEY, so two deployments whose URLs read alike (the same
    relative SQLite path, the same host name on two networks) never share entries."""
    return engine.url.render_as_string(hide_password=True) + "\0" + str(config.get("SECRET_KEY") or "")


def cache_url(config: dict[str, Any]) -> str | None:
    """CACHE_URL, else the rate limiter's Redis if it has one; None: in-process cache."""
    limiter = str(config.get("RATELIMIT_STORAGE_URI") or "")
    return config.get("CACHE_URL") or (limiter if limiter.startswith(("redis://", "rediss://")) else None)


def init_app(app: Flask) -> None:
    # Migrations (app/migrations/env.py) build their own engine, without the limit.
    engine = make_engine(app.config["DATABASE_URL"], statement_timeout=float(app.config.get("DATABASE_STATEMENT_TIMEOUT_SECONDS", 20)))
    app.extensions["engine"] = engine
    app.extensions["session_factory"] = make_session_factory(engine, app.config)

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["session_factory"]()
    return g.db_session


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    return (app or current_app).extensions["session_factory"]
