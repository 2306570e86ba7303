"""Demo data: a believable cleaning-and-repair business with two offices, a team of
six, twenty customers and a few hundred bookings around today. Every booking is made
through the booking services (with the clock set back for past ones), so the demo
data obeys the same rules as real data."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import hash_password
from .actor import Actor
from .availability import available_slots
from .booking import change_status, create_booking
from .discounts import new_gift_card_code
from .errors import DomainError
from .inputs import BookingRequest, ExtraInput, FieldAnswer, HourlyInput, OptionAnswer, ParameterInput, ServiceLineInput
from .models import (
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

ADMIN_EMAIL = "admin@example.com"
LOGINS = (
    ("admin", ADMIN_EMAIL, "demo-admin-123"),
    ("staff", "staff@example.com", "demo-staff-123"),
    ("customer", "casey@example.com", "demo-customer-123"),
)
LOGINS_TEXT = "Demo logins:\n" + "\n".join(f"  {role:<9} {email:<22} password: {pw}" for role, email, pw in LOGINS)

FIRST = ["Casey", "Jordan", "Riley", "Morgan", "Avery", "Quinn", "Harper", "Rowan", "Emerson", "Finley",
         "Dakota", "Reese", "Skyler", "Parker", "Sage", "Blake", "Cameron", "Drew", "Elliot", "Hayden"]
LAST = ["Nguyen", "Okafor", "Schmidt", "Garcia", "Kowalski", "Rossi", "Haddad", "Lindqvist", "Moreau", "Tanaka",
        "Brennan", "Silva", "Novak", "Park", "Adeyemi", "Fischer", "Costa", "Murphy", "Ivanova", "Chen"]
STREETS = ["Maple Ave", "Oak St", "Cedar Ln", "Willow Rd", "Birch Ct", "Elm St", "Pine Dr", "Harbor Way"]


def seed(session: Session, *, now: datetime) -> bool:
    """Create the demo business once. Returns False if it was already there."""
    if session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None:
        return False
    rng = random.Random(20261121)
    users = _people(session, now)
    catalog = _catalog(session)
    _payment_policies(session, catalog)
    session.commit()
    _bookings(session, rng, users, catalog, now)
    return True


def _payment_policies(session: Session, catalog: dict[str, Any]) -> None:
    """Deep cleaning takes a 25 % deposit by card; an appliance repair keeps a card on file
    (charged when completed) with a no-show fee and a late-cancellation fee. They apply
    when the Stripe keys are set (`make run` sets them for localstripe)."""
    from .payments import save_policy

    services = catalog["services"]
    save_policy(session, service_id=services[1].id, values={"mode": "deposit", "deposit_type": "percent", "deposit_value": "25"})
    save_policy(session, service_id=services[5].id, values={
        "mode": "card_on_file", "no_show_fee_type": "fixed", "no_show_fee_value": "40", "late_cancel_fee_type": "percent",
        "late_cancel_fee_value": "50"})


def _people(session: Session, now: datetime) -> list[User]:
    for role, email, password in LOGINS[:2]:
        first, last = ("Ada", "Admin") if role == "admin" else ("Sam", "Staff")
        session.add(User(email=email, password_hash=hash_password(password), role=role, first_name=first, last_name=last, created_at=now))
    customers = []
    for i in range(20):
        email = LOGINS[2][1] if i == 0 else f"{FIRST[i].lower()}.{LAST[i].lower()}@example.com"
        user = User(
            email=email,
            password_hash=hash_password(LOGINS[2][2]) if i == 0 else None,
            role=Role.CUSTOMER,
            first_name=FIRST[i],
            last_name=LAST[i],
            # Mobile numbers (E.164, as stored): the first customer, the demo login, gets texts.
            phone=f"+1201555{100 + i:04d}" if i % 2 == 0 else f"+4915123456{i:03d}",
            sms_notifications=i == 0,
            address=f"{10 + i * 7} {STREETS[i % len(STREETS)]}",
            city="Brooklyn" if i % 2 == 0 else "Berlin",
            state="NY" if i % 2 == 0 else "BE",
            zip=f"112{i:02d}" if i % 2 == 0 else f"104{i:02d}",
            created_at=now,
        )
        session.add(user)
        customers.append(user)
    session.flush()
    return customers


def _catalog(session: Session) -> dict[str, object]:
    ny = Location(name="Brooklyn office", address="210 Atlantic Ave, Brooklyn, NY 11201", timezone="America/New_York", is_default=True,
                  country="US", phone="+1 718-555-0142", email="brooklyn@example.com")
    berlin = Location(name="Berlin office", address="Torstraße 110, 10119 Berlin", timezone="Europe/Berlin", currency="EUR", country="DE",
                      phone="+49 30 5550 1234", email="berlin@example.com")
    session.add_all([ny, berlin])
    specs = [
        ("Standard home cleaning", "Kitchen, bathrooms, dusting and floors.", 120, "120.00", "fixed", 0, 15, 1, 120),
        ("Deep cleaning", "Everything in a standard clean, plus inside cabinets, baseboards and behind appliances.", 240, "260.00", "fixed", 0, 30, 1, 240),
        ("Move-out cleaning", "Leave the place spotless for the next tenant.", 300, "320.00", "fixed", 0, 30, 1, 1440),
        ("Hourly cleaning", "Book cleaners by the hour and tell them what matters most.", 120, "45.00", "hourly", 0, 15, 1, 120),
        ("Handyman visit", "Small repairs: shelves, doors, leaking taps, furniture assembly.", 60, "45.00", "hourly", 15, 15, 1, 240),
        ("Appliance repair", "Diagnosis and repair of washers, dryers, dishwashers and ovens.", 90, "95.00", "fixed", 15, 15, 1, 1440),
        ("Window cleaning", "Inside and out, frames and sills.", 90, "85.00", "fixed", 0, 15, 1, 240),
        ("Cleaning workshop", "A small-group class on green cleaning at our office (up to 6 people).", 60, "25.00", "fixed", 0, 0, 6, 1440),
    ]
    services = []
    for i, (name, desc, minutes, price, mode, before, after, capacity, notice) in enumerate(specs):
        s = Service(name=name, description=desc, duration_minutes=minutes, price=Decimal(price), pricing_mode=mode,
                    buffer_before_minutes=before, buffer_after_minutes=after, capacity=capacity,
                    min_notice_minutes=notice, max_days_ahead=120, position=i,
                    at_customer=capacity == 1)  # the group class is held at the office
        s.locations.extend([ny, berlin])
        services.append(s)
    session.add_all(services)
    cleaning = services[:4]
    extras = [
        Extra(name="Inside the fridge", price=Decimal("25.00"), minutes=30, max_quantity=2, recurring=False),
        Extra(name="Inside the oven", price=Decimal("30.00"), minutes=30, max_quantity=2, recurring=False),
        Extra(name="Interior windows", price=Decimal("5.00"), minutes=10, max_quantity=30, recurring=True),
        Extra(name="Laundry (per load)", price=Decimal("15.00"), minutes=20, max_quantity=5, recurring=True),
        Extra(name="Bring a ladder", price=Decimal("10.00"), minutes=0, max_quantity=1, recurring=True),
    ]
    for e in extras[:4]:
        e.services.extend(cleaning)
    extras[4].services.extend([services[4], services[6]])
    session.add_all(extras)
    parameters = [
        PricingParameter(name="Bedrooms", price=Decimal("20.00"), minutes=30, min_quantity=0, max_quantity=10),
        PricingParameter(name="Bathrooms", price=Decimal("25.00"), minutes=30, min_quantity=1, max_quantity=8),
        PricingParameter(name="Windows", price=Decimal("6.00"), minutes=6, min_quantity=1, max_quantity=80),
    ]
    for p in parameters[:2]:
        p.services.extend([services[0], services[1], services[2]])
    parameters[2].services.append(services[6])
    session.add_all(parameters)

    def field(label: str, kind: str, *, required: bool = False, staff: bool = False, options: tuple[tuple[str, bool], ...] = ()) -> CustomField:
        f = CustomField(label=label, field_type=kind, required=required, visibility="staff" if staff else "customer")
        f.options = [CustomFieldOption(label=text, allows_other=other, position=i) for i, (text, other) in enumerate(options)]
        f.services.extend(services[:7])
        return f

    fields = [
        field("How do we get in?", "single_line", required=True),
        field("Anything we should know?", "multi_line"),
        field("Move-out date", "date"),
        field("Best time to call", "datetime"),
        field("I have pets at home", "checkbox"),
        field("Parking", "radio", options=(("Street parking", False), ("Driveway", False), ("Other", True))),
        field("Preferred products", "dropdown", options=(("Our standard products", False), ("Eco-friendly only", False), ("Fragrance-free", False))),
        field("Rooms to skip", "checkboxes", options=(("Home office", False), ("Nursery", False), ("Other", True))),
        field("Key box code (staff)", "single_line", staff=True),
    ]
    for i, f in enumerate(fields):
        f.position = i
    session.add_all(fields)
    frequencies = [
        Frequency(name="One time", interval_unit=None, interval_count=1, discount_percent=Decimal("0"), position=0),
        Frequency(name="Weekly", interval_unit="week", interval_count=1, discount_percent=Decimal("15"), position=1),
        Frequency(name="Every 2 weeks", interval_unit="week", interval_count=2, discount_percent=Decimal("10"), position=2),
        Frequency(name="Monthly", interval_unit="month", interval_count=1, discount_percent=Decimal("5"), position=3),
    ]
    session.add_all(frequencies)
    codes = [
        DiscountCode(code="WELCOME10", kind="discount", amount_type="percent", amount=Decimal("10"), max_uses=200, per_customer_limit=1,
                     description="10% off a first booking"),
        DiscountCode(code=new_gift_card_code(), kind="giftcard", amount_type="fixed", amount=Decimal("0"), balance=Decimal("50.00"),
                     description="Gift card with $50"),
        DiscountCode(code="LOYAL20", kind="reward", amount_type="fixed", amount=Decimal("20.00"), max_uses=50,
                     description="$20 off for loyal customers"),
    ]
    session.add_all(codes)

    team = [
        ("Maria Lopez", "maria@sparkle.example", ny, [0, 1, 3, 6], {0: [("08:00", "12:00"), ("13:00", "17:00")], 1: [("08:00", "16:00")], 2: [("08:00", "16:00")], 3: [("10:00", "18:00")], 4: [("08:00", "14:00")]}),
        ("Devon Clarke", "devon@sparkle.example", ny, [0, 1, 2, 3], {0: [("09:00", "17:00")], 1: [("09:00", "17:00")], 3: [("09:00", "17:00")], 4: [("09:00", "17:00")], 5: [("10:00", "15:00")]}),
        ("Sam Whitfield", "sam@sparkle.example", ny, [4, 5, 6], {d: [("08:30", "12:30"), ("13:30", "17:30")] for d in range(5)}),
        ("Lena Vogel", "lena@sparkle.example", berlin, [0, 1, 2, 3, 7], {d: [("08:00", "16:00")] for d in range(5)}),
        ("Jonas Becker", "jonas@sparkle.example", berlin, [4, 5, 6], {0: [("07:00", "15:00")], 1: [("07:00", "15:00")], 2: [("12:00", "20:00")], 3: [("07:00", "15:00")], 5: [("09:00", "13:00")]}),
        ("Aylin Demir", "aylin@sparkle.example", berlin, [0, 1, 3, 6, 7], {1: [("09:00", "18:00")], 2: [("09:00", "18:00")], 3: [("09:00", "18:00")], 4: [("09:00", "18:00")]}),
    ]
    agents = []
    for name, email, loc, service_idx, hours in team:
        a = Agent(name=name, email=email, phone="555-0199")
        a.locations.append(loc)
        a.services.extend(services[i] for i in service_idx)
        for weekday, intervals in hours.items():
            for start, end in intervals:
                a.working_hours.append(WorkingHours(weekday=weekday, start_time=time.fromisoformat(start), end_time=time.fromisoformat(end)))
        agents.append(a)
    session.add_all(agents)
    session.flush()
    return {"ny": ny, "berlin": berlin, "services": services, "extras": extras, "parameters": parameters,
            "fields": fields, "frequencies": frequencies, "agents": agents}


def _bookings(session: Session, rng: random.Random, customers: list[User], catalog: dict[str, object], now: datetime) -> None:
    agents: list[Agent] = catalog["agents"]  # type: ignore[assignment]
    frequencies: list[Frequency] = catalog["frequencies"]  # type: ignore[assignment]
    fields: list[CustomField] = catalog["fields"]  # type: ignore[assignment]
    staff = Actor.system("demo data")
    today = now.date()
    # Some time off: a half day next week and a vacation day last week.
    session.add(TimeOff(agent_id=agents[1].id, start_at=now + timedelta(days=7, hours=-now.hour + 14), end_at=now + timedelta(days=7, hours=-now.hour + 22), reason="Dentist"))
    session.add(TimeOff(agent_id=agents[3].id, start_at=now - timedelta(days=5, hours=now.hour), end_at=now - timedelta(days=4, hours=now.hour), reason="Vacation day"))
    session.commit()
    for offset in range(-21, 22):
        day = today + timedelta(days=offset)
        for agent in agents:
            for _ in range(rng.choice((2, 2, 3))):
                service = rng.choice(agent.services)
                ask_now = now if offset > 0 else datetime.combine(day - timedelta(days=3), time(12), tzinfo=now.tzinfo)
                location = agent.locations[0]
                slots = available_slots(session, service_id=service.id, day=day, now=ask_now, agent_id=agent.id, location_id=location.id).slots
                if not slots:
                    continue
                slot = rng.choice(slots)
                customer = rng.choice(customers)
                frequency = frequencies[0]
                if offset in (1, 2) and rng.random() < 0.3:
                    frequency = rng.choice(frequencies[1:])
                request = BookingRequest(
                    services=[_line(rng, service, catalog)],
                    start_at=slot.start_at,
                    agent_id=agent.id,
                    location_id=location.id,
                    customer_id=customer.id,
                    frequency_id=frequency.id,
                    status="approved" if rng.random() < 0.8 else "pending",
                    payment_method=rng.choice(("cash", "check")),
                    tip=rng.choice((0, 0, 5, 10)),
                    customer_notes=rng.choice(("", "", "Please use the side door.", "Call when you are 10 minutes away.")),
                    custom_fields=[
                        FieldAnswer(fields[0].id, value=rng.choice(("Doorman has a key", "Code 4417 at the gate", "I will be home"))),
                        FieldAnswer(fields[5].id, values=[OptionAnswer(fields[5].options[rng.randrange(2)].id)]),
                    ] if service in fields[0].services else [],
                    discount_code=rng.choice(("WELCOME10", "LOYAL20")) if offset > 0 and rng.random() < 0.1 else None,
                    send_notifications=False,
                )
                try:
                    result = create_booking(session, request, actor=staff, now=ask_now)
                except DomainError:
                    continue
                if offset < 0:
                    outcome = rng.random()
                    status = "completed" if outcome < 0.75 else "no_show" if outcome < 0.85 else "cancelled"
                    if result.booking.status == "pending" and status != "cancelled":
                        change_status(session, result.booking.id, "approved", actor=staff, now=ask_now, notify=False)
                    change_status(session, result.booking.id, status, actor=staff, now=result.booking.end_at + timedelta(hours=1), notify=False)
                elif rng.random() < 0.08:
                    change_status(session, result.booking.id, "cancelled", actor=staff, now=now, reason="Customer called to cancel", notify=False)


def _line(rng: random.Random, service: Service, catalog: dict[str, object]) -> ServiceLineInput:
    line = ServiceLineInput(id=service.id)
    if service.is_hourly:
        line.hourly = HourlyInput(quantity=rng.choice((1, 1, 2)), minutes=rng.choice((60, 90, 120)))
    if service.extras and rng.random() < 0.4:
        extra: Extra = rng.choice(service.extras)
        line.extras = [ExtraInput(extra.id, 1)]
    line.pricing_parameters = [ParameterInput(p.id, max(p.min_quantity, rng.randint(1, 3))) for p in service.parameters]
    return line


