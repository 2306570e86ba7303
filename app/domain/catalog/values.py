"""How one submitted form value is read: one reader per type of value, each built on the
strict parsers (`validation.py`, `phones.py`, `timeutil.py`). A catalog type's input
names a reader per attribute (`Annotated[int, Int(lo=1, hi=100, required=True)]`), so
what a value may be is declared beside its type, once.

A reader turns what a form sent into a typed value, or adds a message under the field's
name and returns None. Labels and help texts are the back office's (app/web/admin)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, ClassVar, get_type_hints
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..class_times import MAX_CLASS_TIMES_TEXT, as_text as class_times_text, parse_class_times
from ..errors import FieldErrors
from ..models import Role, User
from ..phones import REGIONS, as_phone, national, region_for, unchanged
from ..timeutil import as_local_instant, zone
from ..validation import MAX_TEXT, BadValue, as_bool, as_email, as_int, as_money, as_text, id_or_none

Values = Mapping[str, Any]  # form values: get(name) and, for lists, getlist(name)

TIMEZONES = frozenset(available_timezones())
CODE = re.compile(r"[A-Z0-9_-]{3,64}")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Context:
    """What reading needs besides the text: the session (lists, the phone region) and the
    time zone local date-times are in."""

    session: Session
    tz: str


class Value:
    """A reader. `required`: an empty value is refused."""

    required: bool = False

    def raw(self, values: Values, name: str) -> Any:
        return values.get(name)

    def read(self, ctx: Context, path: str, raw: Any, errors: FieldErrors) -> Any:
        raise NotImplementedError

    def keeps(self, ctx: Context, raw: Any, stored: Any) -> bool:
        """Whether `raw` is the stored value as the form showed it (kept as stored)."""
        return False

    def shown(self, ctx: Context, value: Any) -> Any:
        """The value as a form shows it."""
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return str(value)

    def options(self, session: Session) -> list[tuple[str, str]]:
        """What a list offers, (value, text); the back office may relabel them."""
        return []


@dataclass(frozen=True)
class _Typed(Value):
    """A value typed as one line of text (or several, for LongText). Empty is `blank`
    when the value is optional (or `always_optional`); otherwise `parse` reads it."""

    required: bool = False
    optional: bool = False
    max_length: int = 120
    single_line: ClassVar[bool] = True
    always_optional: ClassVar[bool] = False
    blank: ClassVar[Any] = None

    def read(self, ctx: Context, path: str, raw: Any, errors: FieldErrors) -> Any:
        text = as_text(errors, path, raw, max_length=self.max_length, single_line=self.single_line, required=self.required)
        if text is None:
            return None
        if text == "" and (self.optional or self.always_optional):
            return self.blank
        return self.parse(ctx, path, text, errors)

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        return text


@dataclass(frozen=True)
class Text(_Typed):
    always_optional: ClassVar[bool] = True
    blank: ClassVar[Any] = ""


@dataclass(frozen=True)
class LongText(Text):
    max_length: int = MAX_TEXT
    single_line: ClassVar[bool] = False


@dataclass(frozen=True)
class ClassTimes(Text):
    """Fixed class start times, "10:00, 18:00" (app/domain/class_times.py), stored as
    written back by `as_text`; empty: the service starts on the booking grid."""

    max_length: int = MAX_CLASS_TIMES_TEXT

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        try:
            return class_times_text(parse_class_times(text))
        except BadValue as error:
            errors.add(path, str(error))
            return None


@dataclass(frozen=True)
class Email(Text):
    """An e-mail address; an optional one left empty is stored as NULL (the column is
    unique, and a customer booked by phone has none)."""

    blank: ClassVar[Any] = None

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        return as_email(errors, path, text, required=self.required)


@dataclass(frozen=True)
class Phone(Text):
    """A phone number, stored in E.164 and shown as people write it in the region."""

    max_length: int = 40

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        return as_phone(errors, path, text, region=region_for(ctx.session))

    def keeps(self, ctx: Context, raw: Any, stored: Any) -> bool:
        return unchanged(raw, stored, region_for(ctx.session))

    def shown(self, ctx: Context, value: Any) -> Any:
        return national(value, region_for(ctx.session)) if value else ""


@dataclass(frozen=True)
class Int(_Typed):
    lo: int | None = None
    hi: int | None = None

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        return as_int(errors, path, text, lo=self.lo, hi=self.hi)


@dataclass(frozen=True)
class Money(_Typed):
    """An amount in the business's currency, at most two decimals, from 0 to `hi`."""

    hi: str = "1000000"

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        return as_money(errors, path, text, hi=self.hi)


@dataclass(frozen=True)
class Percent(Money):
    hi: str = "100"


@dataclass(frozen=True)
class Country(_Typed):
    max_length: int = 2

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        if text.upper() not in REGIONS:
            errors.add(path, "Choose a country by its two-letter code, like US or DE.")
        return text.upper()


@dataclass(frozen=True)
class LocalDateTime(_Typed):
    """A date and time local to the business's zone, stored as a UTC instant."""

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        return as_local_instant(errors, path, text, ctx.tz)

    def shown(self, ctx: Context, value: Any) -> Any:
        return value.astimezone(zone(ctx.tz)).strftime("%Y-%m-%dT%H:%M") if value is not None else ""


@dataclass(frozen=True)
class Code(Text):
    """A code customers type: upper-cased, 3 to 64 letters, digits, - or _."""

    max_length: int = 64

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        code = text.upper()
        if not CODE.fullmatch(code):
            errors.add(path, "Use 3 to 64 letters, digits, - or _.")
            return None
        return code


@dataclass(frozen=True)
class Password(_Typed):
    """A new password; empty means none given (an edit keeps the current one, and the
    type's own check asks a new account for its first one)."""

    max_length: int = 200
    single_line: ClassVar[bool] = False
    always_optional: ClassVar[bool] = True
    blank: ClassVar[Any] = None

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        if len(text) < MIN_PASSWORD:
            errors.add(path, f"Use at least {MIN_PASSWORD} characters.")
            return None
        return text

    def shown(self, ctx: Context, value: Any) -> Any:
        return ""


@dataclass(frozen=True)
class Choice(_Typed):
    """One of `values`; the empty value, when offered, is stored as None."""

    values: tuple[str, ...] = ()

    @classmethod
    def of(cls, enum: type[Enum], **kwargs: Any) -> Choice:
        return cls(values=tuple(str(e.value) for e in enum), **kwargs)

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        if text not in self.values:
            errors.add(path, "Choose one of the options.")
            return None
        return text or None

    def options(self, session: Session) -> list[tuple[str, str]]:
        return [(v, v) for v in self.values]


@dataclass(frozen=True)
class Timezone(_Typed):
    """An IANA time zone name."""

    def parse(self, ctx: Context, path: str, text: str, errors: FieldErrors) -> Any:
        if text not in TIMEZONES:
            errors.add(path, "Use a time zone name such as Europe/Berlin or America/New_York.")
            return None
        return text

    def options(self, session: Session) -> list[tuple[str, str]]:
        # The IANA list, so a zone is picked rather than typed.
        return [(name, name.replace("_", " ")) for name in sorted(TIMEZONES) if "/" in name or name == "UTC"]


@dataclass(frozen=True)
class Flag(Value):
    """Yes or no; a checkbox left unticked is no."""

    def read(self, ctx: Context, path: str, raw: Any, errors: FieldErrors) -> Any:
        return bool(as_bool(errors, path, raw or "", default=False))

    def shown(self, ctx: Context, value: Any) -> Any:
        return bool(value)


@dataclass(frozen=True)
class Related(Value):
    """Some rows of `model`, by id (a list of checkboxes); `required`: at least one."""

    model: Any = None
    required: bool = False

    def raw(self, values: Values, name: str) -> Any:
        if hasattr(values, "getlist"):
            return list(values.getlist(name))
        value = values.get(name)
        return list(value) if isinstance(value, list | tuple) else ([] if value in (None, "") else [value])

    def read(self, ctx: Context, path: str, raw: Any, errors: FieldErrors) -> Any:
        ids = sorted({i for i in map(id_or_none, raw) if i is not None})
        found = list(ctx.session.scalars(select(self.model).where(self.model.id.in_(ids)))) if ids else []
        if len(found) != len(ids) or len(ids) != len([v for v in raw if v != ""]):
            errors.add(path, "Choose from the list.")
            return None
        if self.required and not found:
            errors.add(path, "Choose at least one.")
            return None
        return sorted(found, key=lambda o: o.id)

    def shown(self, ctx: Context, value: Any) -> Any:
        return [str(o.id) for o in value or []]

    def options(self, session: Session) -> list[tuple[str, str]]:
        rows = session.scalars(select(self.model).order_by(self.model.id))
        return [(str(o.id), (getattr(o, "name", None) or str(o.id)) + ("" if o.active else " (inactive)")) for o in rows]


@dataclass(frozen=True)
class AgentLogin(Value):
    """An account with the agent role, by id; empty: no login."""

    def read(self, ctx: Context, path: str, raw: Any, errors: FieldErrors) -> Any:
        if raw in (None, ""):
            return None
        uid = id_or_none(raw)
        user = ctx.session.get(User, uid) if uid is not None else None
        if user is None or user.role != Role.AGENT:
            errors.add(path, "Choose an account with the role Agent.")
            return None
        return user.id

    def options(self, session: Session) -> list[tuple[str, str]]:
        users = session.scalars(select(User).where(User.role == Role.AGENT).order_by(User.last_name, User.first_name, User.id))
        return [("", ""), *((str(u.id), f"{u.full_name} · {u.email}") for u in users)]


def read_values(ctx: Context, readers: Mapping[str, Value], values: Values, errors: FieldErrors,
                stored: Any = None) -> dict[str, Any]:
    """Every reader's value, by name. With `stored` (an object being edited), a value the
    form shows unchanged keeps what is stored (a phone number written another way)."""
    clean: dict[str, Any] = {}
    for name, reader in readers.items():
        raw = reader.raw(values, name)
        if stored is not None and reader.keeps(ctx, raw, getattr(stored, name, None)):
            clean[name] = getattr(stored, name)
            continue
        clean[name] = reader.read(ctx, name, raw, errors)
    return clean


@cache
def readers_of(input_type: type) -> dict[str, Value]:
    """The readers an input dataclass names in its `Annotated[...]` attributes, in order.
    Raises TypeError for an attribute without exactly one reader."""
    hints = get_type_hints(input_type, include_extras=True)
    found: dict[str, Value] = {}
    for f in fields(input_type):
        readers = [m for m in getattr(hints[f.name], "__metadata__", ()) if isinstance(m, Value)]
        if len(readers) != 1:
            raise TypeError(f"{input_type.__name__}.{f.name} names no reader")
        found[f.name] = readers[0]
    return found
