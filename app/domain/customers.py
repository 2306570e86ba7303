"""Customers for integrations (the customers API): find one by e-mail, name or phone,
create one, change one. The fields and their rules are the back office's customer
type (`catalog/customers.py`), so a customer saved through the API and one saved
through the back-office form pass the same checks."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from . import catalog
from .accounts import find_user_by_email
from .actor import Actor
from .errors import EmailTaken, FieldErrors, NotFound, ValidationFailed
from .models import Role, User
from .requests.customers import CustomerCreate, CustomerUpdate
from .queries import Page, paginate, read_paging
from .validation import LIKE_ESCAPE, MAX_EMAIL, as_flag, as_id, contains_pattern, normalise_email

KIND = catalog.TYPES["customers"]
FIELDS = tuple(KIND.readers)
MAX_SEARCH = 100


def list_customers(session: Session, filters: Mapping[str, Any]) -> Page[User]:
    """Customers by last name, first name, id. Filters: q (part of the name, e-mail or
    phone, any case), email (the whole address, any case), include_inactive, page,
    per_page. Raises ValidationFailed."""
    errors = FieldErrors()
    number, size = read_paging(errors, filters.get("page"), filters.get("per_page"))
    include_inactive = as_flag(errors, "include_inactive", filters.get("include_inactive"))
    # A lookup, not a new address: any text finds the customer whose address it is, or
    # nobody (the address rules are for addresses being stored).
    email = filters.get("email")
    clean_email = normalise_email(email) if isinstance(email, str) and email.strip() else None
    if clean_email is not None and len(clean_email) > MAX_EMAIL:
        errors.add("email", f"At most {MAX_EMAIL} characters.")
    errors.raise_if_any("The filters are not valid.")
    query = select(User).where(User.role == Role.CUSTOMER)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    if clean_email:
        query = query.where(User.email == clean_email)
    text = str(filters.get("q") or "").strip()[:MAX_SEARCH].lower()
    if text:
        like = contains_pattern(text)
        query = query.where(or_(
            func.lower(User.email).like(like, escape=LIKE_ESCAPE), func.lower(User.phone).like(like, escape=LIKE_ESCAPE),
            func.lower(User.first_name + " " + User.last_name).like(like, escape=LIKE_ESCAPE),
        ))
    return paginate(session, query.order_by(User.last_name, User.first_name, User.id), number, size)


def get_customer(session: Session, customer_id: object) -> User:
    """One customer (staff accounts are not customers). Raises NotFound."""
    cid = as_id(FieldErrors(), "id", customer_id)
    user = session.get(User, cid) if cid is not None else None
    if user is None or user.role != Role.CUSTOMER:
        raise NotFound(f"Customer with ID {customer_id} was not found")
    return user


def create_customer(session: Session, request: CustomerCreate, *, actor: Actor, now: datetime) -> User:
    """A new customer without a password (they set one by "forgot password"). The
    phone number is read here, in the default location's region.

    Raises ValidationFailed, or EmailTaken when any account has that e-mail.
    """
    _email_free(session, request.email, None)
    return _save(session, None, request.model_dump(), actor=actor, now=now)


def update_customer(session: Session, customer_id: object, request: CustomerUpdate, *, actor: Actor, now: datetime) -> User:
    """Change the fields the request gives (the rest stay); `active` false deactivates.

    Raises NotFound, ValidationFailed, or EmailTaken when another account has the e-mail.
    """
    customer = get_customer(session, customer_id)
    given = request.given()
    active = given.pop("active", None)
    if given.get("email"):
        _email_free(session, given["email"], customer.id)
    if given:
        current = catalog.form_values(session, KIND, customer)
        customer = _save(session, customer.id, current | given, actor=actor, now=now)
    if active is not None and active != customer.active:
        customer = catalog.set_active(session, KIND, customer.id, active, actor=actor, now=now)
    return customer


def _email_free(session: Session, email: str, own_id: int | None) -> None:
    other = find_user_by_email(session, email)
    if other is not None and other.id != own_id:
        raise EmailTaken(f"Another account already uses {email}.", {"email": "Already in use."})


def _save(session: Session, customer_id: int | None, values: dict[str, Any], *, actor: Actor, now: datetime) -> User:
    try:
        return catalog.save_object(session, KIND, customer_id, values, actor=actor, now=now)
    except ValidationFailed as exc:
        # The unique index caught a customer created with this e-mail meanwhile.
        if "form" in exc.details and values.get("email"):
            _email_free(session, values["email"], customer_id)
        raise


def find_customers(session: Session, text: str, *, limit: int = 15) -> list[User]:
    """Active customers whose name, e-mail or phone contains `text` (any case; every
    word must match somewhere), by name. Empty text finds nobody."""
    words = [w for w in (text or "").replace("\x00", "").strip().lower().split()[:5] if w]
    if not words:
        return []
    query = select(User).where(User.role == Role.CUSTOMER, User.active.is_(True))
    for word in words:
        pattern = contains_pattern(word[:100])
        query = query.where(or_(*(func.lower(column).like(pattern, escape=LIKE_ESCAPE)
                                  for column in (User.first_name, User.last_name, User.email, User.phone))))
    return list(session.scalars(query.order_by(User.last_name, User.first_name, User.id).limit(limit)))


