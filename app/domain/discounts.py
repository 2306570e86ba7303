"""Discount codes: checking one, working out what it takes off, redeeming it with a
booking and giving it back when the booking is cancelled.

Redemption is atomic: callers hold the code's lock (concurrency.begin_write/lock_more)
while they check and redeem, the counters move by relative SQL updates, and the database
refuses a count past max_uses or a negative balance (concurrency.BACKSTOPS).
"""
from __future__ import annotations

import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .errors import DiscountCodeExhausted, DiscountCodeInvalid
from .models import AmountType, DiscountCode, DiscountKind, DiscountRedemption

# No 0/O, 1/I/L: a code read out over the phone or from a card is typed right.
GIFT_CARD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
# 16 characters of 31 are about 79 bits: at the throttled rate of the price preview no
# one finds a card by guessing.
GIFT_CARD_CODE_LENGTH = 16


def new_gift_card_code() -> str:
    """A random gift-card code, written in groups of four (ABCD-EFGH-JKMN-PQRS)."""
    raw = "".join(secrets.choice(GIFT_CARD_ALPHABET) for _ in range(GIFT_CARD_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, GIFT_CARD_CODE_LENGTH, 4))


def guessable_gift_card_code(code: str) -> bool:
    """True if a gift-card code has fewer letters and digits than a generated one."""
    return sum(ch.isalnum() for ch in code) < GIFT_CARD_CODE_LENGTH

CENT = Decimal("0.01")


def normalise_code(code: str) -> str:
    return code.strip().upper()


def find_code_id(session: Session, code: str) -> int | None:
    return session.scalar(select(DiscountCode.id).where(DiscountCode.code == normalise_code(code)))


def load_code(session: Session, code: str) -> DiscountCode:
    """The code's current row (re-read, never a stale cached copy).

    Raises DiscountCodeInvalid if there is no such code.
    """
    found = session.scalars(
        select(DiscountCode)
        .where(DiscountCode.code == normalise_code(code))
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        raise DiscountCodeInvalid(f"The code {normalise_code(code)} is not valid.")
    return found


def check_usable(
    session: Session, code: DiscountCode, *, service_ids: list[int], customer_id: int | None, now: datetime
) -> None:
    """Raise DiscountCodeInvalid (inactive, expired, not for these services) or
    DiscountCodeExhausted (no uses or balance left, per-customer limit reached)."""
    label = code.code
    if not code.active:
        raise DiscountCodeInvalid(f"The code {label} is not valid.")
    if code.valid_from is not None and now < code.valid_from:
        raise DiscountCodeInvalid(f"The code {label} is not valid yet.")
    if code.valid_until is not None and now >= code.valid_until:
        raise DiscountCodeInvalid(f"The code {label} has expired.")
    if code.services and not {s.id for s in code.services} & set(service_ids):
        raise DiscountCodeInvalid(f"The code {label} does not apply to the chosen services.")
    if code.max_uses is not None and code.uses_count >= code.max_uses:
        raise DiscountCodeExhausted(f"The code {label} has been used up.")
    if code.kind == DiscountKind.GIFTCARD and (code.balance or Decimal(0)) <= 0:
        raise DiscountCodeExhausted(f"The gift card {label} has no balance left.")
    if code.per_customer_limit is not None and customer_id is not None:
        used = session.scalar(
            select(func.count())
            .select_from(DiscountRedemption)
            .where(
                DiscountRedemption.discount_code_id == code.id,
                DiscountRedemption.customer_id == customer_id,
                DiscountRedemption.released_at.is_(None),
            )
        )
        if (used or 0) >= code.per_customer_limit:
            raise DiscountCodeExhausted(f"You have already used the code {label}.")


def code_reduction(code: DiscountCode, base: Decimal) -> Decimal:
    """What a discount or reward code takes off `base` (never more than base)."""
    if code.kind == DiscountKind.GIFTCARD:
        return Decimal("0.00")
    if code.amount_type == AmountType.PERCENT:
        cut = (base * code.amount / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        cut = code.amount
    return min(cut, base).quantize(CENT)


def redeem(session: Session, code: DiscountCode, *, booking_id: int, customer_id: int, amount: Decimal, now: datetime) -> None:
    """Take one use (and, for a gift card, `amount` of balance) for a booking."""
    values: dict[str, object] = {"uses_count": DiscountCode.uses_count + 1}
    if code.kind == DiscountKind.GIFTCARD:
        values["balance"] = DiscountCode.balance - amount
    session.execute(update(DiscountCode).where(DiscountCode.id == code.id).values(**values))
    session.add(
        DiscountRedemption(
            discount_code_id=code.id, booking_id=booking_id, customer_id=customer_id, amount=amount, created_at=now
        )
    )


def release(session: Session, booking_id: int, now: datetime) -> list[DiscountRedemption]:
    """Give back the uses and balance a booking took. Returns the released redemptions."""
    redemptions = list(
        session.scalars(
            select(DiscountRedemption).where(
                DiscountRedemption.booking_id == booking_id, DiscountRedemption.released_at.is_(None)
            )
        )
    )
    for redemption in redemptions:
        code = session.get(DiscountCode, redemption.discount_code_id)
        values: dict[str, object] = {"uses_count": DiscountCode.uses_count - 1}
        if code is not None and code.kind == DiscountKind.GIFTCARD:
            values["balance"] = DiscountCode.balance + redemption.amount
        session.execute(
            update(DiscountCode).where(DiscountCode.id == redemption.discount_code_id).values(**values)
        )
        redemption.released_at = now
    return redemptions
