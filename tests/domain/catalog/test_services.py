"""Services: every value read by its reader, each refusal naming its field."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain import catalog
from app.domain.validation import MAX_DURATION, MIN_DURATION
from tests import builders as b

from .helpers import edit, last_audit, refused, save

VALID = {"name": "Deep clean", "description": "Top to bottom.\nEvery room.", "pricing_mode": "fixed", "price": "120.50",
         "duration_minutes": "90", "buffer_before_minutes": "0", "buffer_after_minutes": "15", "capacity": "1",
         "at_customer": "1", "min_notice_minutes": "60", "max_days_ahead": "365", "position": "0"}


def test_a_valid_service_is_saved_with_typed_values_and_audited(session, now):
    loc = b.location(session)
    session.commit()
    svc = save(session, "services", VALID | {"locations": [str(loc.id)]}, now)
    assert (svc.name, svc.price, svc.duration_minutes, svc.buffer_after_minutes, svc.at_customer) == (
        "Deep clean", Decimal("120.50"), 90, 15, True)
    assert [x.id for x in svc.locations] == [loc.id]
    event = last_audit(session)
    assert (event.object_kind, event.object_id, event.action) == ("services", svc.id, "created")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "This field is required."),
    ("name", "Deep\nclean", "Must be a single line."),
    ("price", "12.345", "Use at most two decimal places."),
    ("price", "-1", "Must be at least 0."),
    ("duration_minutes", str(MIN_DURATION - 1), f"Must be at least {MIN_DURATION}."),
    ("duration_minutes", str(MAX_DURATION + 1), f"Must be at most {MAX_DURATION}."),
    ("duration_minutes", "²", "Must be a whole number."),
    ("capacity", "0", "Must be at least 1."),
    ("buffer_before_minutes", "241", "Must be at most 240."),
    ("pricing_mode", "per_room", "Choose one of the options."),
    ("at_customer", "perhaps", "Must be true or false."),
    ("locations", ["999"], "Choose from the list."),
    ("locations", ["x"], "Choose from the list."),
    ("class_times", "10:00, 10:00", "10:00 is given twice."),
    ("class_times", "ten", "'ten' is not a time; write times as HH:MM, like 10:00, 18:00."),
])
def test_a_bad_value_is_refused_under_its_field_and_nothing_is_written(session, now, field, value, message):
    assert refused(session, "services", VALID | {field: value}, now) == {field: message}


def test_an_update_audits_only_what_changed(session, now):
    svc = save(session, "services", VALID, now)
    edit(session, "services", svc, {"price": "130.00"}, now)
    event = last_audit(session)
    assert (event.action, event.changes) == ("updated", {"price": ["120.50", "130.00"]})


def test_saving_an_unchanged_form_writes_no_audit_entry(session, now):
    svc = save(session, "services", VALID, now)
    before = last_audit(session).id
    edit(session, "services", svc, {}, now)
    assert last_audit(session).id == before


def test_a_new_form_starts_with_the_types_defaults(session):
    values = catalog.form_values(session, catalog.TYPES["services"], None)
    assert (values["pricing_mode"], values["duration_minutes"], values["capacity"], values["at_customer"]) == ("fixed", "60", "1", True)


def test_class_times_are_stored_sorted_in_one_form(session, now):
    svc = save(session, "services", VALID | {"capacity": "8", "class_times": "18:00 10:00"}, now)
    assert svc.class_times == "10:00, 18:00"
    edit(session, "services", svc, {"class_times": ""}, now)
    assert svc.class_times == ""
