"""Configuration: defaults, then instance/config.py, then the environment, then what a
caller (a test) passes to create_app()."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

ENV_KEYS = (
    "DATABASE_URL",
    "SECRET_KEY",
    "BUSINESS_NAME",
    "DEFAULT_TIMEZONE",
    "MAIL_BACKEND",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_FROM",
    "SLOT_INTERVAL_MINUTES",
    "BOOKING_HORIZON_WEEKS",
    "CANCELLATION_CUTOFF_HOURS",
    "REMINDER_HOURS",
    "OUTBOX_WORKER",
    "MAX_CONTENT_LENGTH",
    "BUSINESS_LOCALE",
    "CURRENCY",
    "WEBHOOKS_ALLOW_PRIVATE",
    "PUBLIC_URL",
    "OFFICE_EMAIL",
    "WORKER_INTERVAL_SECONDS",
    "CACHE_URL",
    "RATELIMIT_STORAGE_URI",
)
INT_KEYS = {"MAX_CONTENT_LENGTH", "MAIL_PORT", "SLOT_INTERVAL_MINUTES", "BOOKING_HORIZON_WEEKS", "CANCELLATION_CUTOFF_HOURS", "REMINDER_HOURS"}
BOOL_KEYS = {"MAIL_USE_TLS", "OUTBOX_WORKER", "WEBHOOKS_ALLOW_PRIVATE"}
FLOAT_KEYS = {"WORKER_INTERVAL_SECONDS"}


def defaults(instance_path: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{instance_path / 'portal.sqlite3'}",
        "BUSINESS_NAME": "Sparkle & Fix",
        "BUSINESS_LOCALE": "en_US",
        "CURRENCY": "USD",
        "DEFAULT_TIMEZONE": "America/New_York",
        "MAIL_BACKEND": "file",
        "MAIL_DIR": str(instance_path / "mail"),
        "MAIL_SERVER": "localhost",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_FROM": "bookings@example.com",
        "SLOT_INTERVAL_MINUTES": 30,
        "BOOKING_HORIZON_WEEKS": 12,
        "CANCELLATION_CUTOFF_HOURS": 24,
        "REMINDER_HOURS": 24,
        # Deliver the outbox from a thread of the dev server (make run turns it on).
        "OUTBOX_WORKER": False,
        # Let webhooks reach loopback, link-local and private addresses (development only).
        "WEBHOOKS_ALLOW_PRIVATE": False,
        # Every link in every e-mail starts with this (e.g. https://book.example.com);
        # when empty, PREFERRED_URL_SCHEME://SERVER_NAME. Never the request's Host.
        "PUBLIC_URL": "",
        # The office's copy of each booking message ("" for none).
        "OFFICE_EMAIL": "",
        # How long the notifications worker rests between rounds.
        "WORKER_INTERVAL_SECONDS": 5,
        # Test-only: turn the booking locks off to show the race they prevent.
        "BOOKING_LOCKS": True,
        # Requests with a larger body are refused with 413 before they are read.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    }


def from_environment() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ENV_KEYS:
        raw = os.environ.get(key)
        if raw is None or raw == "":
            continue
        if key in INT_KEYS:
            values[key] = int(raw)
        elif key in FLOAT_KEYS:
            values[key] = float(raw)
        elif key in BOOL_KEYS:
            values[key] = raw.lower() in ("1", "true", "yes", "on")
        else:
            values[key] = raw
    return values


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the URL was written with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(instance_path: Path) -> str:
    """A secret generated once and kept in instance/, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
