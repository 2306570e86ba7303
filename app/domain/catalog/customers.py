"""Customers as staff manage them (the back office's form and the customers API)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.orm import Session

from ..actor import Actor
from ..errors import FieldErrors
from ..models import Role, User
from .base import unique_clash
from .people import EMAIL_TAKEN, Accounts
from .values import Email, Flag, Phone, Text


@dataclass(frozen=True)
class CustomerInput:
    first_name: Annotated[str, Text(required=True, max_length=100)]
    last_name: Annotated[str, Text(max_length=100)]
    email: Annotated[str | None, Email(max_length=255)]  # none: a customer staff book by phone
    phone: Annotated[str, Phone()]  # mobile: texts go here when the customer asks for them
    address: Annotated[str, Text(max_length=255)]
    city: Annotated[str, Text(max_length=100)]
    state: Annotated[str, Text(max_length=40)]
    zip: Annotated[str, Text(max_length=20)]
    sms_notifications: Annotated[bool, Flag()]


class Customers(Accounts[CustomerInput]):
    key = "customers"
    noun = "customer"
    input = CustomerInput
    search = ("first_name", "last_name", "email", "phone")
    defaults = {"role": Role.CUSTOMER}

    def scope(self) -> Any:
        return User.role == Role.CUSTOMER

    def check(self, session: Session, obj: Any, data: CustomerInput, errors: FieldErrors, *, actor: Actor,
              creating: bool) -> CustomerInput:
        """An e-mail address (unique) or, for a customer staff book by phone, a phone
        number; texts need a number."""
        if unique_clash(session, obj, "email", data.email):
            errors.add("email", EMAIL_TAKEN)
        if not data.email and not data.phone and not {"email", "phone"} & set(errors.errors):
            errors.add("email", "Give an e-mail or a phone number.")
        if data.sms_notifications and not data.phone and "phone" not in errors.errors:
            errors.add("phone", "Give a mobile number to get text messages.")
        return data


CUSTOMERS = Customers()
