"""The office dashboard's figures for one location, each one query.

Periods are local calendar periods in the location's zone (a week runs Monday to
Sunday), turned into UTC instants once. "Booked" means pending, approved or completed:
a cancelled booking frees its time and a no-show did not happen, so neither counts as
revenue or as hours worked. Amounts are in the location's currency (one location, one
currency), so sums never mix currencies.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, joinedload

from .models import (
    Agent, Booking, BookingStatus, Location, Payment, PaymentKind, PaymentStatus, Service, agent_locations, agent_services,
)
from .models.catalog import service_locations
from .payments import major_units
from .timeutil import local_day_bounds

BOOKED = (BookingStatus.PENDING, BookingStatus.APPROVED, BookingStatus.COMPLETED)


@dataclass(frozen=True)
class Period:
    """A local period [first, last] and the one before it of the same length."""

    first: date
    last: date
    previous_first: date
    previous_last: date

    @classmethod
    def week_of(cls, day: date) -> Period:
        first = day - timedelta(days=day.weekday())
        return cls(first, first + timedelta(days=6), first - timedelta(days=7), first - timedelta(days=1))

    @classmethod
    def month_of(cls, day: date) -> Period:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        previous_last = first - timedelta(days=1)
        return cls(first, following - timedelta(days=1), previous_last.replace(day=1), previous_last)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    return local_day_bounds(first, tz)[0], local_day_bounds(last, tz)[1]


@dataclass
class AgentDay:
    agent_name: str
    bookings: list[Booking]


def bookings_by_agent(session: Session, location: Location, day: date, tz: ZoneInfo) -> list[AgentDay]:
    """The day's bookings (cancelled left out), grouped by agent in name order. One query:
    customer, service and agent come joined."""
    start, end = local_day_bounds(day, tz)
    rows = session.scalars(
        select(Booking)
        .join(Booking.agent)
        .where(Booking.location_id == location.id, Booking.start_at >= start, Booking.start_at < end,
               Booking.status != BookingStatus.CANCELLED)
        .options(joinedload(Booking.customer), joinedload(Booking.service), joinedload(Booking.agent))
        .order_by(Agent.name, Agent.id, Booking.start_at)
    )
    groups: dict[int, AgentDay] = {}
    for booking in rows:
        groups.setdefault(booking.agent_id, AgentDay(booking.agent.name, [])).bookings.append(booking)
    return list(groups.values())


def waiting_for_approval(session: Session, location: Location, now: datetime, limit: int = 25) -> list[Booking]:
    """Pending bookings that have not started yet, soonest first. One query."""
    return list(session.scalars(
        select(Booking)
        .where(Booking.location_id == location.id, Booking.status == BookingStatus.PENDING, Booking.start_at >= now)
        .options(joinedload(Booking.customer), joinedload(Booking.service), joinedload(Booking.agent))
        .order_by(Booking.start_at, Booking.id).limit(limit)
    ))


@dataclass(frozen=True)
class Comparison:
    """Booked count and revenue in a period against the period before."""

    count: int
    revenue: Decimal
    previous_count: int
    previous_revenue: Decimal

    @property
    def revenue_change(self) -> Decimal | None:
        """Change in percent, None when there is nothing to compare with."""
        if not self.previous_revenue:
            return None
        return ((self.revenue - self.previous_revenue) / self.previous_revenue * 100).quantize(Decimal("1"))


def booked_revenue(session: Session, location: Location, period: Period, tz: ZoneInfo) -> Comparison:
    """Booked count and total in `period` and the period before it. One query."""
    start, end = _bounds(period.first, period.last, tz)
    previous_start, previous_end = _bounds(period.previous_first, period.previous_last, tz)
    now_part = and_(Booking.start_at >= start, Booking.start_at < end)
    before_part = and_(Booking.start_at >= previous_start, Booking.start_at < previous_end)
    row = session.execute(
        select(
            func.count(case((now_part, 1))),
            func.coalesce(func.sum(case((now_part, Booking.total))), 0),
            func.count(case((before_part, 1))),
            func.coalesce(func.sum(case((before_part, Booking.total))), 0),
        ).where(Booking.location_id == location.id, Booking.status.in_(BOOKED), Booking.start_at >= previous_start,
                Booking.start_at < end)
    ).one()
    money = [Decimal(str(v)).quantize(Decimal("0.01")) for v in (row[1], row[3])]
    return Comparison(int(row[0]), money[0], int(row[2]), money[1])


def revenue_by_day(session: Session, location: Location, period: Period, tz: ZoneInfo) -> list[tuple[date, Decimal, Decimal]]:
    """Per day of `period`: (day, booked revenue, revenue on the same day of the period
    before). One query; the days are local, so they are told apart in Python."""
    previous_start, _ = _bounds(period.previous_first, period.previous_last, tz)
    _, end = _bounds(period.first, period.last, tz)
    sums: dict[date, Decimal] = defaultdict(Decimal)
    for start_at, total in session.execute(
        select(Booking.start_at, Booking.total).where(
            Booking.location_id == location.id, Booking.status.in_(BOOKED), Booking.start_at >= previous_start, Booking.start_at < end)
    ):
        sums[start_at.astimezone(tz).date()] += total
    shift = period.first - period.previous_first
    return [(d, sums[d], sums[d - shift]) for d in period.days]


@dataclass(frozen=True)
class Collected:
    """Money taken by card for the bookings of a period (succeeded charges and fees minus
    refunds made), in one currency, against the period before."""

    currency: str
    amount: Decimal
    previous_amount: Decimal


def money_collected(session: Session, location: Location, period: Period, tz: ZoneInfo) -> list[Collected]:
    """Per currency, what was collected by card for the bookings of `period` (by their
    start, as booked revenue counts them, whatever their status now: a no-show's fee is
    money collected) and of the period before. One query. Pending and failed charges are
    not money; a refund counts once Stripe made it."""
    start, end = _bounds(period.first, period.last, tz)
    previous_start, _ = _bounds(period.previous_first, period.previous_last, tz)
    signed = case((Payment.kind == PaymentKind.REFUND, -Payment.amount_minor), else_=Payment.amount_minor)
    current = Booking.start_at >= start
    rows = session.execute(
        select(Payment.currency, func.coalesce(func.sum(case((current, signed), else_=0)), 0),
               func.coalesce(func.sum(case((current, 0), else_=signed)), 0))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(Booking.location_id == location.id, Booking.start_at >= previous_start, Booking.start_at < end,
               Payment.status == PaymentStatus.SUCCEEDED)
        .group_by(Payment.currency).order_by(Payment.currency)
    )
    return [Collected(currency, major_units(int(amount), currency), major_units(int(before), currency))
            for currency, amount, before in rows]


@dataclass(frozen=True)
class Utilisation:
    agent_id: int
    agent_name: str
    booked_minutes: int
    working_minutes: int

    @property
    def share(self) -> Decimal | None:
        """Booked hours over working hours, in percent; None for an agent with no hours."""
        if not self.working_minutes:
            return None
        return (Decimal(self.booked_minutes) / self.working_minutes * 100).quantize(Decimal("1"))


def utilisation(session: Session, location: Location, period: Period, tz: ZoneInfo) -> list[Utilisation]:
    """Per active agent of the location: minutes booked in `period` over the minutes of
    their weekly hours on its days. One query: the hours come joined, booked minutes as
    a correlated sum."""
    start, end = _bounds(period.first, period.last, tz)
    booked = (
        select(func.coalesce(func.sum(Booking.duration_minutes), 0))
        .where(Booking.agent_id == Agent.id, Booking.location_id == location.id, Booking.status.in_(BOOKED),
               Booking.start_at >= start, Booking.start_at < end)
        .correlate(Agent).scalar_subquery()
    )
    rows = session.execute(
        select(Agent, booked)
        .join(agent_locations, agent_locations.c.agent_id == Agent.id)
        .where(agent_locations.c.location_id == location.id, Agent.active.is_(True))
        .options(joinedload(Agent.working_hours))
        .order_by(Agent.name, Agent.id)
    ).unique()
    result = []
    for agent, booked_minutes in rows:
        per_weekday: dict[int, int] = defaultdict(int)
        for wh in agent.working_hours:
            per_weekday[wh.weekday] += (wh.end_time.hour * 60 + wh.end_time.minute) - (wh.start_time.hour * 60 + wh.start_time.minute)
        working = sum(per_weekday[d.weekday()] for d in period.days)
        result.append(Utilisation(agent.id, agent.name, int(booked_minutes or 0), working))
    return result


@dataclass(frozen=True)
class Losses:
    cancelled: int
    no_show: int
    previous_cancelled: int
    previous_no_show: int


def cancellations_and_no_shows(session: Session, location: Location, period: Period, tz: ZoneInfo) -> Losses:
    """Bookings of `period` (and the one before) that were cancelled or not turned up to,
    by their start time. One query."""
    start, end = _bounds(period.first, period.last, tz)
    previous_start, _ = _bounds(period.previous_first, period.previous_last, tz)
    current = Booking.start_at >= start

    def counted(status: str, in_current: bool) -> object:
        return func.count(case((and_(Booking.status == status, current if in_current else ~current), 1)))

    row = session.execute(
        select(counted(BookingStatus.CANCELLED, True), counted(BookingStatus.NO_SHOW, True),
               counted(BookingStatus.CANCELLED, False), counted(BookingStatus.NO_SHOW, False))
        .where(Booking.location_id == location.id, Booking.start_at >= previous_start, Booking.start_at < end,
               Booking.status.in_((BookingStatus.CANCELLED, BookingStatus.NO_SHOW)))
    ).one()
    return Losses(*(int(v) for v in row))


@dataclass
class Undeliverable:
    location_name: str
    services: list[str] = field(default_factory=list)


def undeliverable_services(session: Session) -> list[Undeliverable]:
    """Active services offered at an active location where no active agent who does the
    service works: customers there cannot book them. One query, every location."""
    somebody = exists().where(
        agent_services.c.service_id == Service.id, agent_locations.c.agent_id == agent_services.c.agent_id,
        agent_locations.c.location_id == Location.id, Agent.id == agent_services.c.agent_id, Agent.active.is_(True),
    )
    rows = session.execute(
        select(Location.name, Service.name)
        .join(service_locations, service_locations.c.location_id == Location.id)
        .join(Service, Service.id == service_locations.c.service_id)
        .where(Location.active.is_(True), Service.active.is_(True), ~somebody)
        .order_by(Location.name, Service.position, Service.name)
    )
    result: dict[str, Undeliverable] = {}
    for location_name, service_name in rows:
        result.setdefault(location_name, Undeliverable(location_name)).services.append(service_name)
    return list(result.values())
