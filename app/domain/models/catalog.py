"""What the business sells: locations, services, extras, pricing parameters,
custom fields and frequencies."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, FixedDecimal, Money
from .enums import FieldType, FieldVisibility, PricingMode, sql_in


def link_table(name: str, left: tuple[str, str], right: tuple[str, str]) -> Table:
    """A many-to-many table: (column, referenced table) on each side."""
    return Table(
        name,
        Base.metadata,
        *(
            Column(column, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True)
            for column, table in (left, right)
        ),
    )


service_locations = link_table("service_locations", ("service_id", "services"), ("location_id", "locations"))
extra_services = link_table("extra_services", ("extra_id", "extras"), ("service_id", "services"))
parameter_services = link_table("parameter_services", ("parameter_id", "pricing_parameters"), ("service_id", "services"))
field_services = link_table("custom_field_services", ("field_id", "custom_fields"), ("service_id", "services"))


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    # ISO 4217 code of the money this office charges in; NULL: the business's currency.
    currency: Mapped[str | None] = mapped_column(String(3))
    # How customers reach this office (shown on booking pages, the footer and every "call us").
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(255), default="", server_default="")
    # ISO 3166 code (US, DE): phone numbers written without a country code are read as
    # this country's. NULL: the business's `phone_region`.
    country: Mapped[str | None] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint(f"pricing_mode IN {sql_in(list(PricingMode))}", name="pricing_mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # For hourly services this is the hourly rate per worker.
    price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    pricing_mode: Mapped[str] = mapped_column(String(10), default=PricingMode.FIXED)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Done at the customer's place (a booking needs their street address) or at the
    # office (a workshop: no address asked, the visit is at the location).
    at_customer: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Fixed class start times in the location's zone ("10:00, 18:00"; app/domain/class_times.py):
    # set, the service starts only then, on every day an agent works then; empty, on the grid.
    class_times: Mapped[str] = mapped_column(String(200), default="", server_default="")
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=365)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    locations: Mapped[list[Location]] = relationship(secondary=service_locations)
    extras: Mapped[list[Extra]] = relationship(secondary=extra_services, back_populates="services")
    parameters: Mapped[list[PricingParameter]] = relationship(
        secondary=parameter_services, back_populates="services"
    )
    custom_fields: Mapped[list[CustomField]] = relationship(
        secondary=field_services, back_populates="services"
    )

    @property
    def is_hourly(self) -> bool:
        return self.pricing_mode == PricingMode.HOURLY


class Extra(Base):
    __tablename__ = "extras"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_quantity: Mapped[int] = mapped_column(Integer, default=1)
    # Whether the extra may repeat on every occurrence of a recurring series.
    recurring: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    services: Mapped[list[Service]] = relationship(secondary=extra_services, back_populates="extras")


class PricingParameter(Base):
    __tablename__ = "pricing_parameters"
    __table_args__ = (
        CheckConstraint("min_quantity >= 0 AND max_quantity <= 250000", name="quantity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    price: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0"))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_quantity: Mapped[int] = mapped_column(Integer, default=0)
    max_quantity: Mapped[int] = mapped_column(Integer, default=250000)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    services: Mapped[list[Service]] = relationship(
        secondary=parameter_services, back_populates="parameters"
    )


class CustomField(Base):
    __tablename__ = "custom_fields"
    __table_args__ = (
        CheckConstraint(f"field_type IN {sql_in(list(FieldType))}", name="field_type_known"),
        CheckConstraint(f"visibility IN {sql_in(list(FieldVisibility))}", name="visibility_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    field_type: Mapped[str] = mapped_column(String(20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(10), default=FieldVisibility.CUSTOMER)
    help_text: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    options: Mapped[list[CustomFieldOption]] = relationship(
        order_by="CustomFieldOption.position", cascade="all, delete-orphan"
    )
    services: Mapped[list[Service]] = relationship(
        secondary=field_services, back_populates="custom_fields"
    )

    @property
    def staff_only(self) -> bool:
        return self.visibility == FieldVisibility.STAFF


class CustomFieldOption(Base):
    __tablename__ = "custom_field_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("custom_fields.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200))
    allows_other: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Frequency(Base):
    __tablename__ = "frequencies"
    __table_args__ = (
        CheckConstraint(
            "interval_unit IS NULL OR interval_unit IN ('week', 'month')", name="interval_unit_known"
        ),
        # Stored in hundredths of a percent (FixedDecimal), so 100% is 10000.
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 10000", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # NULL unit means one-time.
    interval_unit: Mapped[str | None] = mapped_column(String(10))
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    discount_percent: Mapped[Decimal] = mapped_column(FixedDecimal(2), default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def recurs(self) -> bool:
        return self.interval_unit is not None
