"""The settings admins edit in the back office: which there are, how each is read, and
the one way to save them (admins only; every change is written to the audit log).
What the settings are and how they are loaded is `settings.py`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actor import Actor
from .audit import audit
from .catalog.values import Choice, Context, Int, Text, Timezone, Values, read_values, readers_of
from .errors import FieldErrors, Forbidden
from .models import Setting
from .settings import CURRENCIES, LOCALES, Settings, load_settings

SLOT_INTERVALS = (5, 10, 15, 20, 30, 60)  # minutes between start times


@dataclass(frozen=True)
class SettingsInput:
    business_name: Annotated[str, Text(required=True, max_length=120)]
    default_timezone: Annotated[str, Timezone(required=True)]
    slot_interval_minutes: Annotated[str, Choice(required=True, values=tuple(str(m) for m in SLOT_INTERVALS))]
    horizon_weeks: Annotated[int, Int(required=True, lo=1, hi=104)]  # recurring bookings are planned this far
    cancellation_cutoff_hours: Annotated[int, Int(required=True, lo=0, hi=720)]
    reminder_hours: Annotated[int, Int(required=True, lo=1, hi=336)]
    business_locale: Annotated[str, Choice(required=True, values=LOCALES)]
    currency: Annotated[str, Choice(required=True, values=CURRENCIES)]


SETTING_READERS = readers_of(SettingsInput)


def settings_values(session: Session) -> dict[str, str]:
    """The editable settings in force, as the form shows them."""
    current = load_settings(session)
    return {name: str(getattr(current, name)) for name in SETTING_READERS}


def save_settings(session: Session, values: Values, *, actor: Actor, now: datetime) -> Settings:
    """Save the editable settings; they override the configuration. Raises Forbidden
    (admins only) or ValidationFailed; nothing is written then."""
    if not actor.is_admin:
        raise Forbidden("Only admins can change settings.")
    errors = FieldErrors()
    clean = read_values(Context(session, "UTC"), SETTING_READERS, values, errors)
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
