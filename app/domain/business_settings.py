"""The settings admins edit in the back office: which there are, how each is read, and
the one way to save them (admins only; every change is written to the audit log).
What the settings are and how they are loaded is `settings.py`."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actor import Actor
from .audit import audit
from .errors import FieldErrors, Forbidden
from .management import CURRENCIES, LOCALES, Field
from .models import Setting
from .settings import Settings, load_settings

SETTING_FIELDS = (
    Field("business_name", "Business name", required=True, max_length=120),
    Field("default_timezone", "Time zone", "timezone", required=True),
    Field("slot_interval_minutes", "Start times every (minutes)", "choice", required=True,
          choices=tuple((str(m), f"{m} minutes") for m in (5, 10, 15, 20, 30, 60))),
    Field("horizon_weeks", "Recurring bookings are planned this many weeks ahead", "int", required=True, lo=1, hi=104),
    Field("cancellation_cutoff_hours", "Customers may change or cancel until (hours before)", "int", required=True, lo=0, hi=720),
    Field("reminder_hours", "Reminders go out (hours before)", "int", required=True, lo=1, hi=336),
    Field("business_locale", "Language and formats of dates, times and money", "choice", required=True, choices=LOCALES),
    Field("currency", "Currency", "choice", required=True, choices=CURRENCIES),
)


def _admin(actor: Actor, what: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"Only admins can change {what}.")


def settings_values(session: Session) -> dict[str, str]:
    current = load_settings(session)
    return {f.name: str(getattr(current, f.name)) for f in SETTING_FIELDS}


def save_settings(session: Session, values: Mapping[str, Any], *, actor: Actor, now: datetime) -> Settings:
    _admin(actor, "settings")
    errors = FieldErrors()
    clean = {f.name: f.read(session, values, errors, "UTC") for f in SETTING_FIELDS}
    errors.raise_if_any("The settings were not saved; see the marked fields.")
    current = settings_values(session)
    rows = {s.key: s for s in session.scalars(select(Setting))}
    changes = {}
    for name, value in clean.items():
        text = str(value)
        if current[name] != text:
            changes[name] = (current[name], text)
        if name in rows:
            rows[name].value = text
        else:
            session.add(Setting(key=name, value=text))
    if changes:
        audit(session, actor=actor, now=now, kind="settings", object_id=None, action="updated", changes=changes)
    session.commit()
    return load_settings(session)


