"""Pricing parameters (the quantity range), extras and frequencies."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests import builders as b

from .helpers import refused, save

PARAMETER = {"name": "Bedrooms", "price": "15", "minutes": "20", "min_quantity": "1", "max_quantity": "6"}
EXTRA = {"name": "Inside the fridge", "price": "25", "minutes": "30", "max_quantity": "3", "recurring": ""}
FREQUENCY = {"name": "Every other week", "interval_unit": "week", "interval_count": "2", "discount_percent": "7.5", "position": "1"}


def test_a_parameter_with_its_range_is_saved(session, now):
    svc = b.service(session)
    session.commit()
    saved = save(session, "parameters", PARAMETER | {"services": [str(svc.id)]}, now)
    assert (saved.min_quantity, saved.max_quantity, [s.id for s in saved.services]) == (1, 6, [svc.id])


def test_a_range_of_one_quantity_is_allowed(session, now):
    assert save(session, "parameters", PARAMETER | {"min_quantity": "4", "max_quantity": "4"}, now).max_quantity == 4


def test_a_most_below_the_least_is_refused_on_the_most(session, now):
    assert refused(session, "parameters", PARAMETER | {"min_quantity": "7"}, now) == {"max_quantity": "Must be at least the minimum."}


def test_a_quantity_past_the_limit_is_refused(session, now):
    assert refused(session, "parameters", PARAMETER | {"max_quantity": "250001"}, now) == {"max_quantity": "Must be at most 250000."}


def test_an_extra_unticked_as_recurring_is_saved_as_not_recurring(session, now):
    saved = save(session, "extras", EXTRA, now)
    assert (saved.recurring, saved.max_quantity, saved.price) == (False, 3, Decimal("25.00"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("max_quantity", "0", "Must be at least 1."),
    ("max_quantity", "101", "Must be at most 100."),
    ("minutes", "1441", "Must be at most 1440."),
    ("services", ["0"], "Choose from the list."),
])
def test_an_extra_with_a_bad_value_is_refused(session, now, field, value, message):
    assert refused(session, "extras", EXTRA | {field: value}, now) == {field: message}


def test_a_frequency_is_saved_with_its_discount(session, now):
    saved = save(session, "frequencies", FREQUENCY, now)
    assert (saved.interval_unit, saved.interval_count, saved.discount_percent) == ("week", 2, Decimal("7.50"))


def test_a_frequency_that_does_not_repeat_stores_no_unit(session, now):
    assert save(session, "frequencies", FREQUENCY | {"interval_unit": ""}, now).interval_unit is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("interval_unit", "fortnight", "Choose one of the options."),
    ("interval_count", "53", "Must be at most 52."),
    ("discount_percent", "100.01", "Must be at most 100."),
])
def test_a_frequency_with_a_bad_value_is_refused(session, now, field, value, message):
    assert refused(session, "frequencies", FREQUENCY | {field: value}, now) == {field: message}
