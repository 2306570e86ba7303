"""The data the receptionist's tasks need, made through the booking services of the
checkout being measured (this file is run as a script with that checkout as the working
directory, so it imports *its* `app`): the demo business, then

- every pending demo booking approved, and 11 new pending bookings over the coming days
  at the first office (the ones "that came in overnight");
- a weekly series for one customer, starting next week;
- one approved booking to cancel.

It prints one JSON line: what the tasks look for (customer names, booking codes).

    python bench/receptionist_setup.py   (DATABASE_URL and NOW in the environment)
"""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app import clock, create_app
from app.db import session_factory
from app.domain import demo
from app.domain.actor import Actor
from app.domain.availability import available_slots
from app.domain.booking import change_status, create_booking
from app.domain.errors import DomainError
from app.domain.inputs import BookingRequest, HourlyInput, ParameterInput, ServiceLineInput
from app.domain.models import Agent, Booking, Frequency, Location, Service, User

PENDING = 11


def _book(session, *, now, service, agent, location, customer, start_at, status, frequency_id=None):
    line = ServiceLineInput(id=service.id)
    if service.is_hourly:
        line.hourly = HourlyInput(quantity=1, minutes=60)
    line.pricing_parameters = [ParameterInput(p.id, p.min_quantity or 1) for p in service.parameters]
    request = BookingRequest(services=[line], start_at=start_at, agent_id=agent.id, location_id=location.id,
                             customer_id=customer.id, status=status, payment_method="cash", frequency_id=frequency_id,
                             send_notifications=False)
    return create_booking(session, request, actor=Actor.system("receptionist bench"), now=now)


def _try_book(session, slots, **kw):
    """Book at the first of `slots` that takes this booking (its parameters may make it
    longer than the service's own length), or None."""
    for slot in slots:
        try:
            return _book(session, start_at=slot.start_at, **kw)
        except DomainError:
            session.rollback()
    return None


def _free_slots(session, service, agent, location, day, now):
    return available_slots(session, service_id=service.id, day=day, now=now, agent_id=agent.id,
                           location_id=location.id).slots


def prepare(session, *, now) -> dict:
    """The demo business (seeded unless it is there) and the tasks' data; returns what the
    tasks look for."""
    demo.seed(session, now=now)
    system = Actor.system("receptionist bench")
    for booking_id in session.scalars(select(Booking.id).where(Booking.status == "pending")).all():
        change_status(session, booking_id, "approved", actor=system, now=now, notify=False)
    location = session.scalars(select(Location).order_by(Location.id)).first()
    customers = session.scalars(select(User).where(User.role == "customer").order_by(User.id)).all()
    agents = [a for a in session.scalars(select(Agent).order_by(Agent.id)).all() if location in a.locations]
    pending_codes: list[str] = []
    for days in range(1, 15):
        for agent in agents:
            if len(pending_codes) == PENDING:
                break
            service = sorted(agent.services, key=lambda s: s.id)[days % len(agent.services)]
            slots = _free_slots(session, service, agent, location, (now + timedelta(days=days)).date(), now)
            result = _try_book(session, slots, now=now, service=service, agent=agent, location=location,
                               customer=customers[(len(pending_codes) + 3) % len(customers)], status="pending")
            if result is not None:
                pending_codes.append(result.booking.booking_code)
    assert len(pending_codes) == PENDING, pending_codes

    # The series: weekly, at the first free start next week of the first agent.
    weekly = session.scalars(select(Frequency).where(Frequency.interval_unit == "week",
                                                     Frequency.interval_count == 1)).one()
    series_customer = customers[1]
    agent = agents[0]
    service = sorted(agent.services, key=lambda s: s.id)[0]
    day = (now + timedelta(days=8)).date()
    series = None
    while series is None:
        series = _try_book(session, _free_slots(session, service, agent, location, day, now), now=now, service=service,
                           agent=agent, location=location, customer=series_customer, status="approved",
                           frequency_id=weekly.id)
        day += timedelta(days=1)
    visits = session.scalars(select(Booking).where(Booking.customer_id == series_customer.id,
                                                  Booking.start_at >= series.booking.start_at,
                                                  Booking.frequency_id == weekly.id,
                                                  Booking.status == "approved")
                            .order_by(Booking.start_at)).all()

    # The one to cancel: the first approved booking of Thursday, by its code (the
    # customer calls with the code of the confirmation e-mail).
    victim = session.scalars(select(Booking).where(Booking.status == "approved", Booking.location_id == location.id,
                                                   Booking.start_at >= now + timedelta(days=3))
                             .order_by(Booking.start_at)).first()
    urgent_service = session.scalars(select(Service).where(Service.name == "Appliance repair")).one()
    return {
        "location": location.name,
        "pending": pending_codes,
        "series_customer": series_customer.full_name,
        "series_first": series.booking.booking_code,
        "series_first_id": series.booking.id,
        "series_customer_id": series_customer.id,
        "series_codes": [v.booking_code for v in visits],
        "series_visits": len(visits),
        "series_agent": agent.name,
        "cancel_code": victim.booking_code,
        "cancel_customer": victim.customer.full_name,
        "urgent_customer": customers[2].full_name,
        "urgent_service": urgent_service.name,
    }


def main() -> None:
    app = create_app()
    with app.app_context(), session_factory()() as session:
        print(json.dumps(prepare(session, now=clock.now())))


if __name__ == "__main__":
    main()
