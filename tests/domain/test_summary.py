"""One summary of what was booked: every stored line, discount, tip and answer, with
times in the location's zone and money in its currency, rendered by the shared macro."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask import render_template_string

from app.domain.booking import create_booking
from app.domain.inputs import ExtraInput, FieldAnswer, OptionAnswer, ParameterInput, ServiceLineInput
from app.domain.models import Setting
from app.domain.summary import booking_summary
from tests import builders as b

def plain(html: str) -> str:
    """Babel writes no-break spaces (U+00A0, U+202F) where a line must not break."""
    return html.replace("\u202f", " ").replace("\xa0", " ")


MACRO = '{% from "_macros/summary.html" import render_summary %}{{ render_summary(s, staff=staff) }}'


@pytest.fixture
def booked(session, now):
    loc = b.location(session, "Europe/Berlin", name="Berlin office", currency="EUR")
    svc = b.service(session, loc, name="Deep clean", price=Decimal("120.00"))
    fridge = b.extra(session, [svc], name="Inside the fridge", price=Decimal("25.00"))
    baths = b.parameter(session, [svc], name="Bathrooms", price=Decimal("20.00"))
    gate = b.field(session, [svc], "single_line", "How do we get in?")
    pets = b.field(session, [svc], "checkboxes", "Pets", [("Dog", False), ("Other", True)])
    secret = b.field(session, [svc], "single_line", "Key box code", visibility="staff")
    b.agent(session, [svc], loc, name="Jonas Weber")
    b.code(session, "SAVE10", amount=Decimal("10"))
    session.commit()
    dog, other = pets.options
    result = create_booking(
        session,
        b.request(
            svc.id, day="2026-11-25", at="10:00",
            services=[ServiceLineInput(svc.id, extras=[ExtraInput(fridge.id, 2)], pricing_parameters=[ParameterInput(baths.id, 1)])],
            discount_code="SAVE10", tip="5.00", customer_notes="Ring twice", staff_notes="Long-time client",
            custom_fields=[
                FieldAnswer(gate.id, "Side door"),
                FieldAnswer(pets.id, values=[OptionAnswer(dog.id), OptionAnswer(other.id, "Parrot")]),
                FieldAnswer(secret.id, "4417"),
            ],
        ),
        actor=b.STAFF, now=now,
    )
    return result.bookings[0]


def test_the_summary_lists_every_stored_line_discount_tip_and_answer(session, booked):
    s = booking_summary(booked)
    assert [(l.kind, l.label, l.detail, l.amount) for l in s.lines] == [
        ("service", "Deep clean", "", Decimal("120.00")),
        ("extra", "Inside the fridge", "× 2", Decimal("50.00")),
        ("parameter", "Bathrooms", "× 1", Decimal("20.00")),
    ]
    assert [(a.label, a.amount) for a in s.adjustments] == [("Discount code", Decimal("-19.00")), ("Tip", Decimal("5.00"))]
    assert s.total == Decimal("176.00") == sum(l.amount for l in s.lines) + sum(a.amount for a in s.adjustments)
    assert [(a.label, a.text) for a in s.visible_answers()] == [("How do we get in?", "Side door"), ("Pets", "Dog, Other: Parrot")]
    assert ("Key box code", "4417") in [(a.label, a.text) for a in s.visible_answers(staff=True)]
    assert s.currency == "EUR" and s.timezone == "Europe/Berlin"


def test_the_macro_shows_local_time_with_zone_and_the_locations_currency(app, session, booked):
    with app.test_request_context():
        html = plain(render_template_string(MACRO, s=booking_summary(booked), staff=False))
    assert "Wed, Nov 25, 2026, 10:00 AM CET" in html
    for text in ("€120.00", "€50.00", "€20.00", "−€19.00", "€5.00", "€176.00", "Bathrooms × 1", "Inside the fridge × 2",
                 "Side door", "Dog, Other: Parrot", "Ring twice"):
        assert text in html, text
    assert "4417" not in html and "Long-time client" not in html
    with app.test_request_context():
        staff_html = render_template_string(MACRO, s=booking_summary(booked), staff=True)
    assert "4417" in staff_html and "Long-time client" in staff_html


def test_the_business_locale_changes_how_dates_times_and_money_read(app, session, booked):
    session.add_all([Setting(key="business_locale", value="de_DE"), Setting(key="currency", value="EUR")])
    session.commit()
    with app.test_request_context():
        html = plain(render_template_string(MACRO, s=booking_summary(booked), staff=False))
        text = plain(render_template_string("{{ 1234.5|money }} {{ 10|percent }} {{ when|local_time('America/New_York') }}",
                                            when=booked.start_at))
    assert "Mi., 25. Nov. 2026, 10:00 CET" in html
    assert "176,00 €" in html
    assert text == "1.234,50 € 10 % 04:00"
