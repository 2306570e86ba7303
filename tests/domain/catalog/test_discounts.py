"""Discount codes and gift cards: a unique code, the amount or balance each kind needs,
guessable gift-card codes refused, a validity window in the business's zone."""
from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from app.domain.discounts import GIFT_CARD_CODE_LENGTH
from tests.conftest import BOOKING_DAY, DAY

from .helpers import edit, refused, save

DISCOUNT = {"code": "spring-10", "kind": "discount", "amount_type": "percent", "amount": "10"}
GIFT_CARD = {"code": "", "kind": "giftcard", "amount_type": "fixed", "balance": "50"}


def test_a_code_is_stored_upper_cased(session, now):
    assert save(session, "discount_codes", DISCOUNT, now).code == "SPRING-10"


def test_a_code_in_use_is_refused_in_any_case(session, now):
    save(session, "discount_codes", DISCOUNT, now)
    assert refused(session, "discount_codes", DISCOUNT | {"code": "Spring-10"}, now) == {"code": "Another code already uses this text."}


def test_a_code_keeps_its_own_text_when_edited(session, now):
    code = save(session, "discount_codes", DISCOUNT, now)
    assert edit(session, "discount_codes", code, {"amount": "15"}, now).amount == Decimal("15.00")


@pytest.mark.parametrize(("changes", "errors"), [
    ({"code": ""}, {"code": "Give the code customers will type."}),
    ({"code": "ab"}, {"code": "Use 3 to 64 letters, digits, - or _."}),
    ({"code": "TEN PERCENT"}, {"code": "Use 3 to 64 letters, digits, - or _."}),
    ({"amount": ""}, {"amount": "Give the discount's amount."}),
    ({"amount": "0"}, {"amount": "Give the discount's amount."}),
    ({"amount": "101"}, {"amount": "A percentage is at most 100."}),
    ({"kind": "voucher"}, {"kind": "Choose one of the options."}),
    ({"max_uses": "0"}, {"max_uses": "Must be at least 1."}),
    ({"per_customer_limit": "10001"}, {"per_customer_limit": "Must be at most 10000."}),
    ({"valid_from": f"{DAY}T09:00", "valid_until": f"{DAY}T09:00"}, {"valid_until": "Must be after the start."}),
    ({"valid_from": "1st of January"}, {"valid_from": "Use a date and time such as 2026-12-24T09:00."}),
])
def test_a_discount_breaking_a_rule_is_refused_naming_the_field(session, now, changes, errors):
    assert refused(session, "discount_codes", DISCOUNT | changes, now) == errors


def test_a_fixed_amount_may_be_over_100(session, now):
    assert save(session, "discount_codes", DISCOUNT | {"amount_type": "fixed", "amount": "150"}, now).amount == Decimal("150.00")


def test_the_window_is_read_in_the_business_zone(session, now):
    # The business's zone is America/New_York (the settings' default): 09:00 there is 14:00 UTC in January.
    code = save(session, "discount_codes", DISCOUNT | {"valid_from": f"{DAY}T09:00"}, now)
    assert code.valid_from.astimezone(UTC) == datetime.combine(BOOKING_DAY, time(14, 0), tzinfo=UTC)


def test_a_gift_card_without_a_code_gets_a_generated_one(session, now):
    card = save(session, "discount_codes", GIFT_CARD, now)
    assert len(card.code) >= GIFT_CARD_CODE_LENGTH and card.balance == Decimal("50.00")


def test_a_gift_card_needs_a_balance_and_no_amount(session, now):
    assert refused(session, "discount_codes", GIFT_CARD | {"balance": ""}, now) == {"balance": "A gift card needs a balance."}


def test_a_guessable_gift_card_code_is_refused(session, now):
    errors = refused(session, "discount_codes", GIFT_CARD | {"code": "GIFT1"}, now)
    assert list(errors) == ["code"] and f"at least {GIFT_CARD_CODE_LENGTH}" in errors["code"]
