"""Business settings: defaults from configuration, overridden by rows an admin saved."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .cache import cached, versions
from .models import Setting


@dataclass(frozen=True)
class Settings:
    business_name: str = "Sparkle & Fix"
    default_timezone: str = "America/New_York"
    slot_interval_minutes: int = 30
    horizon_weeks: int = 12
    cancellation_cutoff_hours: int = 24
    reminder_hours: int = 24
    # Text reminders go out this long before the start (a text is read at once: later than e-mail).
    sms_reminder_hours: int = 2
    # Where a phone number without its country code is from, when its location has no country.
    phone_region: str = "US"
    # How dates, times and amounts are written (a Babel locale) and the money they are in.
    business_locale: str = "en_US"
    currency: str = "USD"
    # Where the office's copy of each booking message goes ("" for none).
    office_email: str = ""
    # The account's short name (Launch27's subdomain), sent as `affilation`.
    account_slug: str = "sparkle-and-fix"
    # After the @ of every calendar UID; never derived from the display name, which may
    # change (and hold characters a UID should not).
    calendar_uid_domain: str = "booking-portal.local"

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Settings:
        known = {f.name: f.type for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for name in known:
            if name in values and values[name] is not None:
                default = getattr(cls, name)
                kwargs[name] = int(values[name]) if isinstance(default, int) else str(values[name])
        return cls(**kwargs)


def load_settings(session: Session) -> Settings:
    """The settings in force, from the cache while the catalog version matches."""
    version = versions(session).catalog
    return cached(session, ("settings", version), lambda: read_settings(session))


def read_settings(session: Session) -> Settings:
    """The settings in force: the session's configured defaults, then saved rows."""
    base: Settings = session.info.get("settings_defaults") or Settings()
    rows = {s.key: s.value for s in session.scalars(select(Setting))}
    if not rows:
        return base
    merged = {f.name: getattr(base, f.name) for f in fields(Settings)} | rows
    return replace(base, **Settings.from_mapping(merged).__dict__)


# The locales and currencies admins may choose (Babel formats any of them; the lists keep
# the choice short and known-good). Their names for people are the back office's.
LOCALES = (
    "en_US", "en_GB", "en_CA", "en_AU", "en_IE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA", "es_ES", "es_MX",
    "it_IT", "nl_NL", "pt_PT", "pt_BR", "sv_SE", "da_DK", "pl_PL",
)
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "SEK", "DKK", "NOK", "PLN", "MXN", "BRL", "NZD")
