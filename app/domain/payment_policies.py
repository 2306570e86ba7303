"""Editing payment policies (issue 19): the business-wide default and a per-service
override, from the back office (app/web/admin/payment_policies.py) and the catalog API
(app/api/payment_policies.py). Admins only; each change is one audit line.

The rules of what a policy may hold are payments.save_policy's; this module adds who may
change it, the transaction and the audit trail, and what the pages and the API show."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .actor import Actor
from .audit import audit
from .booking.common import write_transaction
from .errors import Forbidden, NotFound, ValidationFailed
from .models import AmountType, PaymentMode, PaymentPolicy, Service
from .payments import save_policy
from .validation import id_or_none

# What a policy is made of, in the order forms and the API show it.
FIELDS = ("mode", "deposit_type", "deposit_value", "late_cancel_fee_type", "late_cancel_fee_value",
          "no_show_fee_type", "no_show_fee_value")
# A business that never set a default pays in person, with no fees.
DEFAULTS: dict[str, Any] = {
    "mode": PaymentMode.IN_PERSON.value, "deposit_type": AmountType.PERCENT.value, "deposit_value": Decimal("0.00"),
    "late_cancel_fee_type": AmountType.FIXED.value, "late_cancel_fee_value": Decimal("0.00"),
    "no_show_fee_type": AmountType.FIXED.value, "no_show_fee_value": Decimal("0.00"),
}
AUDIT_KIND = "payment_policy"


def _values(row: PaymentPolicy | None) -> dict[str, Any]:
    if row is None:
        return dict(DEFAULTS)
    return {name: (getattr(row, name).quantize(Decimal("0.01")) if name.endswith("_value") else str(getattr(row, name)))
            for name in FIELDS}


def _row(session: Session, service_id: int | None) -> PaymentPolicy | None:
    where = PaymentPolicy.service_id.is_(None) if service_id is None else PaymentPolicy.service_id == service_id
    return session.scalars(select(PaymentPolicy).where(where)).first()


def _service(session: Session, service_id: Any) -> Service:
    parsed = id_or_none(service_id)
    service = session.get(Service, parsed) if parsed is not None else None
    if service is None:
        raise NotFound("There is no such service.", {"service_id": "There is no such service."})
    return service


def _audit(session: Session, *, actor: Actor, now: datetime, service_id: int | None, action: str,
           changes: dict[str, tuple[Any, Any]]) -> None:
    audit(session, actor=actor, now=now, kind=AUDIT_KIND, object_id=service_id, action=action, changes=changes)


def _admin_only(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an admin may change payment policies.")


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as the pages and the API show it: a service's own, or the default it follows."""

    service_id: int | None
    service_name: str
    own: bool  # False: the service follows the business-wide default
    values: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        shown = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.values.items()}
        return {"service_id": self.service_id, "overridden": self.own, **shown}


def default_policy(session: Session) -> PolicyInfo:
    """The business-wide default (pay in person when none was ever set)."""
    row = _row(session, None)
    return PolicyInfo(None, "", row is not None, _values(row))


def service_policy(session: Session, service_id: Any) -> PolicyInfo:
    """What `service_id` asks for: its own policy, or the default it follows. Raises NotFound."""
    service = _service(session, service_id)
    row = _row(session, service.id)
    if row is None:
        return PolicyInfo(service.id, service.name, False, default_policy(session).values)
    return PolicyInfo(service.id, service.name, True, _values(row))


def overview(session: Session) -> tuple[PolicyInfo, list[PolicyInfo]]:
    """The default and every service's policy, in two queries (the page's table)."""
    rows = {row.service_id: row for row in session.scalars(select(PaymentPolicy))}
    default = PolicyInfo(None, "", None in rows, _values(rows.get(None)))
    services = session.scalars(select(Service).order_by(Service.active.desc(), Service.position, Service.name, Service.id))
    return default, [
        PolicyInfo(s.id, s.name, s.id in rows, _values(rows[s.id]) if s.id in rows else default.values) for s in services
    ]


def set_policy(session: Session, *, service_id: Any, values: dict[str, Any], actor: Actor, now: datetime) -> PolicyInfo:
    """Set the default (service_id None) or a service's own policy from `values`, with an
    audit line, and commit. Raises Forbidden (not an admin), NotFound (no such service),
    ValidationFailed naming each wrong field (nothing is written then)."""
    _admin_only(actor)
    unknown = sorted(str(k) for k in values if k not in FIELDS)
    if unknown:
        raise ValidationFailed("The payment policy is not valid.", {name: "Unknown field." for name in unknown})
    with write_transaction(session):
        if service_id is not None:
            service_id = _service(session, service_id).id
        before = _row(session, service_id)
        old = _values(before) if before is not None else None
        row = save_policy(session, service_id=service_id, values=values)
        new = _values(row)
        changes = {k: (old[k] if old else None, v) for k, v in new.items() if old is None or old[k] != v}
        if changes:
            _audit(session, actor=actor, now=now, service_id=service_id,
                   action="created" if old is None else "updated", changes=changes)
    return service_policy(session, service_id) if service_id is not None else default_policy(session)


def remove_policy(session: Session, *, service_id: Any, actor: Actor, now: datetime) -> PolicyInfo:
    """Drop a service's own policy so it follows the default again (nothing to drop is
    fine), with an audit line; commits. Raises Forbidden or NotFound."""
    _admin_only(actor)
    with write_transaction(session):
        service_id = _service(session, service_id).id
        row = _row(session, service_id)
        if row is not None:
            old = _values(row)
            session.delete(row)
            session.flush()
            session.info.pop("payment_policies", None)
            _audit(session, actor=actor, now=now, service_id=service_id, action="deleted",
                   changes={k: (v, None) for k, v in old.items()})
    return service_policy(session, service_id)
