"""Discount codes and gift cards: a code customers type (unique, any case), a percentage
or fixed amount, or a gift card's balance; limits on uses and a validity window."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy.orm import Session

from ..actor import Actor
from ..discounts import GIFT_CARD_CODE_LENGTH, guessable_gift_card_code, new_gift_card_code
from ..errors import FieldErrors
from ..models import AmountType, DiscountCode, DiscountKind, Service
from .base import CatalogType, unique_clash
from .values import Choice, Code, Int, LocalDateTime, Money, Related, Text

MAX_USES = 1_000_000
MAX_PER_CUSTOMER = 10_000


@dataclass(frozen=True)
class DiscountCodeInput:
    code: Annotated[str, Code(optional=True)]  # empty for a gift card: one is generated
    kind: Annotated[str, Choice.of(DiscountKind, required=True)]
    amount_type: Annotated[str, Choice.of(AmountType, required=True)]
    amount: Annotated[Decimal | None, Money(optional=True)]  # not used for gift cards
    balance: Annotated[Decimal | None, Money(optional=True)]  # a gift card's balance left
    max_uses: Annotated[int | None, Int(optional=True, lo=1, hi=MAX_USES)]  # None: no limit
    per_customer_limit: Annotated[int | None, Int(optional=True, lo=1, hi=MAX_PER_CUSTOMER)]  # None: no limit
    valid_from: Annotated[datetime | None, LocalDateTime(optional=True)]
    valid_until: Annotated[datetime | None, LocalDateTime(optional=True)]
    description: Annotated[str, Text(max_length=255)]
    services: Annotated[list[Service], Related(model=Service)]  # none: every service


class DiscountCodes(CatalogType[DiscountCodeInput]):
    key = "discount_codes"
    model = DiscountCode
    noun = "discount code"
    input = DiscountCodeInput
    search = ("code", "description")
    defaults = {"kind": "discount", "amount_type": "percent"}

    def check(self, session: Session, obj: Any, data: DiscountCodeInput, errors: FieldErrors, *, actor: Actor,
              creating: bool) -> DiscountCodeInput:
        """A unique code (generated for a gift card left without one, and long enough to
        not be guessed); a gift card has a balance, any other code an amount (a
        percentage at most 100); the window ends after it starts."""
        if unique_clash(session, obj, "code", data.code):
            errors.add("code", "Another code already uses this text.")
        gift_card = data.kind == DiscountKind.GIFTCARD
        if not data.code and "code" not in errors.errors:
            if gift_card:
                data = replace(data, code=new_gift_card_code())
            else:
                errors.add("code", "Give the code customers will type.")
        elif data.code and gift_card and data.code != obj.code and guessable_gift_card_code(data.code):
            # A gift card is money to whoever finds its code: short ones can be guessed.
            errors.add("code", f"A gift card's code needs at least {GIFT_CARD_CODE_LENGTH} letters and digits; "
                               "leave it empty to get one.")
        if gift_card and data.balance is None:
            errors.add("balance", "A gift card needs a balance.")
        if not gift_card and data.amount in (None, Decimal("0")):
            errors.add("amount", "Give the discount's amount.")
        if data.amount_type == AmountType.PERCENT and (data.amount or 0) > 100:
            errors.add("amount", "A percentage is at most 100.")
        if data.valid_from and data.valid_until and data.valid_from >= data.valid_until:
            errors.add("valid_until", "Must be after the start.")
        return data


DISCOUNT_CODES = DiscountCodes()
