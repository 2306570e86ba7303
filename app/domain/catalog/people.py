"""What customers and staff members share as catalog types: they are accounts, so a new
e-mail address or password ends their sessions, and so does deactivating them."""
from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ..accounts import end_all_sessions
from ..actor import Actor
from ..errors import Forbidden
from ..models import User
from .base import CatalogType, Changes

InputT = TypeVar("InputT")

EMAIL_TAKEN = "Another account already uses this e-mail address."


class Accounts(CatalogType[InputT]):
    model = User
    search = ("first_name", "last_name", "email")

    def assigned(self, session: Session, obj: Any, changes: Changes, *, creating: bool, now: datetime) -> None:
        if not creating and ("password_hash" in changes or "email" in changes):
            # A password set by an admin logs the person out everywhere; so does a new
            # e-mail address (a reset link sent to the old one must not work any more).
            end_all_sessions(session, obj, now=now)

    def may_set_active(self, obj: Any, active: bool, *, actor: Actor) -> None:
        if actor.kind == "user" and obj.id == actor.id and not active:
            raise Forbidden("You cannot deactivate your own account.")

    def active_set(self, session: Session, obj: User, active: bool, *, now: datetime) -> None:
        if not active:
            end_all_sessions(session, obj, now=now)  # sessions and tokens end, and stay ended on reactivation
