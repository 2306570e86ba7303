"""Staff members (admins only): staff, admins and agents' logins, with a password an
admin sets."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.orm import Session

from ..accounts import hash_password
from ..actor import Actor
from ..errors import FieldErrors
from ..models import Role, User
from .base import unique_clash
from .people import EMAIL_TAKEN, Accounts
from .values import Choice, Email, Password, Text

STAFF_ROLES = (Role.STAFF, Role.ADMIN, Role.AGENT)


@dataclass(frozen=True)
class StaffInput:
    first_name: Annotated[str, Text(required=True, max_length=100)]
    last_name: Annotated[str, Text(max_length=100)]
    email: Annotated[str, Email(required=True, max_length=255)]
    role: Annotated[str, Choice(required=True, values=tuple(str(r) for r in STAFF_ROLES))]
    password: Annotated[str | None, Password()]  # stored only as its hash


class Staff(Accounts[StaffInput]):
    key = "staff"
    noun = "staff member"
    input = StaffInput
    admin_only = True
    defaults = {"role": Role.STAFF}
    secret = frozenset({"password_hash"})

    def scope(self) -> Any:
        return User.role.in_(STAFF_ROLES)

    def check(self, session: Session, obj: Any, data: StaffInput, errors: FieldErrors, *, actor: Actor,
              creating: bool) -> StaffInput:
        """A first password; nobody changes their own role; a unique e-mail address."""
        if creating and not data.password and "password" not in errors.errors:
            errors.add("password", "Give a first password of at least 8 characters.")
        if not creating and obj.id == actor.id and data.role != obj.role:
            errors.add("role", "You cannot change your own role; ask another admin.")
        if unique_clash(session, obj, "email", data.email):
            errors.add("email", EMAIL_TAKEN)
        return data

    def assignments(self, data: StaffInput) -> dict[str, Any]:
        values = super().assignments(data)
        password = values.pop("password")
        if password:
            values["password_hash"] = hash_password(password)
        return values


STAFF = Staff()
