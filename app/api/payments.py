"""Staff payment actions on a booking (X-API-Key): charge the balance or the no-show fee
to the saved card (write scope), refund (admin scope). The rules are app/domain/payments.py's."""
from __future__ import annotations

from typing import Any

from flask import current_app

from ..db import get_session
from ..domain import payments, queries
from ..domain.errors import Conflict, ValidationFailed
from ..transports.stripe import gateway_for
from . import bp, serializers
from .auth import admin, client, now, staff
from .idempotent import idempotent
from .parsing import json_object
from .responses import success

CHARGES = {"balance": payments.charge_balance, "no_show_fee": payments.charge_no_show_fee}


def _gateway() -> Any:
    gateway = gateway_for(current_app._get_current_object())  # type: ignore[attr-defined]
    if gateway is None:
        raise Conflict("Card payments are not set up for this business.", code="payments_not_set_up")
    return gateway


@bp.post("/bookings/<ref:booking_id>/charges")
@staff(write=True)
@idempotent
def charge(booking_id: str) -> Any:
    body = json_object()
    kind = body.get("kind")
    unknown = sorted(set(body) - {"kind"})
    if kind not in CHARGES or unknown:
        details = {"kind": "Must be balance or no_show_fee."} if kind not in CHARGES else {}
        details |= {name: "Unknown field." for name in unknown}
        raise ValidationFailed("The charge is not valid.", details)
    session = get_session()
    booking = queries.get_booking(session, booking_id, actor=client().actor)
    CHARGES[kind](session, booking.id, actor=client().actor, now=now(), gateway=_gateway())
    return success(serializers.booking(queries.get_booking(session, booking.id, actor=client().actor)), 201)


@bp.post("/bookings/<ref:booking_id>/refunds")
@admin()
@idempotent
def refund(booking_id: str) -> Any:
    body = json_object()
    unknown = sorted(set(body) - {"amount", "reason"})
    if unknown:
        raise ValidationFailed("The refund is not valid.", {name: "Unknown field." for name in unknown})
    amount = body.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (str, int, float))):
        raise ValidationFailed("The refund is not valid.", {"amount": "Give an amount like \"12.50\", or leave it out for all."})
    session = get_session()
    booking = queries.get_booking(session, booking_id, actor=client().actor)
    payments.refund(session, booking.id, amount=amount, reason=body.get("reason"), actor=client().actor, now=now(), gateway=_gateway())
    return success(serializers.booking(queries.get_booking(session, booking.id, actor=client().actor)), 201)
