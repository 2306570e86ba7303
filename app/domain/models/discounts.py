"""Discount codes (plain discounts, gift cards, rewards) and their redemptions."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, FixedDecimal, Money, UTCDateTime, utcnow
from .catalog import Service, link_table
from .enums import AmountType, DiscountKind, sql_in

discount_code_services = link_table(
    "discount_code_services", ("discount_code_id", "discount_codes"), ("service_id", "services")
)


class DiscountCode(Base):
    """A code a customer types. Limits on uses and balance are enforced under lock by
    the discounts service and, as a backstop, by the database (see backstops.py)."""

    __tablename__ = "discount_codes"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(list(DiscountKind))}", name="kind_known"),
        CheckConstraint(f"amount_type IN {sql_in(list(AmountType))}", name="amount_type_known"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored upper-cased; customers may type it in any case.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=DiscountKind.DISCOUNT)
    amount_type: Mapped[str] = mapped_column(String(10), default=AmountType.PERCENT)
    # Percent (0-100) or a money amount, per amount_type; unused for gift cards.
    amount: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal("0"))
    # Gift cards only: what is left to spend.
    balance: Mapped[Decimal | None] = mapped_column(Money())
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses_count: Mapped[int] = mapped_column(Integer, default=0)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    # Empty means the code applies to every service.
    services: Mapped[list[Service]] = relationship(secondary=discount_code_services)


class DiscountRedemption(Base):
    __tablename__ = "discount_redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_code_id: Mapped[int] = mapped_column(ForeignKey("discount_codes.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the booking is cancelled and the use (or balance) is given back.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
