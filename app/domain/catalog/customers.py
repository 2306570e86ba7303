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
    email: Annotated[str, Email(required=True, max_length=255)]
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
        """A unique e-mail address; texts need a number."""
        if unique_clash(session, obj, "email", data.email):
            errors.add("email", EMAIL_TAKEN)
        if data.sms_notifications and not data.phone and "phone" not in errors.errors:
            errors.add("phone", "Give a mobile number to get text messages.")
        return data


CUSTOMERS = Customers()
