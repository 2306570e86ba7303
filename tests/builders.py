"""Small builders for catalog data, so each test states only what matters to it."""
from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.inputs import BookingRequest, CustomerInput, ServiceLineInput
from app.domain.models import (
    Agent,
    CustomField,
    CustomFieldOption,
    DiscountCode,
    Extra,
    Frequency,
    Location,
    PricingParameter,
    Role,
    Service,
    TimeOff,
    User,
    WorkingHours,
)

STAFF = Actor("user", None, "Test Staff", Role.STAFF)
ADMIN = Actor("user", None, "Test Admin", Role.ADMIN)


def location(session: Session, tz: str = "America/New_York", **kw: Any) -> Location:
    loc = Location(name=kw.pop("name", f"Office {tz}"), timezone=tz, address=kw.pop("address", "1 Main St"), is_default=kw.pop("is_default", True), **kw)
    session.add(loc)
    session.flush()
    return loc


def service(session: Session, loc: Location | None = None, **kw: Any) -> Service:
    defaults: dict[str, Any] = {"name": "Standard clean", "duration_minutes": 60, "price": Decimal("100.00")}
    svc = Service(**(defaults | kw))
    if loc is not None:
        svc.locations.append(loc)
    session.add(svc)
    session.flush()
    return svc


def agent(
    session: Session,
    services: list[Service],
    loc: Location,
    hours: dict[int, list[tuple[str, str]]] | None = None,
    **kw: Any,
) -> Agent:
    """An agent working `hours` (weekday -> [("09:00", "17:00"), ...]); default Mon-Sun 9-17."""
    a = Agent(name=kw.pop("name", "Alex Agent"), email=kw.pop("email", "alex@example.com"), **kw)
    a.services.extend(services)
    a.locations.append(loc)
    hours = hours if hours is not None else {d: [("09:00", "17:00")] for d in range(7)}
    for weekday, intervals in hours.items():
        for start, end in intervals:
            a.working_hours.append(WorkingHours(weekday=weekday, start_time=time.fromisoformat(start), end_time=time.fromisoformat(end)))
    session.add(a)
    session.flush()
    return a


def time_off(session: Session, a: Agent, start: datetime, end: datetime) -> TimeOff:
    off = TimeOff(agent_id=a.id, start_at=start, end_at=end, reason="Dentist")
    session.add(off)
    session.flush()
    return off


def customer(session: Session, email: str = "casey@example.com", **kw: Any) -> User:
    u = User(email=email, role=Role.CUSTOMER, first_name=kw.pop("first_name", "Casey"), last_name=kw.pop("last_name", "Customer"), address=kw.pop("address", "12 Elm St"), **kw)
    session.add(u)
    session.flush()
    return u


def extra(session: Session, services: list[Service], **kw: Any) -> Extra:
    defaults: dict[str, Any] = {"name": "Inside the fridge", "price": Decimal("25.00"), "minutes": 30, "max_quantity": 5}
    e = Extra(**(defaults | kw))
    e.services.extend(services)
    session.add(e)
    session.flush()
    return e


def parameter(session: Session, services: list[Service], **kw: Any) -> PricingParameter:
    defaults: dict[str, Any] = {"name": "Bedrooms", "price": Decimal("15.00"), "minutes": 20, "min_quantity": 0, "max_quantity": 10}
    p = PricingParameter(**(defaults | kw))
    p.services.extend(services)
    session.add(p)
    session.flush()
    return p


def frequency(session: Session, name: str = "Weekly", unit: str | None = "week", count: int = 1, percent: str = "10") -> Frequency:
    f = Frequency(name=name, interval_unit=unit, interval_count=count, discount_percent=Decimal(percent))
    session.add(f)
    session.flush()
    return f


def code(session: Session, text: str = "SAVE10", **kw: Any) -> DiscountCode:
    defaults: dict[str, Any] = {"kind": "discount", "amount_type": "percent", "amount": Decimal("10")}
    c = DiscountCode(code=text, **(defaults | kw))
    session.add(c)
    session.flush()
    return c


def field(session: Session, services: list[Service], field_type: str, label: str = "Question", options: list[tuple[str, bool]] | None = None, **kw: Any) -> CustomField:
    f = CustomField(label=label, field_type=field_type, **kw)
    for i, (text, other) in enumerate(options or []):
        f.options.append(CustomFieldOption(label=text, allows_other=other, position=i))
    f.services.extend(services)
    session.add(f)
    session.flush()
    return f


def request(service_id: int, when: datetime | None = None, *, day: str | None = None, at: str | None = None, **kw: Any) -> BookingRequest:
    lines = kw.pop("services", None) or [ServiceLineInput(id=service_id)]
    if "customer_id" not in kw and "customer" not in kw:
        kw["customer"] = CustomerInput("Casey", "Customer", "casey@example.com", "201-555-0100")
    return BookingRequest(services=lines, start_at=when, start_date=day, start_time=at, **kw)


def at_utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def customer_actor(user: User) -> Actor:
    return Actor.for_user(user)


def basic_setup(session: Session, tz: str = "America/New_York", **service_kw: Any) -> tuple[Location, Service, Agent]:
    loc = location(session, tz)
    svc = service(session, loc, **service_kw)
    a = agent(session, [svc], loc)
    session.commit()
    return loc, svc, a


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table, to show that a refused request wrote nothing."""
    from sqlalchemy import func, select

    from app.domain.models import Base

    session.rollback()
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in Base.metadata.sorted_tables}


def stored(session: Session) -> dict[str, int]:
    """Rows per table, less the rate-limit counters every request moves."""
    return {table: count for table, count in table_counts(session).items() if table != "rate_limits"}
