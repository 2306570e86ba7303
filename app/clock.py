"""The current instant for pages, API and CLI: one place, so tests can pin it."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, has_app_context


def now() -> datetime:
    """Now in UTC; tests pin the clock with NOW in the app's config."""
    pinned = current_app.config.get("NOW") if has_app_context() else None
    return pinned or datetime.now(UTC)
