"""The one phone parser (pages, API, bulk and back office call it) and the segment
arithmetic of texts, with how many segments each template takes."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.domain.links import sign_booking_link
from app.domain.phones import national, parse_phone, segments
from app.domain.validation import BadValue
from app.sms import TEMPLATES, render_text, when_text
from tests.conftest import NOW


@pytest.mark.parametrize(("typed", "region", "stored"), [
    ("(201) 555-0123", "US", "+12015550123"),
    ("201.555.0123", "US", "+12015550123"),
    ("+1 201 555 0123", "DE", "+12015550123"),
    ("0151 23456789", "DE", "+4915123456789"),
    ("+49 151 23456789", "US", "+4915123456789"),
    ("  +1-201-555-0123  ", "US", "+12015550123"),
    ("", "US", ""),
    (None, "US", ""),
])
def test_numbers_are_stored_in_e164(typed, region, stored):
    assert parse_phone(typed, region=region) == stored


@pytest.mark.parametrize(("typed", "message"), [
    ("555-0100", "not a valid phone number"),                 # seven digits: no area code
    ("462-485-0790", "not a valid phone number"),             # 462 is no North American area code
    ("+49 30 5550 1234", "cannot receive text messages"),     # a Berlin landline
    ("+1 800 555 0199", "cannot receive text messages"),      # toll-free
    ("call me", "Enter a phone number"),
    ("²01 555 0123", "not a valid phone number"),
    ("+1 201 555 0123\n+1 201 555 0124", None),
    ("+1 201 555\x000123", None),
    ("9" * 41, None),
    (12015550123, None),
    (["+12015550123"], None),
])
def test_what_is_not_a_textable_number_is_refused_with_a_reason(typed, message):
    with pytest.raises(BadValue) as refused:
        parse_phone(typed, region="US")
    if message:
        assert message in str(refused.value)


def test_a_required_number_must_be_given():
    with pytest.raises(BadValue):
        parse_phone("", region="US", required=True)


def test_stored_numbers_are_shown_in_national_format_at_home_and_international_abroad():
    assert national("+12015550123", "US") == "(201) 555-0123"
    assert national("+4915123456789", "DE") == "01512 3456789"
    assert national("+4915123456789", "US") == "+49 1512 3456789"
    assert national("555-0100", "US") == "555-0100"  # an old free-text number stays as it was
    assert national("", "US") == ""


@pytest.mark.parametrize(("text", "expected"), [
    ("", ("GSM-7", 1)),
    ("a" * 160, ("GSM-7", 1)),
    ("a" * 161, ("GSM-7", 2)),
    ("a" * 306, ("GSM-7", 2)),
    ("a" * 307, ("GSM-7", 3)),
    ("€" * 80, ("GSM-7", 1)),          # two septets each: exactly 160
    ("€" * 81, ("GSM-7", 2)),
    ("Café à Zürich", ("GSM-7", 1)),    # é, à and ü are in the GSM alphabet
    ("ç" + "a" * 69, ("UCS-2", 1)),     # ç (lower case) is not: the whole text is UCS-2
    ("ç" + "a" * 70, ("UCS-2", 2)),
    ("a" * 68 + "🙂", ("UCS-2", 1)),    # an emoji is two UTF-16 units
    ("a" * 69 + "🙂", ("UCS-2", 2)),
    ("10:00\u202fAM", ("UCS-2", 1)),    # the narrow no-break space Babel writes
])
def test_segments_count_gsm7_and_ucs2(text, expected):
    assert segments(text) == expected


# What each template takes for the demo business's services, with a real signed link
# (booking 1234 of customer 567) on a 24-character PUBLIC_URL. The README repeats this.
SEGMENTS = {
    "Deep cleaning": {"confirmation": 1, "reminder": 1, "moved": 1, "cancelled": 1},
    "Move-out cleaning": {"confirmation": 2, "reminder": 2, "moved": 2, "cancelled": 2},
    "Standard home cleaning": {"confirmation": 2, "reminder": 2, "moved": 2, "cancelled": 2},
}


def test_each_template_takes_the_segments_the_readme_says(app):
    with app.app_context():
        when = when_text(NOW.replace(day=24, hour=15), "America/New_York")
        token = sign_booking_link("test-secret", SimpleNamespace(id=1234, customer_id=567), "view",
                                  expires_at=NOW + timedelta(days=60))
    assert when == "Tue, Nov 24, 10:00 AM EST"  # Babel's narrow space before AM made plain: GSM-7
    link = f"https://book.example.com/m/{token}"
    counts = {}
    for service, expected in SEGMENTS.items():
        counts[service] = {}
        for kind in TEMPLATES:
            encoding, counts[service][kind] = segments(render_text(kind, name="Sparkle & Fix", service=service, when=when, link=link))
            assert encoding == "GSM-7"
    assert counts == SEGMENTS
    # A name outside the GSM alphabet makes the text UCS-2: 70 characters a segment.
    assert segments(render_text("reminder", name="Çiçek Temizlik", service="Deep cleaning", when=when, link=link)) == ("UCS-2", 3)
