"""Text messages: one row per text to one customer, written in the transaction of the
change it announces (or by the reminder round, or a staff member's resend), delivered
later by the outbox runner's SMS channel, then followed by the provider's delivery
reports."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .enums import OutboxStatus, sql_in


class SmsMessage(Base):
    __tablename__ = "sms_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(list(OutboxStatus))}", name="status_known"),
        Index("ix_sms_messages_status_next", "status", "next_attempt_at"),
        Index("ix_sms_messages_customer_created", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic: Mapped[str] = mapped_column(String(40))
    # E.164, as it was when the text was queued.
    to: Mapped[str] = mapped_column(String(20))
    # What was sent, kept when it is sent (the booking may change afterwards).
    body: Mapped[str] = mapped_column(Text, default="")
    encoding: Mapped[str] = mapped_column(String(5), default="")
    segments: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Never before this time: set to the next morning for a text queued in quiet hours.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The provider's id for the message (Twilio's SM…), the key of its status callbacks.
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # What the provider last reported (queued, sent, delivered, undelivered, failed) and its error code.
    delivery_status: Mapped[str] = mapped_column(String(20), default="")
    delivery_error: Mapped[str] = mapped_column(String(10), default="")
    delivery_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who asked for it when it is a resend from the back office ("" otherwise).
    requested_by: Mapped[str] = mapped_column(String(255), default="")
