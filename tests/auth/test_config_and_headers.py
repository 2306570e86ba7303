"""Every documented setting is read from the environment (and from text as in
instance/config.py); bad values stop the start; security headers, cookie flags,
trusted hosts and the proxy setting."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from app import create_app
from app.config import ROOT, SETTINGS, ConfigError
from app.domain import accounts
from app.domain.models import RateLimitCounter
from tests.web.helpers import submit
from tests.conftest import NOW

SAMPLES = {
    "DATABASE_URL": None,  # the test's own database, given through the environment
    "SECRET_KEY": ("from-env-secret", "from-env-secret"),
    "PUBLIC_URL": ("https://book.example.com/", "https://book.example.com"),
    "TRUSTED_HOSTS": ("portal.test, .example.com", ["portal.test", ".example.com"]),
    "PROXY_FIX": ("2", 2),
    "SECURE_COOKIES": ("off", False),
    "BUSINESS_NAME": ("Env & Co", "Env & Co"),
    "ACCOUNT_SLUG": ("Acme-Sandbox", "acme-sandbox"),
    "CALENDAR_UID_DOMAIN": ("Book.Example.com", "book.example.com"),
    "DEFAULT_TIMEZONE": ("Europe/Berlin", "Europe/Berlin"),
    "BUSINESS_LOCALE": ("de_DE", "de_DE"),
    "CURRENCY": ("EUR", "EUR"),
    "MAIL_BACKEND": ("smtp", "smtp"),
    "MAIL_DIR": None,
    "NOW": ("2026-11-24T09:30:00+01:00", datetime(2026, 11, 24, 8, 30, tzinfo=UTC)),
    "MAIL_SERVER": ("smtp.example.com", "smtp.example.com"),
    "MAIL_PORT": ("2525", 2525),
    "MAIL_USERNAME": ("mailer", "mailer"),
    "MAIL_PASSWORD": ("s3cret", "s3cret"),
    "MAIL_USE_TLS": ("yes", True),
    "MAIL_FROM": ("hello@example.com", "hello@example.com"),
    "SLOT_INTERVAL_MINUTES": ("15", 15),
    "BOOKING_HORIZON_WEEKS": ("8", 8),
    "CANCELLATION_CUTOFF_HOURS": ("12", 12),
    "REMINDER_HOURS": ("6", 6),
    "SMS_REMINDER_HOURS": ("3", 3),
    "SMS_BACKEND": ("twilio", "twilio"),
    "SMS_DIR": None,
    "SMS_FROM": ("+12015550100", "+12015550100"),
    "TWILIO_ACCOUNT_SID": ("AC0123", "AC0123"),
    "TWILIO_AUTH_TOKEN": ("token", "token"),
    "TWILIO_API_URL": ("http://127.0.0.1:9/", "http://127.0.0.1:9"),
    "PHONE_REGION": ("de", "DE"),
    "OUTBOX_WORKER": ("0", False),
    "WEBHOOKS_ALLOW_PRIVATE": ("on", True),
    "OFFICE_EMAIL": ("office@example.com", "office@example.com"),
    "MAX_CONTENT_LENGTH": ("1048576", 1048576),
    "MAX_FORM_PARTS": ("500", 500),
    "REGISTER_RATE_LIMIT": ("2 per hour", "2 per hour"),
    "REGISTER_TOTAL_RATE_LIMIT": ("20 per hour", "20 per hour"),
    "CACHE_URL": ("memory://", "memory://"),
    "WORKER_INTERVAL_SECONDS": ("0.5", 0.5),
    "DELIVERY_TIMEOUT_SECONDS": ("4", 4.0),
    "DATABASE_LOCK_TIMEOUT_SECONDS": ("1.5", 1.5),
    "DATABASE_STATEMENT_TIMEOUT_SECONDS": ("10", 10.0),
    "API_RATE_LIMIT": ("100 per minute", "100 per minute"),
    "PUBLIC_API_READS": ("off", False),
    "PUBLIC_API_RATE_LIMIT": ("30 per minute", "30 per minute"),
    "LOGIN_RATE_LIMIT": ("7/minute", "7/minute"),
    "LOGIN_ACCOUNT_RATE_LIMIT": ("9 per hour", "9 per hour"),
    "PASSWORD_RESET_RATE_LIMIT": ("4 per hour", "4 per hour"),
    "PASSWORD_RESET_EMAIL_RATE_LIMIT": ("2 per hour", "2 per hour"),
    "CODE_CHECK_RATE_LIMIT": ("5 per hour", "5 per hour"),
    "AUTH_FAILURE_RATE_LIMIT": ("11 per minute", "11 per minute"),
    "RATELIMIT_STORAGE_URI": ("memory://", "memory://"),
    "STRIPE_SECRET_KEY": ("sk_test_env", "sk_test_env"),
    "STRIPE_PUBLISHABLE_KEY": ("pk_test_env", "pk_test_env"),
    "STRIPE_WEBHOOK_SECRET": ("whsec_env", "whsec_env"),
    "STRIPE_API_BASE": ("http://127.0.0.1:8420/", "http://127.0.0.1:8420"),
    "STRIPE_JS_URL": ("http://127.0.0.1:8420/js.stripe.com/v3/", "http://127.0.0.1:8420/js.stripe.com/v3/"),
    "PAYMENT_HOLD_MINUTES": ("20", 20),
}


def readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {name for line in table.splitlines() if line.startswith("| `") for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])}


def test_the_readme_documents_exactly_the_settings_that_are_read():
    assert readme_settings() == {s.name for s in SETTINGS}
    assert set(SAMPLES) == {s.name for s in SETTINGS}


def app_with_env(monkeypatch, config, name, raw):
    monkeypatch.setenv(name, raw)
    application = create_app({k: v for k, v in config.items() if k != name})
    application.extensions["engine"].dispose()
    return application


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_setting_is_read_from_the_environment(monkeypatch, config, tmp_path, name):
    raw, expected = SAMPLES[name] or (None, None)
    if name == "DATABASE_URL":
        raw = expected = config["DATABASE_URL"]
    if name in ("MAIL_DIR", "SMS_DIR"):
        raw = expected = str(tmp_path / "env-dir")
    application = app_with_env(monkeypatch, config, name, raw)
    value = application.config[name]
    assert value == expected or value == expected.replace("postgresql://", "postgresql+psycopg://")


@pytest.mark.parametrize(("name", "raw"), [("MAIL_PORT", "²5"), ("API_RATE_LIMIT", "lots"), ("OUTBOX_WORKER", "maybe"),
                                           ("PUBLIC_URL", "book.example.com"), ("PROXY_FIX", "-1"),
                                           ("NOW", "2026-11-24 09:30")])
def test_a_bad_value_in_the_environment_stops_the_start_naming_it(monkeypatch, config, name, raw):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError, match=name):
        create_app(config)


def test_settings_written_as_text_in_the_config_file_are_read_the_same_way(config):
    application = create_app(config | {"MAIL_PORT": "2525", "TRUSTED_HOSTS": "portal.test", "SECURE_COOKIES": "on"})
    assert application.config["MAIL_PORT"] == 2525 and application.config["TRUSTED_HOSTS"] == ["portal.test"]
    assert application.config["SESSION_COOKIE_SECURE"] is True
    application.extensions["engine"].dispose()


def test_settings_in_instance_config_py_work_and_the_environment_wins(monkeypatch, config, tmp_path, session):
    from app import config as config_module

    (tmp_path / "config.py").write_text('API_RATE_LIMIT = "2 per minute"\nTRUSTED_HOSTS = "portal.test"\nMAIL_PORT = "2525"\n'
                                        'BUSINESS_NAME = "From the file"\n')
    monkeypatch.setattr(config_module, "INSTANCE", tmp_path)
    monkeypatch.setenv("BUSINESS_NAME", "From the environment")
    application = create_app(config)
    assert application.config["MAIL_PORT"] == 2525 and application.config["TRUSTED_HOSTS"] == ["portal.test"]
    assert application.config["BUSINESS_NAME"] == "From the environment"
    client = application.test_client()
    _, key = accounts.create_api_key(session, name="k", scope="read", now=NOW)
    assert [client.get("/api/v1/services", headers={"X-API-Key": key}).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    application.extensions["engine"].dispose()


def test_rate_limits_from_the_environment_are_enforced(monkeypatch, config, session):
    monkeypatch.setenv("API_RATE_LIMIT", "2 per minute")
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "1 per minute")
    application = create_app(config)
    client = application.test_client()
    _, key = accounts.create_api_key(session, name="k", scope="read", now=NOW)
    assert [client.get("/api/v1/services", headers={"X-API-Key": key}).status_code for _ in range(3)] == [200, 200, 429]
    logins = [client.post("/api/v1/login", json={"email": "x@example.com", "password": "nope-nope"}).status_code for _ in range(2)]
    assert logins == [401, 429]
    application.extensions["engine"].dispose()


def test_the_rate_limit_storage_comes_from_the_environment(monkeypatch, config, session):
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    application = create_app(config)
    application.test_client().get("/api/v1/services")
    assert session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0  # counted in memory, not in the database
    application.extensions["engine"].dispose()


# --- headers and cookies ----------------------------------------------------------------

def login(client, session, remember=True):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    return submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse", "remember": "y"} if remember else
                  {"email": "casey@example.com", "password": "correct-horse"})


def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for part in ("script-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'"):
        assert part in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "no-store" not in response.headers.get("Cache-Control", "")  # public pages may be cached


def test_signed_in_pages_and_credentialed_api_answers_are_not_stored(client, session):
    login(client, session)
    assert client.get("/profile").headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"
    _, key = accounts.create_api_key(session, name="k", scope="read", now=NOW)
    assert client.get("/api/v1/services", headers={"X-API-Key": key}).headers["Cache-Control"] == "no-store"


def cookie_headers(response):
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_session_and_remember_cookies_are_lax_and_http_only(client, session):
    cookies = cookie_headers(login(client, session))
    for name in ("session", "remember_token"):
        assert "SameSite=Lax" in cookies[name] and "HttpOnly" in cookies[name]
        assert "Secure" not in cookies[name]  # testing over http


@pytest.mark.parametrize(("extra", "secure"), [
    ({"TESTING": False, "PUBLIC_URL": "https://book.example.com"}, True),
    ({"TESTING": False}, True),
    ({"TESTING": False, "PUBLIC_URL": "http://127.0.0.1:5000"}, False),
    ({"SECURE_COOKIES": True}, True),
])
def test_cookies_are_secure_unless_served_over_plain_http(config, session, extra, secure):
    application = create_app(config | extra)
    cookies = cookie_headers(login(application.test_client(), session))
    for name in ("session", "remember_token"):
        assert ("Secure" in cookies[name]) is secure
    application.extensions["engine"].dispose()


def test_requests_for_another_host_are_refused(config):
    application = create_app(config | {"TRUSTED_HOSTS": ["portal.test"]})
    client = application.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    assert client.post("/forgot-password", data={"email": "a@example.com"}, headers={"Host": "attacker.example"}).status_code == 400
    application.extensions["engine"].dispose()


def test_forwarded_addresses_count_only_behind_a_configured_proxy(config, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", now=NOW)
    for proxies, expected in ((0, 429), (1, 422)):
        application = create_app(config | {"PROXY_FIX": proxies, "LOGIN_RATE_LIMIT": "1 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "50 per minute"})
        client = application.test_client()
        first = submit(client, "/login", {"email": "casey@example.com", "password": "wrong-one"}, headers={"X-Forwarded-For": "203.0.113.1"})
        assert first.status_code == 422
        # Another client behind the proxy: its own budget only when the proxy is trusted.
        second = submit(client, "/login", {"email": "casey@example.com", "password": "wrong-two"}, headers={"X-Forwarded-For": "203.0.113.2"})
        assert second.status_code == expected
        session.execute(delete(RateLimitCounter))
        session.commit()
        application.extensions["engine"].dispose()


def test_templates_have_no_inline_scripts_or_handlers():
    for path in Path(ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+\s*=|hx-on|javascript:", text), path
