"""Fixtures: one fresh, migrated database per test, on SQLite or PostgreSQL.

The suite runs on SQLite by default. With TEST_DATABASE_URL naming a PostgreSQL server
it runs there: a database of its own is created for the run (named after the one in the
URL, and dropped after), and each test starts from empty tables. Tests marked
demo_business start from the demo business instead (seeded once per run, then copied).
Costs every test would pay again are cut: passwords are hashed with Argon2's cheapest
settings (the tests using real_password_hashing check the real ones), and URL builders
and templates are compiled once per run; see the notes below.
"""
from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from argon2 import PasswordHasher
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing.rules import Rule

from app import create_app
from app.cli import upgrade_database
from app.db import make_engine, make_session_factory
from app.domain import accounts, demo
from app.domain.concurrency import drop_backstops, install_backstops
from app.domain.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")

# A Monday noon in New York; tests book relative to it, and every app the tests make
# takes it as its clock (the `config` fixture), whatever the machine's date.
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)

# The day the tests book on: a Tuesday (as NOW is a Monday) 163 weeks and a day after
# NOW, which puts it in January, with New York on winter time (UTC-5), and far past any
# notice or horizon a test sets. DAY is it as the forms and the API write it; every other
# date a test names is counted from it (day_after), so no test names a year.
BOOKING_DAY: date = NOW.date() + timedelta(weeks=163, days=1)
DAY = BOOKING_DAY.isoformat()
assert BOOKING_DAY.weekday() == 1 and BOOKING_DAY.month == 1, "the tests count on a Tuesday in January"


def day_after(days: int) -> str:
    """The date `days` after BOOKING_DAY (before it when negative), as DAY is written."""
    return (BOOKING_DAY + timedelta(days=days)).isoformat()


def month_day(day: date) -> str:
    """A day as the pages write it without its year: "Jan 8"."""
    return f"{day:%b} {day.day}"


def short_date(day: date) -> str:
    """A day as the pages write it in a date and time: "Tue, Jan 8, 2030"."""
    return f"{day:%a}, {month_day(day)}, {day.year}"


def long_date(day: date) -> str:
    """A day as the pages write it in a sentence: "Tuesday, January 8, 2030"."""
    return f"{day:%A, %B} {day.day}, {day.year}"


# Argon2 as the app sets it up (64 MiB, 3 passes) is slow on purpose: the suite's ~900
# hashes and verifications took two of its minutes. Tests hash with the cheapest Argon2id
# settings instead; the tests that use the `real_password_hashing` fixture check the real
# ones (tests/auth/test_throttles.py).
REAL_HASHER = accounts._hasher
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", CHEAP_HASHER)
        patch.setattr(accounts, "_dummy_hash", None)
        yield


@pytest.fixture
def real_password_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """The app's own Argon2 settings for one test (and a dummy hash made with them)."""
    monkeypatch.setattr(accounts, "_hasher", REAL_HASHER)
    monkeypatch.setattr(accounts, "_dummy_hash", None)
    return REAL_HASHER


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {'PostgreSQL ' + PG_URL if ON_POSTGRES else 'SQLite'}"


# The PostgreSQL run repeats only what can differ by database. A test is marked
# db_independent, and left out of that run, when it never asks for a database (no db_url
# or template_db among its fixtures: parsers, the clock's AST check, configuration, the
# OpenAPI document), or when it is a browser test: the pages' SQL runs on PostgreSQL in
# the HTTP tests of tests/web and tests/api, and a browser adds no SQL of its own.
# Everything else runs on both, whatever its directory: the bad-input corpus stays, since
# PostgreSQL enforces VARCHAR lengths and refuses NUL where SQLite stores either, and so do
# the races, locks, constraints, migrations and sync cursors. `--postgres-all` runs every
# test on PostgreSQL as well.
DB_INDEPENDENT_DIRS = ("tests/e2e/",)
DATABASE_FIXTURES = {"db_url", "template_db"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--postgres-all", action="store_true",
                     help="on PostgreSQL, run the db_independent tests too (they are left out by default)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    independent = [item for item in items
                   if item.nodeid.startswith(DB_INDEPENDENT_DIRS) or not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    for item in independent:
        item.add_marker(pytest.mark.db_independent)
    if ON_POSTGRES and not config.getoption("--postgres-all") and independent:
        left_out = {id(item) for item in independent}
        config.hook.pytest_deselected(items=independent)
        items[:] = [item for item in items if id(item) not in left_out]


def _pg_admin_dsn(url: str, dbname: str = "postgres") -> str:
    base, _, _ = url.replace("postgresql+psycopg://", "postgresql://").rpartition("/")
    return f"{base}/{dbname}"


def _pg_url(name: str) -> str:
    return _pg_admin_dsn(PG_URL, name).replace("postgresql://", "postgresql+psycopg://")


def _create_pg_database(name: str, template: str | None = None) -> str:
    with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return _pg_url(name)


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The run's databases are named after the one in TEST_DATABASE_URL and this process, so
# runs with different names (or at once) never share one.
PG_PREFIX = f"{PG_URL.rpartition('/')[2].partition('?')[0] or 'booking_test'}_{os.getpid()}"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a PostgreSQL database to reuse."""
    if ON_POSTGRES:
        url = _create_pg_database(PG_PREFIX)
        try:
            upgrade_database(url)
            yield url
        finally:
            _drop_pg_database(PG_PREFIX)
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        upgrade_database(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, template_db: str, tmp_path: Path) -> str:
    """An empty migrated database of the test's own; with the demo_business mark, one
    holding the demo business instead."""
    if request.node.get_closest_marker("demo_business"):
        return request.getfixturevalue("demo_db_url")
    if ON_POSTGRES:
        engine = make_engine(template_db)
        with engine.begin() as conn:
            _empty_tables(conn)
        engine.dispose()
        return template_db
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(template_db, target)
    return f"sqlite:///{target}"


# Every used sequence back to its start, as TRUNCATE ... RESTART IDENTITY would.
_RESTART_SEQUENCES = """
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);
  END LOOP;
END $$"""


@pytest.fixture(scope="session")
def demo_template(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo business (app.domain.demo) seeded at NOW once for the run, for the tests
    that work on it: seeding takes seconds, a copy of it milliseconds."""
    if ON_POSTGRES:
        name = f"{PG_PREFIX}_demo"
        url = _create_pg_database(name)
    else:
        name = str(tmp_path_factory.mktemp("demo") / "demo.sqlite3")
        shutil.copyfile(template_db, name)
        url = f"sqlite:///{name}"
    try:
        if ON_POSTGRES:
            upgrade_database(url)
        seeder = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "SERVER_NAME": "portal.test", "NOW": NOW,
                             "MAIL_DIR": str(tmp_path_factory.mktemp("demo-mail"))})
        with seeder.extensions["session_factory"]() as session:
            assert demo.seed(session, now=NOW)
        seeder.extensions["engine"].dispose()
        yield name
    finally:
        if ON_POSTGRES:
            _drop_pg_database(name)


_copies = itertools.count()


@pytest.fixture
def demo_db_url(demo_template: str, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own holding the demo business (db_url's, for tests marked demo_business)."""
    if ON_POSTGRES:
        name = f"{demo_template}_{next(_copies)}"
        try:
            yield _create_pg_database(name, template=demo_template)
        finally:
            _drop_pg_database(name)
    else:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(demo_template, target)
        yield f"sqlite:///{target}"


def _empty_tables(conn) -> None:
    """Empty every table and restart the ids at 1. DELETE, children first, rather than
    TRUNCATE: on tables this small it is a few milliseconds instead of a fifth of a
    second (TRUNCATE makes new files for each of the ~40 tables), for every test."""
    for table in reversed(Base.metadata.sorted_tables):
        conn.execute(table.delete())
    conn.execute(text(_RESTART_SEQUENCES))


@pytest.fixture
def config(db_url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test-secret",
        "MAIL_DIR": str(tmp_path / "mail"),
        "SERVER_NAME": "portal.test",
        # Every app a test makes runs on the pinned clock (app/clock.py): pages, API,
        # CLI, worker and column defaults all take NOW, never the machine's date.
        "NOW": NOW,
    }


class _SharedTemplates(BytecodeCache):
    """Compiled templates kept in memory for the whole run: every test has an app of its
    own, and compiling the templates again for each cost up to ~0.3 s a test (all 58 of
    them). Jinja checks each template's source checksum before reusing its code."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _SharedTemplates()


def _memoise_url_builders() -> None:
    """Werkzeug compiles a URL builder (Python code, through ast and compile()) for each
    of the app's ~100 rules, twice: four fifths of create_app's time, for every test. The
    code depends only on the rule's text, its parsed parts and its defaults, so one
    compiled builder per rule serves every app of the run (each binds it to its own
    Rule). Without the private method (another werkzeug) nothing is changed."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    compiled: dict[tuple, object] = {}

    def cached(self: Rule, append_unknown: bool = True):
        converters = tuple((name, type(c), getattr(c, "regex", None)) for name, c in sorted(self._converters.items()))
        key = (append_unknown, self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), converters)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = cached


_memoise_url_builders()


@pytest.fixture
def app(config: dict[str, object]):
    application = create_app(config)
    application.jinja_env.bytecode_cache = TEMPLATES
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
