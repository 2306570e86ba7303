"""`flask --app app ...` commands. Each parses its options, calls the domain, prints a
result; bad input exits non-zero with a one-line reason."""
from __future__ import annotations

import signal
import threading
from datetime import datetime
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import clock
from .db import session_factory
from .domain import accounts, notifications
from .domain.errors import DomainError
from .domain.sms import queue_sms_reminders

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def _now() -> datetime:
    return clock.now()


def _fail(error: DomainError) -> click.ClickException:
    detail = "; ".join(f"{k}: {v}" for k, v in error.details.items()) if error.details else ""
    return click.ClickException(f"{error.message}{' (' + detail + ')' if detail else ''}")


db_cli = AppGroup("db", help="Database migrations.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations up to REVISION."""
    upgrade_database(current_app.config["DATABASE_URL"], revision)
    click.echo("Database is up to date.")


users_cli = AppGroup("users", help="People who log in.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["customer", "staff", "admin"]), default="customer", show_default=True)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
def users_create(email: str, password: str, role: str, first_name: str, last_name: str) -> None:
    """Create a user who can log in."""
    with session_factory()() as session:
        try:
            user = accounts.create_user(
                session, email=email, password=password, role=role, first_name=first_name, last_name=last_name, now=_now()
            )
        except DomainError as error:
            raise _fail(error) from None
        click.echo(f"Created {user.role} {user.email} (id {user.id}).")


api_keys_cli = AppGroup("api-keys", help="Keys for integrations.")


@api_keys_cli.command("create")
@click.option("--name", required=True)
@click.option("--scope", type=click.Choice(["read", "write", "admin"]), required=True)
def api_keys_create(name: str, scope: str) -> None:
    """Create an API key; the key is printed once, alone on the last line."""
    with session_factory()() as session:
        try:
            key, secret = accounts.create_api_key(session, name=name, scope=scope, now=_now())
        except DomainError as error:
            raise _fail(error) from None
        click.echo(f"Created {key.scope} key {key.name!r} (id {key.id}). It is shown only now:")
        click.echo(secret)


notifications_cli = AppGroup("notifications", help="The e-mail outbox.")


@notifications_cli.command("deliver")
@click.option("--limit", default=100, show_default=True)
def notifications_deliver(limit: int) -> None:
    """Send the messages that are due."""
    from .worker import deliver, deliver_sms

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    report = deliver(app, "email", _now, limit=limit)
    click.echo(f"sent {report.sent}, will retry {report.retried}, gave up on {report.failed}")
    hooks = deliver(app, "webhooks", _now, limit=limit)
    click.echo(f"webhooks: delivered {hooks.sent}, will retry {hooks.retried}, gave up on {hooks.failed}")
    texts = deliver_sms(app, _now)
    if texts is not None:
        click.echo(f"texts: sent {texts.sent}, will retry {texts.retried}, held for the morning {texts.held}, gave up on {texts.failed}")
    if report.failed or hooks.failed or (texts is not None and texts.failed):
        raise SystemExit(1)


@notifications_cli.command("send-reminders")
def notifications_send_reminders() -> None:
    """Queue reminders for bookings starting soon (each booking once)."""
    with session_factory()() as session:
        count = notifications.queue_reminders(session, now=_now())
        texts = queue_sms_reminders(session, now=_now())
    click.echo(f"queued {count} reminder(s)")
    click.echo(f"queued {texts} text reminder(s)")


@notifications_cli.command("work")
@click.option("--interval", type=float, default=None, help="Seconds between rounds [WORKER_INTERVAL_SECONDS, 5].")
def notifications_work(interval: float | None) -> None:
    """Deliver the outbox and queue reminders on a loop, until SIGTERM or Ctrl-C.

    Safe to run on several machines at once: every message is claimed in the database."""
    from .worker import run_worker

    stop = threading.Event()
    # End after the message in progress (given up if its receiver is still slow), then exit.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    config = current_app.config
    if not config.get("PUBLIC_URL") and not config.get("SERVER_NAME"):
        click.echo("Warning: neither PUBLIC_URL nor SERVER_NAME is set; e-mailed links will point at "
                   "http://127.0.0.1:5000.", err=True)
    click.echo("Notifications worker running; stop it with SIGTERM.")
    rounds = run_worker(current_app._get_current_object(), stop, interval=interval)  # type: ignore[attr-defined]
    click.echo(f"Notifications worker stopped after {rounds} round(s).")


payments_cli = AppGroup("payments", help="Card payments (Stripe).")


@payments_cli.command("reconcile")
@click.option("--limit", default=100, show_default=True, help="Unsettled payments looked at in one run.")
def payments_reconcile(limit: int) -> None:
    """Bring unsettled payments to what Stripe says (after a crash or a lost webhook),
    and release the slots of bookings whose payment did not arrive in time."""
    from .domain import payments
    from .transports.stripe import gateway_for

    stripe_gateway = gateway_for(current_app._get_current_object())  # type: ignore[attr-defined]
    if stripe_gateway is None:
        raise click.ClickException("Card payments are not set up (STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY).")
    with session_factory()() as session:
        changed = payments.reconcile(session, gateway=stripe_gateway, now=_now(), limit=limit)
        released = payments.release_expired_holds(session, now=_now(), limit=limit)
    click.echo(f"reconciled {changed} payment(s), released {released} expired hold(s)")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill the database with a demo business (once) and print the demo logins."""
    from .domain import demo

    with session_factory()() as session:
        created = demo.seed(session, now=_now())
    click.echo("Demo data created." if created else "Demo data was already there; nothing changed.")
    click.echo(demo.LOGINS_TEXT)


def init_app(app: Flask) -> None:
    for group in (db_cli, users_cli, api_keys_cli, notifications_cli, payments_cli):
        app.cli.add_command(group)
    app.cli.add_command(seed_demo)
