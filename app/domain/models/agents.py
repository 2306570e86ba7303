"""Agents (the people who do the work), their weekly hours and time off."""
from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime
from .catalog import Location, Service, link_table
from .settings import GENERATION, new_generation

agent_services = link_table("agent_services", ("agent_id", "agents"), ("service_id", "services"))
agent_locations = link_table("agent_locations", ("agent_id", "agents"), ("location_id", "locations"))


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Raised in the transaction that changes this agent's bookings, time off or hours
    # (concurrency.py): cached day plans are keyed by it, so none outlives a change.
    schedule_version: Mapped[int] = mapped_column(GENERATION, default=new_generation, server_default="1")

    services: Mapped[list[Service]] = relationship(secondary=agent_services)
    locations: Mapped[list[Location]] = relationship(secondary=agent_locations)
    working_hours: Mapped[list[WorkingHours]] = relationship(
        order_by="(WorkingHours.weekday, WorkingHours.start_time)", cascade="all, delete-orphan"
    )


class WorkingHours(Base):
    """One interval of a weekday, in the local time of the location worked at."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # Monday = 0, as in datetime.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class TimeOff(Base):
    __tablename__ = "time_off"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="start_before_end"),
        Index("ix_time_off_agent_start", "agent_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(255), default="")
