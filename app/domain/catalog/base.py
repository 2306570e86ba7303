"""What every catalog type shares: a typed input read from the form by the readers its
attributes name, the type's own rules (`check`), and the one way to list, read, save,
deactivate and reactivate objects. Nothing a booking refers to is ever deleted; every
change is written to the audit log with the person who made it.

A type says what is special about it by overriding a method of `CatalogType`; the
generic functions (`catalog/__init__.py`) never ask which type they hold."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..actor import Actor
from ..errors import FieldErrors
from .values import Value, Values, readers_of

InputT = TypeVar("InputT")
Changes = dict[str, tuple[Any, Any]]


class CatalogType(Generic[InputT]):
    """One kind of object staff manage. Subclasses set the class attributes and override
    the hooks their rules need."""

    key: ClassVar[str]  # in paths and the audit log
    model: ClassVar[Any]
    noun: ClassVar[str]  # in messages: "The service was not saved"
    input: ClassVar[type]  # a dataclass whose attributes name their readers
    admin_only: ClassVar[bool] = False
    search: ClassVar[tuple[str, ...]] = ("name",)
    defaults: ClassVar[Mapping[str, Any]] = {}
    # Attributes whose values the audit log does not show (only that they changed).
    secret: ClassVar[frozenset[str]] = frozenset()

    @property
    def readers(self) -> dict[str, Value]:
        return readers_of(self.input)

    def scope(self) -> Any | None:
        """A condition the rows of this type meet (several types may share a table)."""
        return None

    def order(self) -> list[Any]:
        return [getattr(self.model, a) for a in ("position", "name", "label", "code", "last_name", "first_name")
                if hasattr(self.model, a)]

    def new(self) -> Any:
        return self.model(**self.defaults)

    def check(self, session: Session, obj: Any, data: InputT, errors: FieldErrors, *, actor: Actor, creating: bool) -> InputT:
        """The type's rules across attributes, run after every value was read (a value
        that did not read is None and has its error already). Returns the input to save,
        which a rule may complete (a generated code)."""
        return data

    def assignments(self, data: InputT) -> dict[str, Any]:
        """The attributes to set on the object from a checked input."""
        return {f.name: getattr(data, f.name) for f in fields(data)}  # type: ignore[arg-type]

    def assigned(self, session: Session, obj: Any, changes: Changes, *, creating: bool, now: datetime) -> None:
        """After the attributes are set, before the object is added."""

    def added(self, session: Session, obj: Any, values: Values, errors: FieldErrors) -> Changes:
        """After the object is in the session, before it is flushed: more changes, and
        errors that stop the save."""
        return {}

    def form_extras(self, obj: Any | None) -> dict[str, Any]:
        """Form values beyond the input's attributes."""
        return {}

    def may_set_active(self, obj: Any, active: bool, *, actor: Actor) -> None:
        """Raises Forbidden when `actor` may not (de)activate `obj`."""

    def active_set(self, session: Session, obj: Any, active: bool, *, now: datetime) -> None:
        """After `obj` was (de)activated."""


def unique_clash(session: Session, obj: Any, attr: str, value: Any) -> bool:
    """Whether another row of obj's table has `value` in `attr` (empty values never clash)."""
    if value in (None, ""):
        return False
    model = type(obj)
    return session.scalar(select(model.id).where(getattr(model, attr) == value, model.id != (obj.id or 0))) is not None
