"""The settings admins edit: admins only, each value read strictly, changes audited."""
from __future__ import annotations

import pytest

from app.domain import business_settings
from app.domain.audit import recent_changes
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.settings import load_settings
from tests import builders as b


def test_an_admin_saves_the_settings_and_the_change_is_audited(session, now):
    values = business_settings.settings_values(session) | {"slot_interval_minutes": "15", "currency": "EUR"}
    saved = business_settings.save_settings(session, values, actor=b.ADMIN, now=now)
    assert (saved.slot_interval_minutes, saved.currency) == (15, "EUR")
    assert recent_changes(session, "settings", None)[0].changes["currency"] == ["USD", "EUR"]


def test_staff_may_not_change_the_settings(session, now):
    with pytest.raises(Forbidden):
        business_settings.save_settings(session, business_settings.settings_values(session), actor=b.STAFF, now=now)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("slot_interval_minutes", "7", "Choose one of the options."),
    ("horizon_weeks", "105", "Must be at most 104."),
    ("default_timezone", "Europe/Atlantis", "Use a time zone name such as Europe/Berlin or America/New_York."),
    ("business_locale", "xx_XX", "Choose one of the options."),
])
def test_a_bad_setting_is_refused_and_nothing_changes(session, now, field, value, message):
    before = load_settings(session)
    with pytest.raises(ValidationFailed) as caught:
        business_settings.save_settings(session, business_settings.settings_values(session) | {field: value}, actor=b.ADMIN, now=now)
    assert caught.value.details == {field: message}
    session.rollback()
    assert load_settings(session) == before
