"""The back office's catalog: the types staff manage (one module each, with its typed
input and its rules) and the one way to list, read, save, deactivate and reactivate
them. Nothing a booking refers to is ever deleted; every change is written to the audit
log with the person who made it. Labels, help texts and list columns are the back
office's (`app/web/admin/catalog_forms.py`)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..actor import Actor
from ..audit import audit
from ..errors import FieldErrors, Forbidden, NotFound, ValidationFailed
from ..queries import Page, paginate, read_paging
from ..settings import load_settings
from ..validation import LIKE_ESCAPE, contains_pattern, id_or_none
from .agents import AGENTS
from .base import CatalogType
from .customers import CUSTOMERS
from .discounts import DISCOUNT_CODES
from .extras import EXTRAS
from .fields import CUSTOM_FIELDS
from .frequencies import FREQUENCIES
from .locations import LOCATIONS
from .parameters import PARAMETERS
from .services import SERVICES
from .staff import STAFF
from .values import Context, Values, read_values

TYPES: dict[str, CatalogType[Any]] = {
    t.key: t for t in (LOCATIONS, SERVICES, EXTRAS, PARAMETERS, CUSTOM_FIELDS, FREQUENCIES, DISCOUNT_CODES, AGENTS, CUSTOMERS, STAFF)
}


def catalog_type(key: str, actor: Actor) -> CatalogType[Any]:
    """The type named `key`, if `actor` may manage it. Raises NotFound or Forbidden."""
    kind = TYPES.get(key)
    if kind is None:
        raise NotFound(f"There is no such list: {key}.")
    if kind.admin_only and not actor.is_admin:
        raise Forbidden("Only admins can manage this.")
    if not actor.is_staff:
        raise Forbidden("Only staff can manage this.")
    return kind


def _context(session: Session) -> Context:
    # Local date-times in the catalog (a discount's window) are the business's.
    return Context(session, load_settings(session).default_timezone)


def list_objects(session: Session, kind: CatalogType[Any], *, q: str = "", show: str = "active", page: object = 1) -> Page[Any]:
    """One page of a type's objects (show: active, inactive or all; q: part of a searched
    attribute, any case). Raises ValidationFailed for a bad page number."""
    errors = FieldErrors()
    number, size = read_paging(errors, page, 50)
    errors.raise_if_any("The page number is not valid.")
    query = select(kind.model)
    scope = kind.scope()
    if scope is not None:
        query = query.where(scope)
    if show == "active":
        query = query.where(kind.model.active.is_(True))
    elif show == "inactive":
        query = query.where(kind.model.active.is_(False))
    q = (q or "").strip()[:100]
    if q:
        pattern = contains_pattern(q.lower())
        query = query.where(or_(*(func.lower(getattr(kind.model, attr)).like(pattern, escape=LIKE_ESCAPE) for attr in kind.search)))
    return paginate(session, query.order_by(*kind.order(), kind.model.id), number, size)


def get_object(session: Session, kind: CatalogType[Any], object_id: object) -> Any:
    """One object of the type, by id. Raises NotFound."""
    oid = id_or_none(object_id)
    obj = session.get(kind.model, oid) if oid else None
    scope = kind.scope()
    if obj is None or (scope is not None and not session.scalar(
        select(func.count()).select_from(kind.model).where(kind.model.id == obj.id, scope)
    )):
        raise NotFound(f"There is no {kind.noun} with id {object_id}.")
    return obj


def form_values(session: Session, kind: CatalogType[Any], obj: Any | None) -> dict[str, Any]:
    """What a form for this object (None: a new one) starts with."""
    ctx = _context(session)
    values = {name: reader.shown(ctx, getattr(obj, name, None) if obj is not None else None)
              for name, reader in kind.readers.items()}
    if obj is None:
        values |= {k: (f"{v:.2f}" if isinstance(v, Decimal) else v if isinstance(v, bool) else str(v))
                   for k, v in kind.defaults.items() if k in values}
    return values | kind.form_extras(obj)


def save_object(session: Session, kind: CatalogType[Any], object_id: object | None, values: Values, *, actor: Actor,
                now: datetime) -> Any:
    """Create (object_id None) or update one object from form values: each value read by
    its reader, then the type's rules. Raises NotFound, or ValidationFailed with a
    message per field; nothing is written then."""
    try:
        creating = object_id is None
        obj = kind.new() if creating else get_object(session, kind, object_id)
        errors = FieldErrors()
        clean = read_values(_context(session), kind.readers, values, errors, stored=None if creating else obj)
        data = kind.check(session, obj, kind.input(**clean), errors, actor=actor, creating=creating)
        errors.raise_if_any(f"The {kind.noun} was not saved; see the marked fields.")
        changes: dict[str, tuple[Any, Any]] = {}
        for name, value in kind.assignments(data).items():
            before = getattr(obj, name)
            if isinstance(before, list):
                before = sorted(before, key=lambda o: o.id)
            if before != value:
                changes[name] = ("(hidden)", "(changed)") if name in kind.secret else (before, value)
                setattr(obj, name, value)
        kind.assigned(session, obj, changes, creating=creating, now=now)
        if creating:
            session.add(obj)
            if hasattr(obj, "created_at"):
                obj.created_at = now
        changes |= kind.added(session, obj, values, errors)
        errors.raise_if_any(f"The {kind.noun} was not saved; see the marked fields.")
        session.flush()
        if changes or creating:
            audit(session, actor=actor, now=now, kind=kind.key, object_id=obj.id,
                  action="created" if creating else "updated", changes=changes)
        session.commit()
        return obj
    except IntegrityError as exc:
        # Two admins saving the same unique code or e-mail at once: the loser is told.
        session.rollback()
        raise ValidationFailed("Another record already uses one of these values.", {"form": str(exc.orig)[:200]}) from exc
    except BaseException:
        session.rollback()
        raise


def set_active(session: Session, kind: CatalogType[Any], object_id: object, active: bool, *, actor: Actor, now: datetime) -> Any:
    """Deactivate (hide from new bookings, keep for old ones) or reactivate. Raises
    NotFound, or Forbidden when the type refuses (nobody deactivates themselves)."""
    obj = get_object(session, kind, object_id)
    kind.may_set_active(obj, active, actor=actor)
    if obj.active != active:
        obj.active = active
        kind.active_set(session, obj, active, now=now)
        audit(session, actor=actor, now=now, kind=kind.key, object_id=obj.id,
              action="reactivated" if active else "deactivated", changes={"active": (not active, active)})
    session.commit()
    return obj
