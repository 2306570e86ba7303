"""JSON shapes of bookings and catalog objects (money as two-place strings)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from ..domain.models import (
    Agent,
    Booking,
    CustomField,
    Extra,
    Frequency,
    Location,
    PricingParameter,
    Service,
    User,
)
from ..domain.booking import price_adjustment
from ..domain.queries import agent_ids_for_service
from ..domain.payments import payment_state
from ..domain.timeutil import zone


def money(value: Any) -> str:
    return f"{value:.2f}"


def booking(b: Booking, *, staff: bool = True) -> dict[str, Any]:
    tz = zone(b.location.timezone)
    start, end = b.start_at.astimezone(tz), b.end_at.astimezone(tz)
    data: dict[str, Any] = {
        "id": b.id,
        "booking_code": b.booking_code,
        "status": b.status,
        "version": b.version,
        "service_id": b.service_id,
        "service_name": b.service.name,
        "services": [
            {
                "id": line.service_id,
                "name": line.name,
                "pricing_mode": line.pricing_mode,
                "unit_price": money(line.unit_price),
                "hourly": {"quantity": line.workers, "minutes": line.minutes} if line.pricing_mode == "hourly" else None,
                "amount": money(line.amount),
                "duration": line.duration_minutes,
                "extras": [
                    {"id": e.extra_id, "name": e.name, "quantity": e.quantity, "unit_price": money(e.unit_price),
                     "amount": money(e.amount), "recurring": e.recurring}
                    for e in line.extras
                ],
                "pricing_parameters": [
                    {"id": p.parameter_id, "name": p.name, "quantity": p.quantity, "unit_price": money(p.unit_price),
                     "amount": money(p.amount)}
                    for p in line.parameters
                ],
            }
            for line in b.lines
        ],
        "agent_id": b.agent_id,
        "agent_name": b.agent.name,
        "location_id": b.location_id,
        "customer_id": b.customer_id,
        "customer": {
            "first_name": b.customer.first_name,
            "last_name": b.customer.last_name,
            "email": b.customer.email,
            "phone": b.customer.phone,
        },
        "start_date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "start_at": start.isoformat(),
        "end_at": end.isoformat(),
        "duration": b.duration_minutes,
        "arrival_window": b.arrival_window,
        "sms_notifications": b.sms_notifications,
        "price": {
            "subtotal": money(b.subtotal),
            "frequency_discount": money(b.frequency_discount),
            "discount": money(b.discount),
            "gift_card": money(b.gift_card),
            "tip": money(b.tip),
            # A custom price's difference from the lines and discounts (0.00 without one):
            # subtotal - frequency_discount - discount - gift_card + adjustment + tip = total.
            "adjustment": money(price_adjustment(b)),
            "total": money(b.total),
        },
        "price_overridden": b.price_overridden,
        "payment_method": b.payment_method,
        # What was paid by card, is due and was refunded (app/domain/payments.py).
        "payment": payment_state(object_session(b), b).as_dict(),
        "frequency_id": b.frequency_id,
        "series_id": b.series_id,
        "notes": b.customer_notes,
        "address": {"address": b.address, "city": b.city, "state": b.state, "zip": b.zip, "phone": b.phone},
        "custom_fields": [
            {"id": v.field_id, "label": v.label, "value": v.value}
            if v.options is None
            else {"id": v.field_id, "label": v.label, "values": [{"id": o["id"], "label": o["label"], "other": o.get("other")} for o in v.options]}
            for v in b.field_values
            if staff or not v.staff_only
        ],
        "original_booking_id": b.original_booking_id,
        "created_at": b.created_at.isoformat(),
        "updated_at": b.updated_at.isoformat(),
        "change": b.change_number,
    }
    if staff:
        data["staff_notes"] = b.staff_notes
    return data


def service(s: Service) -> dict[str, Any]:
    session = object_session(s)
    return {
        "id": s.id, "name": s.name, "description": s.description, "active": s.active,
        "duration": s.duration_minutes, "price": money(s.price), "pricing_mode": s.pricing_mode,
        "buffer_before": s.buffer_before_minutes, "buffer_after": s.buffer_after_minutes, "capacity": s.capacity,
        "at_customer": s.at_customer, "min_notice_minutes": s.min_notice_minutes, "max_days_ahead": s.max_days_ahead,
        "location_ids": [loc.id for loc in s.locations],
        "agent_ids": agent_ids_for_service(session, s.id) if session is not None else [],
        "extra_ids": [e.id for e in s.extras], "pricing_parameter_ids": [p.id for p in s.parameters],
        "custom_field_ids": [f.id for f in s.custom_fields],
    }


def extra(e: Extra) -> dict[str, Any]:
    return {"id": e.id, "name": e.name, "description": e.description, "active": e.active, "price": money(e.price),
            "minutes": e.minutes, "max_quantity": e.max_quantity, "recurring": e.recurring,
            "service_ids": [s.id for s in e.services]}


def pricing_parameter(p: PricingParameter) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "active": p.active, "price": money(p.price), "minutes": p.minutes,
            "min_quantity": p.min_quantity, "max_quantity": p.max_quantity, "service_ids": [s.id for s in p.services]}


def custom_field(f: CustomField) -> dict[str, Any]:
    return {"id": f.id, "name": f.label, "label": f.label, "active": f.active, "type": f.field_type,
            "required": f.required, "visibility": f.visibility, "help_text": f.help_text,
            "options": [{"id": o.id, "label": o.label, "allows_other": o.allows_other} for o in f.options],
            "service_ids": [s.id for s in f.services]}


def frequency(f: Frequency) -> dict[str, Any]:
    return {"id": f.id, "name": f.name, "active": f.active, "recurs": f.recurs, "interval_unit": f.interval_unit,
            "interval_count": f.interval_count, "discount_percent": money(f.discount_percent)}


def location(loc: Location) -> dict[str, Any]:
    return {"id": loc.id, "name": loc.name, "active": loc.active, "address": loc.address,
            "timezone": loc.timezone, "is_default": loc.is_default, "phone": loc.phone, "email": loc.email}


def agent(a: Agent) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "active": a.active, "email": a.email, "phone": a.phone,
            "service_ids": [s.id for s in a.services], "location_ids": [loc.id for loc in a.locations],
            "working_hours": [{"weekday": w.weekday, "start": w.start_time.strftime("%H:%M"), "end": w.end_time.strftime("%H:%M")}
                              for w in a.working_hours]}


def agent_for_customers(a: Agent) -> dict[str, Any]:
    """What a customer's token may know of a team member: who does what where, not their
    e-mail, phone or weekly hours."""
    return {"id": a.id, "name": a.name, "active": a.active, "service_ids": [s.id for s in a.services],
            "location_ids": [loc.id for loc in a.locations]}


def customer(u: User) -> dict[str, Any]:
    return {"id": u.id, "first_name": u.first_name, "last_name": u.last_name, "email": u.email, "phone": u.phone,
            "address": u.address, "city": u.city, "state": u.state, "zip": u.zip, "sms_notifications": u.sms_notifications,
            "active": u.active, "has_account": u.password_hash is not None, "created_at": u.created_at.isoformat()}


CATALOG_SERIALIZERS = {
    "services": service, "extras": extra, "pricing_parameters": pricing_parameter, "custom_fields": custom_field,
    "frequencies": frequency, "locations": location, "agents": agent,
}

# A customer's bearer token reads the same catalog, with agents by name only.
CUSTOMER_CATALOG_SERIALIZERS = CATALOG_SERIALIZERS | {"agents": agent_for_customers}
