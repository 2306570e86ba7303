"""GET /availability: free start times for one day or several; and the times one booking
can move to (staff: GET /bookings/{id}/availability, customers: GET
/customer/bookings/{id}/availability)."""
from __future__ import annotations

from typing import Any

import orjson

from ..db import get_session
from ..domain import queries
from ..domain.availability import available_days
from ..domain.booking import customer_change_refusal, move_times
from ..domain.errors import FieldErrors
from ..domain.timeutil import parse_date, zone
from ..domain.validation import as_id, as_int
from . import bp
from .auth import client, customer, now, public_read, staff
from .query import query_args
from .responses import encode, success


def _day(result: Any, tz: Any) -> dict[str, Any]:
    """One day as the API answers it, each part already encoded. When every cached start
    of the day is still bookable the answer depends on the cached day alone, so it is
    encoded once and kept with it (its `views`, a few KB); otherwise (today, the notice
    or the horizon cutting in) it is encoded for this request."""
    if result.whole is not None:
        found = result.whole.views.get("api")
        if found is None:
            found = result.whole.views["api"] = _encoded(_render(result, tz))
        return found
    return _encoded(_render(result, tz))


def _encoded(day: dict[str, Any]) -> dict[str, Any]:
    """The day as JSON fragments: its parts (the head of the answer spreads them) and
    the whole (an item of `days`)."""
    parts: dict[str, Any] = {k: orjson.Fragment(encode(v)) for k, v in day.items()}
    parts["whole"] = orjson.Fragment(encode(day))
    return parts


def _render(result: Any, tz: Any) -> dict[str, Any]:
    by_agent: dict[str, list[str]] = {}
    for slot in result.slots:
        for agent_id in slot.agent_ids:
            by_agent.setdefault(str(agent_id), []).append(slot.time)
    return {
        "date": result.date.isoformat(),
        "available_slots": result.available_slots,
        "slots": [{"time": s.time, "start_at": s.start_at.astimezone(tz).isoformat()} for s in result.slots],
        "slots_by_agent": by_agent,
    }


def _days(args: dict[str, str], errors: FieldErrors) -> tuple[Any, int]:
    """The first day (`date`, required) and how many days (`days`, 1-14, default 1)."""
    days = as_int(errors, "days", args.get("days", "1"), lo=1, hi=14) or 1
    try:
        first = parse_date(args.get("date"))
    except (ValueError, TypeError):
        errors.add("date", "Expected a date as YYYY-MM-DD.")
        first = None
    return first, days


@bp.get("/availability")
@public_read()
def availability() -> Any:
    args = query_args()
    errors = FieldErrors()
    first, days = _days(args, errors)
    errors.raise_if_any("The availability request is not valid.")
    assert first is not None
    results = available_days(
        get_session(),
        service_id=args.get("service_id"),
        first=first,
        days=days,
        now=now(),
        agent_id=args.get("agent_id", "any"),
        duration=args.get("duration"),
        location_id=args.get("location_id"),
    )
    head = results[0]
    tz = zone(head.timezone)
    data: dict[str, Any] = {
        "date": head.date.isoformat(),
        "service_id": head.service_id,
        "agent_id": head.agent_id,
        "location_id": head.location_id,
        "duration": head.duration,
        **{k: v for k, v in _day(head, tz).items() if k not in ("date", "whole")},
    }
    if days > 1:
        data["days"] = [_day(r, tz)["whole"] for r in results]
    return success(data)


def _move_availability(booking_id: str, *, staff_view: bool) -> Any:
    """The times the booking can move to, day by day: what `PUT` of the booking (staff)
    or the customer's reschedule accepts, its own time left out. Customers keep their
    agent; staff may ask for another (`agent_id`)."""
    args = query_args()
    errors = FieldErrors()
    first, days = _days(args, errors)
    agent_id = as_id(errors, "agent_id", args["agent_id"]) if staff_view and "agent_id" in args else None
    errors.raise_if_any("The availability request is not valid.")
    assert first is not None
    session = get_session()
    booking = queries.get_booking(session, booking_id, actor=client().actor)
    if not staff_view and (refusal := customer_change_refusal(session, booking, now())) is not None:
        raise refusal
    found = move_times(session, booking, first=first, days=days, agent_id=agent_id, now=now(), staff=staff_view)
    tz = zone(booking.location.timezone)
    return success({
        "booking_id": booking.id, "agent_id": agent_id or booking.agent_id, "duration": booking.duration_minutes,
        "days": [{"date": day.isoformat(), "available_slots": [s.time for s in slots],
                  "slots": [{"time": s.time, "start_at": s.start_at.astimezone(tz).isoformat()} for s in slots]}
                 for day, slots in found],
    })


@bp.get("/bookings/<ref:booking_id>/availability")
@staff()
def booking_availability(booking_id: str) -> Any:
    return _move_availability(booking_id, staff_view=True)


@bp.get("/customer/bookings/<ref:booking_id>/availability")
@customer()
def customer_booking_availability(booking_id: str) -> Any:
    return _move_availability(booking_id, staff_view=False)
