"""Fixtures: one fresh, migrated database per test, on SQLite or PostgreSQL.

The suite runs on SQLite by default. With TEST_DATABASE_URL naming a PostgreSQL server
it runs there: a database of its own is created for the run (and dropped after), and
each test starts from empty tables.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from app import create_app
from app.cli import upgrade_database
from app.db import make_engine, make_session_factory
from app.domain.concurrency import drop_backstops, install_backstops
from app.domain.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")

# A Monday noon in New York; tests book relative to it.
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL ' + PG_URL if ON_POSTGRES else 'SQLite'}"


def _pg_admin_dsn(url: str, dbname: str = "postgres") -> str:
    base, _, _ = url.replace("postgresql+psycopg://", "postgresql://").rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a PostgreSQL database to reuse."""
    if ON_POSTGRES:
        name = f"booking_test_{os.getpid()}"
        with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        url = _pg_admin_dsn(PG_URL, name).replace("postgresql://", "postgresql+psycopg://")
        upgrade_database(url)
        yield url
        with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade_database(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def db_url(template_db: str, tmp_path: Path) -> str:
    if ON_POSTGRES:
        engine = make_engine(template_db)
        with engine.begin() as conn:
            _empty_tables(conn)
        engine.dispose()
        return template_db
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(template_db, target)
    return f"sqlite:///{target}"


def _empty_tables(conn) -> None:
    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SERVER_NAME": "portal.test",
    }


@pytest.fixture
def app(config: dict[str, object]):
    application = create_app(config)
    yield application
    application.extensions["engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app) -> sessionmaker[Session]:
    return app.extensions["session_factory"]


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as s:
        yield s


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def without_backstops(app, session: Session) -> Iterator[None]:
    """Drop the database backstops for one test, and put them back after it."""
    engine = app.extensions["engine"]
    session.close()
    with engine.begin() as conn:
        drop_backstops(conn)
    yield
    # The DDL needs the tables to itself: end the test's own transaction first.
    session.close()
    with engine.begin() as conn:
        # What the unprotected test wrote breaks the rules the backstops enforce, and
        # PostgreSQL checks existing rows when a constraint is added: clear them first.
        if ON_POSTGRES:
            _empty_tables(conn)
        drop_backstops(conn)
        install_backstops(conn)


def unlocked_factory(app) -> sessionmaker[Session]:
    """Sessions whose write services skip the locks (test-only switch)."""
    return make_session_factory(app.extensions["engine"], {**app.config, "BOOKING_LOCKS": False})
