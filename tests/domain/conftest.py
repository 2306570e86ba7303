"""Domain tests without a Flask app: the domain takes a Session and `now`, so its tests'
sessions come from the app's own session factory (app/db.py's make_session_factory: the
same flush and commit listeners, cache, locks and clock) built straight on the test's
database, with the settings an app would read, and no app is made for them.

A test that asks for `app` (it renders a template, runs the worker, or counts the
statements on the app's engine) gets that app's own factory instead, so one test never
holds two caches over one database."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app import config as config_module
from app.db import make_engine, make_session_factory


def domain_settings(config: dict[str, Any]) -> dict[str, Any]:
    """What create_app(config) would set: the defaults, then the environment, then the
    test's own values (no instance/config.py: the tests' apps never have one)."""
    settings = {**config_module.defaults(config_module.INSTANCE), **config_module.from_environment(), **config}
    settings["DATABASE_URL"] = config_module.normalise_database_url(settings["DATABASE_URL"])
    return settings


@pytest.fixture
def factory(request: pytest.FixtureRequest, config: dict[str, Any]) -> Iterator[sessionmaker[Session]]:
    if "app" in request.fixturenames:
        yield request.getfixturevalue("app").extensions["session_factory"]
        return
    settings = domain_settings(config)
    engine = make_engine(settings["DATABASE_URL"], statement_timeout=float(settings["DATABASE_STATEMENT_TIMEOUT_SECONDS"]))
    try:
        yield make_session_factory(engine, settings)
    finally:
        engine.dispose()
