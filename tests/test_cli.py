"""The `flask --app app` commands, run as a person or a script would."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.domain import accounts
from app.domain.models import (
    Agent,
    ApiKey,
    Booking,
    CustomField,
    DiscountCode,
    Frequency,
    Location,
    Role,
    Service,
    User,
)
from app.domain.booking import create_booking
from tests import builders as b
from tests.conftest import NOW
from tests.security.corpus import BAD_EMAIL

ROOT = Path(__file__).resolve().parent.parent


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_makes_a_user_who_can_log_in(app, session):
    result = run(app, "users", "create", "--email", "Ada@Example.com", "--password", "s3cret-pass", "--role", "admin", "--first-name", "Ada")
    assert result.exit_code == 0, result.output
    user = accounts.find_user_by_email(session, "ada@example.com")
    assert user.role == Role.ADMIN and accounts.verify_password(user, "s3cret-pass")
    assert not accounts.verify_password(user, "wrong-pass")


def test_users_create_refuses_a_taken_email_or_a_short_password_in_one_line(app):
    assert run(app, "users", "create", "--email", "a@example.com", "--password", "long-enough").exit_code == 0
    again = run(app, "users", "create", "--email", "A@example.com", "--password", "long-enough")
    assert again.exit_code != 0 and "already exists" in again.output
    assert len(again.output.strip().splitlines()) == 1
    short = run(app, "users", "create", "--email", "b@example.com", "--password", "short")
    assert short.exit_code != 0 and "at least 8" in short.output
    bad_role = run(app, "users", "create", "--email", "c@example.com", "--password", "long-enough", "--role", "boss")
    assert bad_role.exit_code != 0


def test_api_keys_create_prints_the_key_alone_on_the_last_line(app, session):
    result = run(app, "api-keys", "create", "--name", "Importer", "--scope", "write")
    assert result.exit_code == 0
    secret = result.output.strip().splitlines()[-1]
    assert " " not in secret and len(secret) > 30
    key = accounts.authenticate_api_key(session, secret, now=NOW)
    assert key is not None and key.scope == "write"
    stored = session.get(ApiKey, key.id)
    assert stored is not None and secret not in (stored.key_hash, stored.prefix)
    assert run(app, "api-keys", "create", "--name", "X", "--scope", "owner").exit_code != 0
    assert run(app, "api-keys", "create", "--name", " ", "--scope", "read").exit_code != 0


def test_seed_demo_builds_a_believable_business_once(app, session):
    result = run(app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output and "password" in result.output
    count = lambda model: session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Location) == 2
    assert len({loc.timezone for loc in session.scalars(select(Location))}) == 2
    assert count(Service) == 8 and session.scalar(select(func.count()).where(Service.pricing_mode == "hourly")) >= 2
    assert {f.field_type for f in session.scalars(select(CustomField))} == {
        "single_line", "multi_line", "date", "datetime", "checkbox", "radio", "dropdown", "checkboxes"}
    assert count(Frequency) == 4 and count(Agent) == 6
    assert {c.kind for c in session.scalars(select(DiscountCode))} == {"discount", "giftcard", "reward"}
    assert session.scalar(select(func.count()).where(User.role == "customer")) == 20
    statuses = dict(session.execute(select(Booking.status, func.count()).group_by(Booking.status)).all())
    assert set(statuses) == {"pending", "approved", "cancelled", "completed", "no_show"}
    assert sum(statuses.values()) >= 200
    before = count(Booking)
    again = run(app, "seed-demo")
    assert again.exit_code == 0 and "already there" in again.output
    assert count(Booking) == before


def test_notifications_commands_queue_reminders_and_deliver_to_files(app, session, tmp_path):
    """The commands run on the app's clock (pinned at NOW), so the booking is placed two hours after it."""
    loc = b.location(session, "Etc/UTC")
    svc = b.service(session, loc)
    b.agent(session, [svc], loc, hours={d: [("00:00", "23:30")] for d in range(7)})
    session.commit()
    start = NOW + timedelta(hours=2)
    booking = create_booking(session, b.request(svc.id, start, send_notifications=False), actor=b.STAFF, now=NOW).booking
    result = run(app, "notifications", "send-reminders")
    assert result.exit_code == 0 and "queued 1 reminder" in result.output
    assert run(app, "notifications", "send-reminders").output.startswith("queued 0")
    delivered = run(app, "notifications", "deliver")
    assert delivered.exit_code == 0 and delivered.output.startswith("sent 1,")
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1 and booking.booking_code in files[0].read_text()


def test_db_upgrade_creates_the_schema_from_nothing(tmp_path):
    """Run as a person would, in a subprocess, against an empty SQLite file (the
    PostgreSQL schema is built by the same migrations for every PostgreSQL test run)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(tmp_path / "fresh.sqlite3").execute("select name from sqlite_master")}
    assert {"bookings", "outbox", "tr_bookings_no_overlap_insert"} <= tables


def test_the_cli_refuses_a_bad_address(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", BAD_EMAIL, "--password", "long-enough", "--role", "customer"])
    assert result.exit_code != 0
    assert "e-mail" in result.output.lower()
