"""Configuration: defaults, then instance/config.py, then the environment, then what a
caller (a test) passes to create_app().

Every setting is one row of SETTINGS: its name, how its text is read, its default and
what it means. The defaults, the environment reading and the README's table all come
from that one list (a test checks the README against it), so a setting cannot be
documented without being read. A value in the environment that cannot be read stops
the start with a message naming the variable."""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(ValueError):
    """A setting's value cannot be used; the message names the setting."""


def _text(raw: str) -> str:
    return raw


def _int(raw: str) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdecimal()):
        raise ValueError("expected a whole number of 0 or more, like 30")
    return int(text)


def _bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected on or off (1/0, true/false, yes/no)")


def _float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError("expected a number of seconds, like 5 or 0.5") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError("expected a number of seconds, like 5 or 0.5")
    return value


def _auto_bool(raw: str) -> bool | None:
    return None if raw.strip().lower() == "auto" else _bool(raw)


def _rate(raw: str) -> str:
    try:
        parse_many(raw)
    except ValueError:
        raise ValueError('expected a rate limit like "10 per minute" or "5/minute;50/hour"') from None
    return raw


def _instant(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ValueError("expected an instant with its zone, like 2026-11-23T17:00:00+00:00")
    return value.astimezone(UTC)


def _hosts(raw: str) -> list[str]:
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    if not hosts:
        raise ValueError("expected host names separated by commas, like shop.example.com,.shop.example.com")
    return hosts


def _url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("expected the site's address, like https://book.example.com")
    return raw.strip().rstrip("/")


def _region(raw: str) -> str:
    text = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", text):
        raise ValueError("expected a two-letter country code, like US or DE")
    return text


def _script_url(raw: str) -> str:
    """A script's address, kept as written (Stripe.js's path ends in a slash)."""
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("expected a script's address, like http://127.0.0.1:8420/js.stripe.com/v3/")
    return raw.strip()


def _label(raw: str) -> str:
    text = raw.strip().lower()
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", text):
        raise ValueError("expected a short name of letters, digits and hyphens, like acme-cleaning")
    return text


def _domain(raw: str) -> str:
    text = raw.strip().lower()
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    if len(text) > 253 or not re.fullmatch(rf"{label}(?:\.{label})*", text):
        raise ValueError("expected a domain name, like book.example.com")
    return text


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    # A value, or a function of the instance folder for paths inside it.
    default: Any
    meaning: str


def _in_instance(*parts: str) -> Callable[[Path], str]:
    return lambda instance: str(instance.joinpath(*parts))


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", _text, lambda i: f"sqlite:///{i / 'portal.sqlite3'}",
            "SQLite (WAL) or `postgresql://user@host/db` (driven by psycopg 3)"),
    Setting("SECRET_KEY", _text, None, "signs sessions and CSRF tokens; generated once into `instance/secret_key` when unset"),
    Setting("PUBLIC_URL", _url, "", "the site's address as people reach it (`https://book.example.com`); links in e-mails are built from it"),
    Setting("TRUSTED_HOSTS", _hosts, None, "host names the site answers to, comma-separated (`.example.com` allows subdomains); other `Host` headers get 400"),
    Setting("PROXY_FIX", _int, 0, "how many reverse proxies (nginx, a load balancer) stand in front; their `X-Forwarded-For/-Proto/-Host` are then believed"),
    Setting("SECURE_COOKIES", _auto_bool, None,
            "session and remember cookies only over HTTPS; `auto`: on unless debugging, testing or `PUBLIC_URL` is `http://`"),
    Setting("BUSINESS_NAME", _text, "Sparkle & Fix", "shown on pages and in e-mails"),
    Setting("ACCOUNT_SLUG", _label, "sparkle-and-fix",
            "the account's short name (Launch27's subdomain): the `affilation` of a customer booking's `ga_transaction`"),
    Setting("CALENDAR_UID_DOMAIN", _domain, "booking-portal.local",
            "the part after `@` in every calendar event's UID (`booking-<code>@…`); set it once, e.g. to your domain, and keep it: calendars match events by UID"),
    Setting("DEFAULT_TIMEZONE", _text, "America/New_York", "for places without a location"),
    Setting("BUSINESS_LOCALE", _text, "en_US", "how dates, times and amounts are written (a Babel locale such as en_GB or de_DE)"),
    Setting("CURRENCY", _text, "USD", "the business's currency (ISO 4217); a location may charge in its own"),
    Setting("MAIL_BACKEND", _text, "file", "`file` writes `.eml` files to `MAIL_DIR`; `smtp` sends"),
    Setting("MAIL_DIR", _text, _in_instance("mail"), "where the `file` backend writes (default `instance/mail/`)"),
    Setting("MAIL_SERVER", _text, "localhost", "SMTP server"),
    Setting("MAIL_PORT", _int, 25, "SMTP port"),
    Setting("MAIL_USERNAME", _text, None, "SMTP login"),
    Setting("MAIL_PASSWORD", _text, None, "SMTP password"),
    Setting("MAIL_USE_TLS", _bool, False, "STARTTLS to the SMTP server"),
    Setting("MAIL_FROM", _text, "bookings@example.com", "sender address"),
    Setting("SLOT_INTERVAL_MINUTES", _int, 30, "the grid of offered start times"),
    Setting("BOOKING_HORIZON_WEEKS", _int, 12, "how far a recurring series is booked ahead"),
    Setting("CANCELLATION_CUTOFF_HOURS", _int, 24, "customers cancel/reschedule online until this long before the start"),
    Setting("REMINDER_HOURS", _int, 24, "reminders go out this long before the start"),
    Setting("SMS_REMINDER_HOURS", _int, 2, "text reminders go out this long before the start (to customers who asked for texts)"),
    Setting("SMS_BACKEND", _text, "file", "`file` writes each text to `SMS_DIR`; `twilio` sends through Twilio's Messages API; `off` sends none"),
    Setting("SMS_DIR", _text, _in_instance("sms"), "where the `file` SMS backend writes (default `instance/sms/`)"),
    Setting("SMS_FROM", _text, "", "the sender of texts: a Twilio phone number in E.164 (`+12015550123`) or a Messaging Service SID (`MG…`)"),
    Setting("TWILIO_ACCOUNT_SID", _text, "", "the Twilio account texts are sent from (`AC…`)"),
    Setting("TWILIO_AUTH_TOKEN", _text, "", "the account's auth token: signs requests to Twilio, and Twilio's status and reply webhooks are checked with it"),
    Setting("TWILIO_API_URL", _url, "https://api.twilio.com", "where Twilio's REST API is (tests point it at a loopback server)"),
    Setting("PHONE_REGION", _region, "US", "the country of phone numbers written without a country code, for locations without a country"),
    Setting("OUTBOX_WORKER", _bool, False, "deliver the outbox from a thread of the dev server (`make run` turns it on)"),
    Setting("OFFICE_EMAIL", _text, "", "the office's copy of each booking message (empty: none)"),
    Setting("WORKER_INTERVAL_SECONDS", _float, 5, "how long the notifications worker rests between rounds"),
    Setting("DATABASE_LOCK_TIMEOUT_SECONDS", _float, 3,
            "PostgreSQL: how long a write waits for another's row locks before it gives up (409/503, try again)"),
    Setting("DATABASE_STATEMENT_TIMEOUT_SECONDS", _float, 20,
            "PostgreSQL: the longest one statement of the web app may run; below gunicorn's 30 s worker timeout (0: no limit)"),
    Setting("DELIVERY_TIMEOUT_SECONDS", _float, 10,
            "the longest one e-mail or webhook delivery may take, connect to last byte; a receiver slower than that is retried later"),
    Setting("WEBHOOKS_ALLOW_PRIVATE", _bool, False,
            "let webhook endpoints be on loopback, link-local, private, multicast or reserved addresses (development and tests only)"),
    Setting("MAX_CONTENT_LENGTH", _int, 2 * 1024 * 1024, "requests with a larger body (in bytes) are refused with 413 before they are read"),
    Setting("MAX_FORM_PARTS", _int, 1000, "form fields (url-encoded or multipart) in one request; more are refused with 413 before they are read"),
    Setting("CACHE_URL", _text, None, "where cached settings and catalog live (see the Performance notes); unset: in each process"),
    Setting("API_RATE_LIMIT", _rate, "600 per minute", "API requests per key or bearer token (per address without one)"),
    Setting("PUBLIC_API_READS", _bool, True,
            "availability and the catalog can be read through the API without a key or token (an embedded booking widget), rate-limited per address"),
    Setting("PUBLIC_API_RATE_LIMIT", _rate, "120 per minute", "API reads without a key or token per client address (with `PUBLIC_API_READS`)"),
    Setting("LOGIN_RATE_LIMIT", _rate, "10 per minute", "API logins per client address; failed web logins per client address"),
    Setting("LOGIN_ACCOUNT_RATE_LIMIT", _rate, "10 per 15 minutes", "failed password attempts (web and API logins, the current password on the profile) per account from one address"),
    Setting("PASSWORD_RESET_RATE_LIMIT", _rate, "10 per hour", "forgotten-password requests per client address"),
    Setting("PASSWORD_RESET_EMAIL_RATE_LIMIT", _rate, "3 per hour", "reset e-mails per target address (more are silently not sent)"),
    Setting("REGISTER_RATE_LIMIT", _rate, "10 per hour", "new accounts (registration page and booking form) per client address"),
    Setting("REGISTER_TOTAL_RATE_LIMIT", _rate, "300 per hour", "new accounts from all addresses together"),
    Setting("CODE_CHECK_RATE_LIMIT", _rate, "10 per hour", "wrong discount or gift-card codes per customer (or staff user), and per client address, in price previews and bookings"),
    Setting("AUTH_FAILURE_RATE_LIMIT", _rate, "20 per minute", "API requests with an unknown API key or bearer token per client address"),
    Setting("NOW", _instant, None,
            "pins the app's clock (`app/clock.py`) to this instant, like `2026-11-23T17:00:00+00:00`: for tests and demos; unset, the machine's clock"),
    Setting("RATELIMIT_STORAGE_URI", _text, None, "where rate-limit counts live: the portal's database when unset, or `redis://…`"),
    Setting("STRIPE_SECRET_KEY", _text, None, "Stripe's secret key (`sk_…`): card payments are offered only when it and the publishable key are set"),
    Setting("STRIPE_PUBLISHABLE_KEY", _text, None, "Stripe's publishable key (`pk_…`), given to Stripe.js in the browser"),
    Setting("STRIPE_WEBHOOK_SECRET", _text, None, "the signing secret (`whsec_…`) of the endpoint `/stripe/webhook`; unset, Stripe's events are refused"),
    Setting("STRIPE_API_BASE", _url, None, "where the Stripe API is reached; unset: Stripe itself. For localstripe only (`http://127.0.0.1:8420`)"),
    Setting("STRIPE_JS_URL", _script_url, None, "where Stripe.js is loaded from; unset: `https://js.stripe.com/v3/`. For localstripe only (`http://127.0.0.1:8420/js.stripe.com/v3/`)"),
    Setting("PAYMENT_HOLD_MINUTES", _int, 15, "how long a booking waiting for its card payment (`payment_pending`) holds its slot before it is released"),
)

def defaults(instance_path: Path) -> dict[str, Any]:
    values = {s.name: s.default(instance_path) if callable(s.default) else s.default for s in SETTINGS}
    # Test-only: turn the booking locks off to show the race they prevent.
    values["BOOKING_LOCKS"] = True
    return values


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings given in the environment, read by their types. Raises ConfigError."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        if raw is None or raw == "":
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"The setting {setting.name}={raw!r} from the environment cannot be used: {exc}.") from None
    return values


def read_text_values(config: dict[str, Any]) -> None:
    """Settings written as text in instance/config.py (MAIL_PORT = "2525") are read as from
    the environment, so every layer gives the app the same types. Raises ConfigError."""
    for setting in SETTINGS:
        raw = config.get(setting.name)
        if setting.parse is _text or not isinstance(raw, str) or raw == "":
            continue  # text as it is; an empty value means unset, as in the environment
        try:
            config[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"The setting {setting.name}={raw!r} cannot be used: {exc}.") from None


def secure_cookies(config: dict[str, Any]) -> bool:
    """SECURE_COOKIES, or when it is auto: on unless debugging, testing or served over plain http."""
    chosen = config.get("SECURE_COOKIES")
    if chosen is not None:
        return bool(chosen)
    if config.get("DEBUG") or config.get("TESTING"):
        return False
    return not str(config.get("PUBLIC_URL") or "").startswith("http://")


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
