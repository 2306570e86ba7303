"""Bookings with their service lines, extras, pricing parameters, custom-field answers,
price breakdown, recurring series and change history."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .agents import Agent
from .base import Base, Money, StrEnumColumn, UTCDateTime, utcnow
from .catalog import Location, Service
from .enums import BookingStatus, PaymentMethod, sql_in
from .users import User


class BookingSeries(Base):
    """The occurrences of one recurring booking request."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    frequency_id: Mapped[int] = mapped_column(ForeignKey("frequencies.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(f"status IN {sql_in(list(BookingStatus))}", name="status_known"),
        CheckConstraint(f"payment_method IN {sql_in(list(PaymentMethod))}", name="payment_method_known"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint(
            "occupied_start <= start_at AND start_at < end_at AND end_at <= occupied_end",
            name="times_ordered",
        ),
        CheckConstraint("seat >= 1 AND seat <= slot_capacity", name="seat_within_capacity"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        # Availability reads one agent's day by range: (agent, occupied_start) keeps that
        # an index range scan whose cost follows the day's bookings, not the table's.
        Index("ix_bookings_agent_occupied", "agent_id", "occupied_start"),
        Index("ix_bookings_start_at", "start_at"),
        Index("ix_bookings_customer_start", "customer_id", "start_at"),
        Index("ix_bookings_change_number", "change_number"),
        Index("ix_bookings_updated_at", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[BookingStatus] = mapped_column(StrEnumColumn(BookingStatus, 16), default=BookingStatus.PENDING)
    # Raised on every change; SQLAlchemy also adds it to each UPDATE's WHERE clause, so
    # two writers that both read version N cannot both write N + 1.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    frequency_id: Mapped[int | None] = mapped_column(ForeignKey("frequencies.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id"), index=True)
    occurrence_index: Mapped[int] = mapped_column(Integer, default=0)
    original_booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    # The agent the customer asked for; NULL means "any".
    requested_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))

    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # start/end widened by the service buffers: the time the agent is taken.
    occupied_start: Mapped[datetime] = mapped_column(UTCDateTime())
    occupied_end: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer)
    arrival_window: Mapped[int] = mapped_column(Integer, default=0)

    # Bookings that may share one agent's time (capacity > 1) have the same slot_key
    # (service and start); each takes one seat from 1 to slot_capacity.
    slot_key: Mapped[str] = mapped_column(String(64))
    seat: Mapped[int] = mapped_column(Integer, default=1)
    slot_capacity: Mapped[int] = mapped_column(Integer, default=1)

    subtotal: Mapped[Decimal] = mapped_column(Money())
    frequency_discount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    discount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    gift_card: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    tip: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money())
    price_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    discount_code_id: Mapped[int | None] = mapped_column(ForeignKey("discount_codes.id"))
    payment_method: Mapped[str] = mapped_column(String(10), default=PaymentMethod.CASH)

    customer_notes: Mapped[str] = mapped_column(Text, default="")
    staff_notes: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(40), default="")
    zip: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    sms_notifications: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Raised at commit, in commit order, for every change (app/domain/changes.py): the
    # sync cursor (updated_at, id) never passes a change that commits later.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, active_history=True)
    change_number: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str] = mapped_column(String(255), default="")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The text reminder has its own lead time (SMS_REMINDER_HOURS), so its own mark.
    sms_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    customer: Mapped[User] = relationship(foreign_keys=[customer_id])
    agent: Mapped[Agent] = relationship(foreign_keys=[agent_id])
    location: Mapped[Location] = relationship()
    service: Mapped[Service] = relationship()
    lines: Mapped[list[BookingLine]] = relationship(
        order_by="BookingLine.position", cascade="all, delete-orphan"
    )
    field_values: Mapped[list[BookingFieldValue]] = relationship(
        order_by="BookingFieldValue.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[BookingEvent]] = relationship(
        order_by="BookingEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def workers(self) -> int:
        """How many workers the job needs: an hourly line's workers (two cleaners for
        three hours), else 1. One agent is booked for it; the calendar and the panel say
        how many people to send."""
        return max((line.workers or 1 for line in self.lines), default=1)

    @validates("status")
    def _status_is_the_enum(self, _key: str, value: BookingStatus | str) -> BookingStatus:
        # A plain string set in Python would stay a str until the row is read again; the
        # flags pages ask for (status.is_active, …) need the member at once. Raises
        # ValueError for a string that is no status.
        return BookingStatus(value)


class BookingLine(Base):
    """One service on a booking, priced as it was when booked."""

    __tablename__ = "booking_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    name: Mapped[str] = mapped_column(String(120))
    pricing_mode: Mapped[str] = mapped_column(String(10))
    unit_price: Mapped[Decimal] = mapped_column(Money())
    # Hourly lines: workers and booked minutes. Fixed lines: 1 and the service duration.
    workers: Mapped[int] = mapped_column(Integer, default=1)
    minutes: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    duration_minutes: Mapped[int] = mapped_column(Integer)

    extras: Mapped[list[BookingExtra]] = relationship(
        order_by="BookingExtra.id", cascade="all, delete-orphan"
    )
    parameters: Mapped[list[BookingParameter]] = relationship(
        order_by="BookingParameter.id", cascade="all, delete-orphan"
    )


class BookingExtra(Base):
    __tablename__ = "booking_extras"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("booking_lines.id", ondelete="CASCADE"), index=True)
    extra_id: Mapped[int] = mapped_column(ForeignKey("extras.id"))
    name: Mapped[str] = mapped_column(String(120))
    unit_price: Mapped[Decimal] = mapped_column(Money())
    quantity: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money())
    recurring: Mapped[bool] = mapped_column(Boolean, default=True)


class BookingParameter(Base):
    __tablename__ = "booking_parameters"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("booking_lines.id", ondelete="CASCADE"), index=True)
    parameter_id: Mapped[int] = mapped_column(ForeignKey("pricing_parameters.id"))
    name: Mapped[str] = mapped_column(String(120))
    unit_price: Mapped[Decimal] = mapped_column(Money())
    quantity: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money())


class BookingFieldValue(Base):
    """An answer to a custom field, with the label kept as it was asked."""

    __tablename__ = "booking_field_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_fields.id"))
    label: Mapped[str] = mapped_column(String(200))
    field_type: Mapped[str] = mapped_column(String(20))
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Text answers (single/multi line, date, datetime, checkbox as "true"/"false").
    value: Mapped[str | None] = mapped_column(Text)
    # Option answers: [{"id": 3, "label": "Dog", "other": null}, ...]
    options: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class BookingEvent(Base):
    """One change to a booking: who, when, what, before -> after. Never deleted."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(20))
    # {"field": [before, after], ...}
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
