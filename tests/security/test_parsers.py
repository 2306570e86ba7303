"""The strict parsers against the hostile corpus and against anything Hypothesis can
make: each returns a typed value or raises BadValue, never anything else."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import FieldErrors
from app.domain.validation import (
    LAST_DATE,
    BadValue,
    as_id,
    bad_strings,
    id_or_none,
    parse_date,
    parse_email,
    parse_id,
    parse_instant,
    parse_int,
    parse_local_datetime,
    parse_money,
    parse_text,
    parse_time,
)

from .corpus import JSON_CORPUS

PARSERS = [parse_int, parse_id, parse_date, parse_time, parse_instant, parse_local_datetime, parse_money, parse_text, parse_email]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("value", JSON_CORPUS, ids=repr)
def test_every_parser_refuses_or_accepts_the_corpus_without_crashing(parse, value):
    try:
        parse(value)
    except BadValue as exc:
        assert str(exc)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
@settings(max_examples=150, deadline=None, database=None, derandomize=True)
@given(value=JSON_VALUES)
def test_every_parser_refuses_or_accepts_anything_without_crashing(parse, value):
    try:
        parse(value)
    except BadValue:
        pass


@pytest.mark.parametrize("text", ["²", "①", "٣", "--1", "+-1", "1e3", "0x10", "1.5", "1_000", "", " ", "\x00", "\ud800", "9" * 40])
def test_ids_are_ascii_digits_in_range(text):
    with pytest.raises(BadValue):
        parse_id(text)
    assert id_or_none(text) is None


@pytest.mark.parametrize(("text", "number"), [("1", 1), (" 7 ", 7), (str(2**31 - 1), 2**31 - 1), (42, 42)])
def test_ids_that_are_ids(text, number):
    assert parse_id(text) == number


def test_ids_refuse_zero_negative_too_large_and_booleans():
    for value in ("0", "-0", "-1", str(2**31), 2**31, True, 1.0, None, [], {}):
        errors = FieldErrors()
        assert as_id(errors, "agent_id", value) is None
        assert errors.errors["agent_id"]


def test_integers_refuse_beyond_what_the_databases_store():
    assert parse_int("-5", lo=-10) == -5
    for value in (2**63, -(2**63), "9" * 19 + "0"):
        with pytest.raises(BadValue):
            parse_int(value)


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01", "2026-02-30", "2026-13-01", "20261201",
                                  "2026-1-1", "٢٠٢٦-١٢-٠١", "2026-12-01T10:00"])
def test_dates_outside_the_sane_range_or_form_are_refused(text):
    with pytest.raises(BadValue):
        parse_date(text)


def test_a_date_in_range_survives_a_year_of_arithmetic_either_way():
    for text in ("1900-01-01", "2200-12-31"):
        day = parse_date(text)
        assert day + timedelta(days=366) > day - timedelta(days=366)
    assert parse_date(" 2026-12-01 ") == date(2026, 12, 1)


@pytest.mark.parametrize("text", ["24:00", "9:00", "10:7", "10:07:00", "١٠:٠٠", "25:61", ""])
def test_times_are_hh_mm(text):
    with pytest.raises(BadValue):
        parse_time(text)


def test_times_and_instants_that_are_right():
    assert parse_time("10:07") == time(10, 7)
    assert parse_instant("2026-12-01T09:00:00-05:00") == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert parse_instant("2026-12-01T14:00:00Z") == datetime(2026, 12, 1, 14, tzinfo=UTC)
    for text in ("2026-12-01T09:00:00", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "2026-12-01"):
        with pytest.raises(BadValue):
            parse_instant(text)


@pytest.mark.parametrize("value", ["1e3", "NaN", "Infinity", "²", "1,5", "0x10", 1e308, float("nan"), "1.005", True, None, "-1"])
def test_money_is_plain_decimal_with_two_places(value):
    with pytest.raises(BadValue):
        parse_money(value)


def test_money_that_is_right():
    assert parse_money("12.5") == Decimal("12.50")
    assert parse_money(7) == Decimal("7.00")
    assert parse_money(" 0.10 ") == Decimal("0.10")


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\x1by", "x\x7f"])
def test_text_the_database_cannot_store_is_refused(text):
    with pytest.raises(BadValue):
        parse_text(text)


def test_text_keeps_tabs_and_line_breaks_unless_single_line():
    assert parse_text("  two\nlines\tand a tab ") == "two\nlines\tand a tab"
    with pytest.raises(BadValue):
        parse_text("two\nlines", single_line=True)
    with pytest.raises(BadValue):
        parse_text("x" * 101, max_length=100)


@pytest.mark.parametrize("text", ["nl@example.com\r\nbcc:x@evil.example", "jo@example.com\n", "jo@@example.com", "jo@example",
                                  "Jo <jo@example.com>", "a" * 65 + "@example.com", "jo@" + "a" * 250 + ".com", "jö@example.com",
                                  "jo@example..com", "jo@localhost", "jo@x.test", "jo\x00@example.com"])
def test_bad_email_addresses_are_refused(text):
    with pytest.raises(BadValue):
        parse_email(text)


def test_email_addresses_are_normalised():
    assert parse_email(" Jo.Doe@Example.COM ") == "jo.doe@example.com"
    assert parse_email("jo@exämple.com") == "jo@xn--exmple-cua.com"
    assert parse_email("", required=False) == ""


def test_bad_strings_names_every_path_in_a_json_document():
    document = {"notes": "a\x00b", "customer": {"email": "ok@example.com", "first_name": "\ud800"}, "items": ["fine", "x\x01"],
                "k\x00": 1}
    assert set(bad_strings(document)) == {"notes", "customer.first_name", "items[1]", "k\x00"}


def test_the_last_date_is_far_from_the_end_of_the_calendar():
    assert LAST_DATE + timedelta(days=365 * 100) < date.max
