"""Locations (one default, an IANA zone, a country code) and agents (the login they use)."""
from __future__ import annotations

import pytest

from app.domain.models import Role, User
from tests import builders as b

from .helpers import refused, save

LOCATION = {"name": "Uptown", "timezone": "Europe/Berlin", "currency": "", "country": "de", "is_default": ""}


def test_a_location_is_saved_with_its_zone_and_country(session, now):
    loc = save(session, "locations", LOCATION, now)
    assert (loc.timezone, loc.currency, loc.country, loc.is_default) == ("Europe/Berlin", None, "DE", False)


def test_a_new_default_location_takes_the_default_from_the_old_one(session, now):
    old = b.location(session, is_default=True)
    session.commit()
    new = save(session, "locations", LOCATION | {"is_default": "1"}, now)
    session.refresh(old)
    assert (new.is_default, old.is_default) == (True, False)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("timezone", "Mars/Olympus", "Use a time zone name such as Europe/Berlin or America/New_York."),
    ("timezone", "", "This field is required."),
    ("currency", "XYZ", "Choose one of the options."),
    ("country", "XX", "Choose a country by its two-letter code, like US or DE."),
    ("email", "office@", "Enter a valid e-mail address."),
])
def test_a_location_with_a_bad_value_is_refused(session, now, field, value, message):
    assert refused(session, "locations", LOCATION | {field: value}, now) == {field: message}


def agent_login(session, role: str = Role.AGENT) -> User:
    user = User(email=f"{role}@example.com", role=role, first_name="Alex", last_name="Agent")
    session.add(user)
    session.commit()
    return user


def test_an_agent_logs_in_as_an_agent_account(session, now):
    user = agent_login(session)
    assert save(session, "agents", {"name": "Alex", "user_id": str(user.id)}, now).user_id == user.id


def test_an_agent_without_a_login_is_saved(session, now):
    assert save(session, "agents", {"name": "Alex", "user_id": ""}, now).user_id is None


@pytest.mark.parametrize("value", ["²", "1.0", "99999", "-1"])
def test_a_login_that_is_not_an_agent_account_is_refused(session, now, value):
    assert refused(session, "agents", {"name": "Alex", "user_id": value}, now) == {"user_id": "Choose an account with the role Agent."}


def test_a_staff_account_is_not_an_agent_login(session, now):
    user = agent_login(session, Role.STAFF)
    assert refused(session, "agents", {"name": "Alex", "user_id": str(user.id)}, now) == {"user_id": "Choose an account with the role Agent."}
