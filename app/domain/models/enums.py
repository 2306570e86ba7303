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
    # Waiting for the card payment the booking's policy asks for at booking: holds its
    # slot for PAYMENT_HOLD_MINUTES, then is released (app/domain/payments.py).
    PAYMENT_PENDING = "payment_pending"

    # What a booking in this status allows or shows, asked by pages and their templates
    # (which never compare status strings themselves).

    @property
    def is_active(self) -> bool:
        """On (ACTIVE_STATUSES): it may still be moved, changed or given its outcome."""
        return self in ACTIVE_STATUSES

    @property
    def holds_slot(self) -> bool:
        """Takes its agent's time (SLOT_HOLDING_STATUSES)."""
        return self in SLOT_HOLDING_STATUSES

    @property
    def awaits_approval(self) -> bool:
        """Booked, not yet confirmed by the office."""
        return self is BookingStatus.PENDING

    @property
    def awaits_payment(self) -> bool:
        """Waiting for the card payment asked for at booking."""
        return self is BookingStatus.PAYMENT_PENDING

    @property
    def is_confirmed(self) -> bool:
        """Approved: the plain state of a booking, which lists show without a label."""
        return self is BookingStatus.APPROVED

    @property
    def can_charge_balance(self) -> bool:
        """Staff may charge what is still due: the visit is on or done."""
        return self in (BookingStatus.PENDING, BookingStatus.APPROVED, BookingStatus.COMPLETED)

    @property
    def can_charge_no_show_fee(self) -> bool:
        return self is BookingStatus.NO_SHOW

    @property
    def cancel_tells_customer(self) -> bool:
        """Cancelling it sends the customer a notice (not for a visit already done)."""
        return self is not BookingStatus.COMPLETED


# Bookings in these states are on: reminders, feeds, changes, the customer's upcoming list.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED)

# Bookings in these states take their slot: availability, the re-check before a write and
# the database backstops. A booking waiting for its payment holds the slot too.
SLOT_HOLDING_STATUSES = (BookingStatus.PENDING, BookingStatus.APPROVED, BookingStatus.PAYMENT_PENDING)


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHECK = "check"
    STRIPE = "stripe"
    PAYPAL = "paypal"


class PaymentMode(StrEnum):
    """What a service's payment policy asks of the customer when booking."""

    IN_PERSON = "in_person"  # cash or check at the visit: nothing taken online
    FULL = "full"  # the whole total by card when booking
    DEPOSIT = "deposit"  # part of it (percent or fixed) by card when booking
    CARD_ON_FILE = "card_on_file"  # a card saved when booking, charged the total when completed


class PaymentKind(StrEnum):
    """What one payment row is for."""

    DEPOSIT = "deposit"
    FULL = "full"
    BALANCE = "balance"
    NO_SHOW_FEE = "no_show_fee"
    LATE_CANCEL_FEE = "late_cancel_fee"
    REFUND = "refund"


class PaymentStatus(StrEnum):
    PENDING = "pending"  # written, Stripe not asked yet (or the answer was lost)
    PROCESSING = "processing"  # claimed by one request, which is asking Stripe
    REQUIRES_ACTION = "requires_action"  # the bank asks for 3-D Secure
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # released unpaid (the hold ran out)


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
