"""Card payments: the policy per service (with one business-wide default), one row per
charge, fee or refund, the customers' saved cards and the Stripe events already handled.

Amounts are integers in the currency's minor units (cents; yen have none), as Stripe
takes them; app/domain/payments.py converts with Babel's precision per currency."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Money, UTCDateTime, utcnow
from .enums import AmountType, PaymentKind, PaymentMode, PaymentStatus, sql_in


class PaymentPolicy(Base):
    """What a service asks for when booking, and the fees its card on file answers for.
    The row without a service is the business-wide default (payments.save_policy keeps
    it to one); a service without a row follows it."""

    __tablename__ = "payment_policies"
    __table_args__ = (
        CheckConstraint(f"mode IN {sql_in(list(PaymentMode))}", name="mode_known"),
        CheckConstraint(f"deposit_type IN {sql_in(list(AmountType))}", name="deposit_type_known"),
        CheckConstraint(f"late_cancel_fee_type IN {sql_in(list(AmountType))}", name="late_cancel_fee_type_known"),
        CheckConstraint(f"no_show_fee_type IN {sql_in(list(AmountType))}", name="no_show_fee_type_known"),
        CheckConstraint("deposit_value >= 0 AND late_cancel_fee_value >= 0 AND no_show_fee_value >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), unique=True)
    mode: Mapped[str] = mapped_column(String(16), default=PaymentMode.IN_PERSON)
    deposit_type: Mapped[str] = mapped_column(String(10), default=AmountType.PERCENT)
    deposit_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    late_cancel_fee_type: Mapped[str] = mapped_column(String(10), default=AmountType.FIXED)
    late_cancel_fee_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    no_show_fee_type: Mapped[str] = mapped_column(String(10), default=AmountType.FIXED)
    no_show_fee_value: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))


class Payment(Base):
    """One charge, fee or refund of one booking. Its `idempotency_key` is derived from
    this row (and so is every Stripe call made for it): a retry after a timeout asks
    Stripe for the same object instead of charging twice."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(list(PaymentKind))}", name="kind_known"),
        CheckConstraint(f"status IN {sql_in(list(PaymentStatus))}", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        # A booking is charged once for each purpose; refunds may be several.
        Index("uq_payments_booking_kind", "booking_id", "kind", unique=True,
              sqlite_where="kind <> 'refund'", postgresql_where="kind <> 'refund'"),
        Index("ix_payments_status_hold", "status", "hold_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.PENDING)
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    # The charge a refund gives money back from.
    refund_of_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    stripe_setup_intent_id: Mapped[str | None] = mapped_column(String(64))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_payment_method_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(255), default="")
    failure_message: Mapped[str] = mapped_column(String(255), default="")
    # A booking waiting for this payment holds its slot until then.
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A request claims the row before it calls Stripe; another may take it over after.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaymentCustomer(Base):
    """A customer's Stripe customer, created the first time they save a card."""

    __tablename__ = "payment_customers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(64), unique=True)


class PaymentCard(Base):
    """A card saved on a customer's account: Stripe keeps the card, we keep its id and
    what a person recognises it by."""

    __tablename__ = "payment_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    stripe_payment_method_id: Mapped[str] = mapped_column(String(64), unique=True)
    brand: Mapped[str] = mapped_column(String(20), default="")
    last4: Mapped[str] = mapped_column(String(4), default="")
    exp_month: Mapped[int] = mapped_column(Integer, default=0)
    exp_year: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StripeEvent(Base):
    """A Stripe webhook event handled: the primary key makes each one count once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
