"""String enums whose values are the API's strings."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"
    # Does the work: logs in to see their own day and record its outcome, nothing else.
    AGENT = "agent"


class PricingMode(StrEnum):
    FIXED = "fixed"
    HOURLY = "hourly"


class FieldType(StrEnum):
    SINGLE_LINE = "single_line"
    MULTI_LINE = "multi_line"
    DATE = "date"
    DATETIME = "datetime"
    CHECKBOX = "checkbox"
    RADIO = "radio"
    DROPDOWN = "dropdown"
    CHECKBOXES = "checkboxes"

    @property
    def has_options(self) -> bool:
        return self in (FieldType.RADIO, FieldType.DROPDOWN, FieldType.CHECKBOXES)


class FieldVisibility(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


class DiscountKind(StrEnum):
    DISCOUNT = "discount"
    GIFTCARD = "giftcard"
    REWARD = "reward"


class AmountType(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class BookingStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


# Bookings in these states hold their slot.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHECK = "check"
    STRIPE = "stripe"
    PAYPAL = "paypal"


class ApiScope(StrEnum):
    READ = "read"
    WRITE = "write"
    # Write, plus webhooks and the admin-only status moves.
    ADMIN = "admin"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    # Its endpoint was switched off while it waited; Resend queues it again.
    CANCELLED = "cancelled"


def sql_in(values: tuple[StrEnum, ...] | list[StrEnum]) -> str:
    """Render enum values for a CHECK constraint or trigger: ('a', 'b')."""
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"
