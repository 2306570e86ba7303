"""Prices, worked out by hand in each case; the estimate and the stored booking agree."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.domain.booking import create_booking
from app.domain.errors import DiscountCodeExhausted, DiscountCodeInvalid, ValidationFailed
from app.domain.inputs import ExtraInput, HourlyInput, ParameterInput, ServiceLineInput
from app.domain.pricing import estimate
from tests import builders as b


@pytest.fixture
def catalog(session):
    loc = b.location(session)
    standard = b.service(session, loc, name="Standard", price=Decimal("100.00"), duration_minutes=60)
    hourly = b.service(session, loc, name="Hourly", price=Decimal("45.00"), pricing_mode="hourly")
    odd = b.service(session, loc, name="Odd", price=Decimal("33.35"))
    fridge = b.extra(session, [standard], name="Fridge", price=Decimal("25.00"), minutes=30, recurring=False)
    b.extra(session, [standard], name="Windows", price=Decimal("5.00"), minutes=10)
    bedrooms = b.parameter(session, [standard], name="Bedrooms", price=Decimal("15.00"), minutes=20)
    b.agent(session, [standard, hourly, odd], loc, hours={d: [("06:00", "23:00")] for d in range(7)})
    weekly = b.frequency(session, "Weekly", "week", 1, "10")
    monthly = b.frequency(session, "Monthly", "month", 1, "5")
    once = b.frequency(session, "Once", None, 1, "0")
    b.code(session, "PCT20", amount=Decimal("20"))
    b.code(session, "FIX30", kind="reward", amount_type="fixed", amount=Decimal("30.00"))
    b.code(session, "GIFT50", kind="giftcard", amount_type="fixed", amount=Decimal("0"), balance=Decimal("50.00"))
    b.code(session, "BIG500", amount_type="fixed", amount=Decimal("500.00"))
    svc20 = b.code(session, "SVC20", amount=Decimal("20"))
    svc20.services.append(standard)
    session.commit()
    return {
        "standard": standard.id, "hourly": hourly.id, "odd": odd.id, "fridge": fridge.id, "bedrooms": bedrooms.id,
        "weekly": weekly.id, "monthly": monthly.id, "once": once.id,
    }


def full_standard(c):
    return ServiceLineInput(
        c["standard"], extras=[ExtraInput(c["fridge"], 2)], pricing_parameters=[ParameterInput(c["bedrooms"], 3)]
    )


# (name, lines, frequency, code, tip) -> (subtotal, frequency discount, code discount, gift card, total)
CASES = [
    ("fixed price alone", lambda c: [ServiceLineInput(c["standard"])], None, None, 0,
     ("100.00", "0.00", "0.00", "0.00", "100.00")),
    ("extras and parameters: 100 + 2x25 + 3x15", lambda c: [full_standard(c)], None, None, 0,
     ("195.00", "0.00", "0.00", "0.00", "195.00")),
    ("hourly: 45 x 2 workers x 150/60", lambda c: [ServiceLineInput(c["hourly"], hourly=HourlyInput(2, 150))], None, None, 0,
     ("225.00", "0.00", "0.00", "0.00", "225.00")),
    ("hourly: 45 x 3 workers x 90/60", lambda c: [ServiceLineInput(c["hourly"], hourly=HourlyInput(3, 90))], None, None, 0,
     ("202.50", "0.00", "0.00", "0.00", "202.50")),
    ("weekly 10% of 195", lambda c: [full_standard(c)], "weekly", None, 0,
     ("195.00", "19.50", "0.00", "0.00", "175.50")),
    ("weekly, then 20% of 175.50", lambda c: [full_standard(c)], "weekly", "PCT20", 0,
     ("195.00", "19.50", "35.10", "0.00", "140.40")),
    ("fixed reward 30 and a 10 tip", lambda c: [full_standard(c)], None, "fix30", "10",
     ("195.00", "0.00", "30.00", "0.00", "175.00")),
    ("gift card takes its 50 balance", lambda c: [full_standard(c)], None, "GIFT50", 0,
     ("195.00", "0.00", "0.00", "50.00", "145.00")),
    ("monthly 5%, then gift card 50 of 95", lambda c: [ServiceLineInput(c["standard"])], "monthly", "GIFT50", 0,
     ("100.00", "5.00", "0.00", "50.00", "45.00")),
    ("a gift card does not pay the tip", lambda c: [full_standard(c)], None, "GIFT50", "20",
     ("195.00", "0.00", "0.00", "50.00", "165.00")),
    ("a code bigger than the price stops at zero; the tip stays", lambda c: [ServiceLineInput(c["standard"])], None, "BIG500", "7.50",
     ("100.00", "0.00", "100.00", "0.00", "7.50")),
    ("half a cent rounds up: 10% of 33.35 = 3.335", lambda c: [ServiceLineInput(c["odd"])], "weekly", None, 0,
     ("33.35", "3.34", "0.00", "0.00", "30.01")),
    ("a code for one service discounts only its share", lambda c: [ServiceLineInput(c["standard"]), ServiceLineInput(c["hourly"], hourly=HourlyInput(1, 60))],
     "weekly", "SVC20", 0,
     # 145 - 14.50 = 130.50; Standard's share after 10% is 90.00, 20% of it 18.00
     ("145.00", "14.50", "18.00", "0.00", "112.50")),
    ("one-time frequency gives no discount", lambda c: [ServiceLineInput(c["standard"])], "once", None, "0.99",
     ("100.00", "0.00", "0.00", "0.00", "100.99")),
]


@pytest.mark.parametrize(("name", "lines", "freq", "code", "tip", "expected"), CASES, ids=[c[0] for c in CASES])
def test_price_is_worked_out_exactly(session, now, catalog, name, lines, freq, code, tip, expected):
    freq_id = catalog[freq] if freq else None
    quote = estimate(session, services=lines(catalog), frequency_id=freq_id, discount_code=code, tip=tip, now=now)
    got = (quote.subtotal, quote.frequency_discount, quote.discount, quote.gift_card, quote.total)
    assert got == tuple(Decimal(x) for x in expected)
    # The stored booking carries the same breakdown, to the cent.
    request = b.request(catalog["standard"], day="2026-11-24", at="07:00", services=lines(catalog), frequency_id=freq_id,
                        discount_code=code, tip=tip, expected_total=str(quote.total))
    booking = create_booking(session, request, actor=b.STAFF, now=now).booking
    session.expire_all()
    stored = (booking.subtotal, booking.frequency_discount, booking.discount, booking.gift_card, booking.total)
    assert stored == got


def test_duration_adds_extra_and_parameter_minutes(session, now, catalog):
    quote = estimate(session, services=[full_standard(catalog)], now=now)
    assert quote.duration == 60 + 2 * 30 + 3 * 20
    booking = create_booking(session, b.request(catalog["standard"], day="2026-11-24", at="09:00", services=[full_standard(catalog)]), actor=b.STAFF, now=now).booking
    assert booking.duration_minutes == 180
    assert (booking.end_at - booking.start_at).total_seconds() == 180 * 60


def test_the_booking_keeps_its_price_when_the_catalog_changes(session, now, catalog):
    from app.domain.models import Service

    booking = create_booking(session, b.request(catalog["standard"], day="2026-11-24", at="09:00"), actor=b.STAFF, now=now).booking
    session.get(Service, catalog["standard"]).price = Decimal("999.00")
    session.commit()
    session.expire_all()
    assert booking.total == Decimal("100.00")
    assert booking.lines[0].unit_price == Decimal("100.00")


def test_a_changed_price_is_refused_with_the_new_total(session, now, catalog):
    from app.domain.errors import PriceChanged

    with pytest.raises(PriceChanged) as info:
        create_booking(session, b.request(catalog["standard"], day="2026-11-24", at="09:00", expected_total="90.00"), actor=b.STAFF, now=now)
    assert info.value.details == {"total": "100.00"}


@pytest.mark.parametrize(
    ("lines", "path"),
    [
        (lambda c: [ServiceLineInput(999)], "services[0].id"),
        (lambda c: [ServiceLineInput("x")], "services[0].id"),
        (lambda c: [ServiceLineInput(c["hourly"])], "services[0].hourly"),
        (lambda c: [ServiceLineInput(c["hourly"], hourly=HourlyInput(0, 60))], "services[0].hourly.quantity"),
        (lambda c: [ServiceLineInput(c["hourly"], hourly=HourlyInput(101, 60))], "services[0].hourly.quantity"),
        (lambda c: [ServiceLineInput(c["hourly"], hourly=HourlyInput(1, 45))], "services[0].hourly.minutes"),
        (lambda c: [ServiceLineInput(c["hourly"], hourly=HourlyInput(1, 1470))], "services[0].hourly.minutes"),
        (lambda c: [ServiceLineInput(c["standard"], hourly=HourlyInput(1, 60))], "services[0].hourly"),
        (lambda c: [ServiceLineInput(c["standard"], extras=[ExtraInput(c["fridge"], 6)])], "services[0].extras[0].quantity"),
        (lambda c: [ServiceLineInput(c["standard"], extras=[ExtraInput(c["fridge"], 0)])], "services[0].extras[0].quantity"),
        (lambda c: [ServiceLineInput(c["standard"], extras=[ExtraInput(999, 1)])], "services[0].extras[0].id"),
        (lambda c: [ServiceLineInput(c["standard"], extras=[ExtraInput(c["fridge"], True)])], "services[0].extras[0].quantity"),
        (lambda c: [ServiceLineInput(c["standard"], pricing_parameters=[ParameterInput(c["bedrooms"], 11)])], "services[0].pricing_parameters[0].quantity"),
        (lambda c: [ServiceLineInput(c["standard"], pricing_parameters=[ParameterInput(c["bedrooms"], -1)])], "services[0].pricing_parameters[0].quantity"),
        (lambda c: [ServiceLineInput(c["hourly"], pricing_parameters=[ParameterInput(c["bedrooms"], 1)])], "services[0].pricing_parameters[0].id"),
        (lambda c: [], "services"),
        (lambda c: [ServiceLineInput(c["standard"]), ServiceLineInput(c["standard"])], "services[1].id"),
    ],
)
def test_bad_lines_are_refused_by_field_path(session, now, catalog, lines, path):
    with pytest.raises(ValidationFailed) as info:
        estimate(session, services=lines(catalog), now=now)
    assert path in info.value.details


@pytest.mark.parametrize(("tip", "ok"), [("-1", False), ("100000.01", False), ("abc", False), ("1.234", False), (100000, True), ("0.50", True)])
def test_tip_must_be_between_zero_and_100000(session, now, catalog, tip, ok):
    if ok:
        assert estimate(session, services=[ServiceLineInput(catalog["standard"])], tip=tip, now=now).tip == Decimal(str(tip))
    else:
        with pytest.raises(ValidationFailed) as info:
            estimate(session, services=[ServiceLineInput(catalog["standard"])], tip=tip, now=now)
        assert "tip" in info.value.details


def test_unknown_expired_inactive_and_inapplicable_codes_are_invalid(session, now, catalog):
    from datetime import timedelta

    from app.domain.models import DiscountCode
    from sqlalchemy import select

    lines = [ServiceLineInput(catalog["hourly"], hourly=HourlyInput(1, 60))]
    with pytest.raises(DiscountCodeInvalid):
        estimate(session, services=lines, discount_code="NOPE", now=now)
    with pytest.raises(DiscountCodeInvalid, match="does not apply"):
        estimate(session, services=lines, discount_code="SVC20", now=now)
    pct = session.scalars(select(DiscountCode).where(DiscountCode.code == "PCT20")).one()
    pct.valid_until = now - timedelta(days=1)
    session.commit()
    with pytest.raises(DiscountCodeInvalid, match="expired"):
        estimate(session, services=lines, discount_code="pct20", now=now)
    pct.valid_until, pct.active = None, False
    session.commit()
    with pytest.raises(DiscountCodeInvalid):
        estimate(session, services=lines, discount_code="PCT20", now=now)


def test_a_code_with_no_uses_left_is_exhausted(session, now, catalog):
    from app.domain.models import DiscountCode
    from sqlalchemy import select

    code = session.scalars(select(DiscountCode).where(DiscountCode.code == "PCT20")).one()
    code.max_uses, code.uses_count = 3, 3
    session.commit()
    with pytest.raises(DiscountCodeExhausted):
        estimate(session, services=[ServiceLineInput(catalog["standard"])], discount_code="PCT20", now=now)
