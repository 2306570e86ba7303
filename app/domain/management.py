"""The back office's catalog and account management: what each kind of object has that
staff may edit, how each value is checked, and the one way to save, deactivate and
reactivate them. Nothing a booking refers to is ever deleted; every change is written
to the audit log with the person who made it.

A kind is described once (`KINDS`) and the pages render their lists and forms from
that description, so a rule (a range, a unique code, a required name) lives here only.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .accounts import end_all_sessions, hash_password
from .actor import Actor
from .errors import FieldErrors, Forbidden, NotFound, ValidationFailed
from .discounts import GIFT_CARD_CODE_LENGTH, guessable_gift_card_code, new_gift_card_code
from .audit import audit
from .models import (
    Agent,
    AmountType,
    CustomField,
    CustomFieldOption,
    DiscountCode,
    DiscountKind,
    Extra,
    FieldType,
    FieldVisibility,
    Frequency,
    Location,
    PricingMode,
    PricingParameter,
    Role,
    Service,
    User,
)
from .phones import REGIONS, as_phone, national, region_for, unchanged
from .queries import Page, paginate, read_paging
from .settings import load_settings
from .timeutil import as_local_instant, zone
from .validation import (
    LIKE_ESCAPE, MAX_DURATION, MIN_DURATION, as_bool, as_email, as_int, as_money, as_text, contains_pattern, id_or_none,
)

Values = Mapping[str, Any]  # form values: get(name) and, for lists, getlist(name)

TIMEZONES = frozenset(available_timezones())


def _get(values: Values, name: str) -> Any:
    return values.get(name)


def _getlist(values: Values, name: str) -> list[Any]:
    if hasattr(values, "getlist"):
        return list(values.getlist(name))
    value = values.get(name)
    return list(value) if isinstance(value, list | tuple) else ([] if value in (None, "") else [value])


# --- how one value is read ------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One editable attribute. kind is one of: text, textarea, int, money, percent,
    bool, choice, multi (ids of `related`), email, timezone, datetime (local to the
    business's time zone), code (upper-cased, unique), password."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    optional: bool = False  # an empty int, money or datetime means "none"
    lo: int | None = None
    hi: int | None = None
    max_length: int = 120
    choices: tuple[tuple[str, str], ...] = ()
    related: Any = None
    help: str = ""
    on_create_only: bool = False

    def read(self, session: Session, values: Values, errors: FieldErrors, tz: str) -> Any:
        raw = _getlist(values, self.name) if self.kind == "multi" else _get(values, self.name)
        if self.kind == "bool":
            return bool(as_bool(errors, self.name, raw or "", default=False))
        if self.kind == "multi":
            return self._read_multi(session, raw, errors)
        if self.kind == "agent_login":
            return _read_agent_login(session, self.name, raw, errors)
        text = as_text(errors, self.name, raw, max_length=self.max_length if self.kind != "textarea" else 10_000,
                       single_line=self.kind not in ("textarea", "password"),
                       required=self.required)
        if text is None:
            return None
        if text == "" and (self.optional or self.kind in ("text", "textarea", "email", "phone")):
            return None if self.kind in ("int", "money", "percent", "datetime", "country") else ""
        if self.kind == "phone":
            return as_phone(errors, self.name, text, region=region_for(session))
        return self._read_text(text, errors, tz)

    def _read_text(self, text: str, errors: FieldErrors, tz: str) -> Any:
        if self.kind == "int":
            return as_int(errors, self.name, text, lo=self.lo, hi=self.hi)
        if self.kind == "country":
            if text.upper() not in REGIONS:
                errors.add(self.name, "Choose a country by its two-letter code, like US or DE.")
            return text.upper()
        if self.kind == "money":
            return as_money(errors, self.name, text, hi=str(self.hi) if self.hi is not None else "1000000")
        if self.kind == "percent":
            return as_money(errors, self.name, text, hi="100")
        if self.kind == "choice":
            if text not in {value for value, _ in self.choices}:
                errors.add(self.name, "Choose one of the options.")
                return None
            return text or None  # the empty choice ("does not repeat") is stored as NULL
        if self.kind == "email":
            return as_email(errors, self.name, text, required=self.required)
        if self.kind == "timezone":
            if text not in TIMEZONES:
                errors.add(self.name, "Use a time zone name such as Europe/Berlin or America/New_York.")
                return None
            return text
        if self.kind == "datetime":
            return as_local_instant(errors, self.name, text, tz)
        if self.kind == "code":
            code = text.upper()
            if not re.fullmatch(r"[A-Z0-9_-]{3,64}", code):
                errors.add(self.name, "Use 3 to 64 letters, digits, - or _.")
                return None
            return code
        if self.kind == "password":
            if len(text) < 8:
                errors.add(self.name, "Use at least 8 characters.")
                return None
            return text
        return text

    def _read_multi(self, session: Session, raw: list[Any], errors: FieldErrors) -> list[Any] | None:
        ids = sorted({i for i in map(id_or_none, raw) if i is not None})
        found = list(session.scalars(select(self.related).where(self.related.id.in_(ids)))) if ids else []
        if len(found) != len(ids) or len(ids) != len([v for v in raw if v != ""]):
            errors.add(self.name, "Choose from the list.")
            return None
        if self.required and not found:
            errors.add(self.name, "Choose at least one.")
            return None
        return sorted(found, key=lambda o: o.id)

    def shown(self, obj: Any, tz: str) -> Any:
        """The value as a form shows it."""
        if self.kind == "password":
            return ""
        value = getattr(obj, self.name, None) if obj is not None else None
        if self.kind == "multi":
            return [str(o.id) for o in value or []]
        if self.kind == "bool":
            return bool(value)
        if value is None:
            return ""
        if self.kind == "datetime":
            return value.astimezone(zone(tz)).strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return str(value)


def _read_agent_login(session: Session, path: str, raw: Any, errors: FieldErrors) -> int | None:
    """An account with the agent role, by id; empty: no login."""
    if raw in (None, ""):
        return None
    text = str(raw)
    user = session.get(User, int(text)) if text.isascii() and text.isdigit() and len(text) < 10 else None
    if user is None or user.role != Role.AGENT:
        errors.add(path, "Choose an account with the role Agent.")
        return None
    return user.id


# --- the kinds ------------------------------------------------------------------------


Check = Callable[[Session, Any, dict[str, Any], FieldErrors], None]


@dataclass(frozen=True)
class Kind:
    key: str
    model: Any
    singular: str
    plural: str
    fields: tuple[Field, ...]
    columns: tuple[tuple[str, str], ...]  # (attribute or property, heading) for the list
    admin_only: bool = False
    check: Check | None = None
    search: tuple[str, ...] = ("name",)
    base_filter: Callable[[], Any] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    extra_fields: tuple[str, ...] = ()  # handled by `after_save`
    after_save: Callable[[Session, Any, Values, FieldErrors], dict[str, tuple[Any, Any]]] | None = None

    def title(self, obj: Any) -> str:
        for attr in ("name", "label", "code"):
            if hasattr(obj, attr):
                return str(getattr(obj, attr))
        return str(getattr(obj, "full_name", obj.id))


def _choices(enum: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    return tuple((e.value, e.value.replace("_", " ").capitalize()) for e in enum)


def _texts_need_a_number(session: Session, obj: Any, clean: dict[str, Any], errors: FieldErrors) -> None:
    if clean.get("sms_notifications") and not clean.get("phone") and "phone" not in errors.errors:
        errors.add("phone", "Give a mobile number to get text messages.")


def _unique(attr: str, message: str) -> Check:
    def check(session: Session, obj: Any, clean: dict[str, Any], errors: FieldErrors) -> None:
        value = clean.get(attr)
        if value in (None, ""):
            return
        model = type(obj)
        clash = session.scalar(select(model.id).where(getattr(model, attr) == value, model.id != (obj.id or 0)))
        if clash is not None:
            errors.add(attr, message)

    return check


def _all(*checks: Check) -> Check:
    def check(session: Session, obj: Any, clean: dict[str, Any], errors: FieldErrors) -> None:
        for one in checks:
            one(session, obj, clean, errors)

    return check


def _quantity_range(session: Session, obj: Any, clean: dict[str, Any], errors: FieldErrors) -> None:
    lo, hi = clean.get("min_quantity"), clean.get("max_quantity")
    if lo is not None and hi is not None and lo > hi:
        errors.add("max_quantity", "Must be at least the minimum.")


def _discount_rules(session: Session, obj: Any, clean: dict[str, Any], errors: FieldErrors) -> None:
    kind = clean.get("kind")
    code = clean.get("code")
    if not code and "code" not in errors.errors:
        if kind == DiscountKind.GIFTCARD:
            clean["code"] = new_gift_card_code()
        else:
            errors.add("code", "Give the code customers will type.")
    elif code and kind == DiscountKind.GIFTCARD and code != obj.code and guessable_gift_card_code(code):
        # A gift card is money to whoever finds its code: short ones can be guessed.
        errors.add("code", f"A gift card's code needs at least {GIFT_CARD_CODE_LENGTH} letters and digits; leave it empty to get one.")
    if kind == DiscountKind.GIFTCARD and clean.get("balance") is None:
        errors.add("balance", "A gift card needs a balance.")
    if kind != DiscountKind.GIFTCARD and clean.get("amount") in (None, Decimal("0")):
        errors.add("amount", "Give the discount's amount.")
    if clean.get("amount_type") == AmountType.PERCENT and (clean.get("amount") or 0) > 100:
        errors.add("amount", "A percentage is at most 100.")
    start, end = clean.get("valid_from"), clean.get("valid_until")
    if start and end and start >= end:
        errors.add("valid_until", "Must be after the start.")


def _custom_field_options(session: Session, obj: CustomField, values: Values, errors: FieldErrors) -> dict[str, tuple[Any, Any]]:
    """Options are edited as lines of text; answers keep the label they were given, so
    options can be renamed or removed without touching bookings."""
    labels = [line.strip() for line in str(_get(values, "options") or "").splitlines() if line.strip()]
    if FieldType(obj.field_type).has_options and not labels:
        errors.add("options", "Give at least one option, one per line.")
        return {}
    if any(len(label) > 200 for label in labels):
        errors.add("options", "Each option is at most 200 characters.")
        return {}
    other = bool(as_bool(errors, "last_is_other", _get(values, "last_is_other") or ""))
    before = [o.label + (" (other)" if o.allows_other else "") for o in obj.options]
    existing = list(obj.options)
    kept: list[CustomFieldOption] = []
    for i, label in enumerate(labels):
        option = existing[i] if i < len(existing) else CustomFieldOption(label=label)
        option.label, option.position, option.allows_other = label, i, other and i == len(labels) - 1
        kept.append(option)
    obj.options = kept
    after = [o.label + (" (other)" if o.allows_other else "") for o in kept]
    return {"options": (before, after)} if before != after else {}


MONEY_HELP = "In the business's currency, at most two decimals."

# Locales and currencies offered in the settings (Babel formats any of them; the lists
# keep the choice short and known-good).
LOCALES = (
    ("en_US", "English (United States)"), ("en_GB", "English (United Kingdom)"), ("en_CA", "English (Canada)"),
    ("en_AU", "English (Australia)"), ("en_IE", "English (Ireland)"), ("de_DE", "Deutsch (Deutschland)"),
    ("de_AT", "Deutsch (Österreich)"), ("de_CH", "Deutsch (Schweiz)"), ("fr_FR", "Français (France)"),
    ("fr_CA", "Français (Canada)"), ("es_ES", "Español (España)"), ("es_MX", "Español (México)"),
    ("it_IT", "Italiano (Italia)"), ("nl_NL", "Nederlands (Nederland)"), ("pt_PT", "Português (Portugal)"),
    ("pt_BR", "Português (Brasil)"), ("sv_SE", "Svenska (Sverige)"), ("da_DK", "Dansk (Danmark)"),
    ("pl_PL", "Polski (Polska)"),
)
CURRENCIES = tuple(
    (code, code) for code in ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "SEK", "DKK", "NOK", "PLN", "MXN", "BRL", "NZD")
)

KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "locations", Location, "location", "Locations",
            (
                Field("name", "Name", required=True),
                Field("address", "Address", max_length=255),
                Field("timezone", "Time zone", "timezone", required=True, help="Where the office is: its times are shown in this zone."),
                Field("currency", "Currency", "choice", choices=(("", "The business's currency"), *CURRENCIES),
                      help="Prices at this office are charged in this currency."),
                Field("phone", "Phone", max_length=40, help="Customers are told to call this number when they cannot change a booking online."),
                Field("email", "E-mail", "email", max_length=255),
                Field("country", "Country", "country", optional=True, max_length=2,
                      help="Two letters (US, DE): customers' phone numbers written without a country code are read as this country's."),
                Field("is_default", "Default location", "bool"),
            ),
            (("name", "Name"), ("timezone", "Time zone"), ("address", "Address"), ("phone", "Phone")),
            defaults={"timezone": "America/New_York"},
        ),
        Kind(
            "services", Service, "service", "Services",
            (
                Field("name", "Name", required=True),
                Field("description", "Description", "textarea"),
                Field("pricing_mode", "Pricing", "choice", required=True, choices=_choices(PricingMode),
                      help="Hourly services are priced per worker and hour."),
                Field("price", "Price (hourly rate for hourly services)", "money", required=True, help=MONEY_HELP),
                Field("duration_minutes", "Duration in minutes", "int", required=True, lo=MIN_DURATION, hi=MAX_DURATION),
                Field("buffer_before_minutes", "Buffer before, minutes", "int", required=True, lo=0, hi=240),
                Field("buffer_after_minutes", "Buffer after, minutes", "int", required=True, lo=0, hi=240),
                Field("capacity", "Places per slot", "int", required=True, lo=1, hi=100),
                Field("at_customer", "Done at the customer's place", "bool",
                      help="On: customers must give the street address. Off: the visit is at the office (a class, a "
                           "salon chair) and no address is asked."),
                Field("min_notice_minutes", "Minimum notice in minutes", "int", required=True, lo=0, hi=525_600),
                Field("max_days_ahead", "Bookable up to (days ahead)", "int", required=True, lo=1, hi=3650),
                Field("position", "Position in lists", "int", required=True, lo=0, hi=10_000),
                Field("locations", "Offered at", "multi", related=Location),
            ),
            (("name", "Name"), ("pricing_mode", "Pricing"), ("price", "Price"), ("duration_minutes", "Minutes")),
            defaults={"pricing_mode": "fixed", "duration_minutes": 60, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
                      "capacity": 1, "at_customer": True, "min_notice_minutes": 0, "max_days_ahead": 365,
                      "position": 0},
        ),
        Kind(
            "extras", Extra, "extra", "Extras",
            (
                Field("name", "Name", required=True),
                Field("description", "Description", "textarea"),
                Field("price", "Price", "money", required=True, help=MONEY_HELP),
                Field("minutes", "Extra minutes", "int", required=True, lo=0, hi=1440),
                Field("max_quantity", "Most a customer may add", "int", required=True, lo=1, hi=100),
                Field("recurring", "Repeats on every visit of a series", "bool"),
                Field("services", "For services", "multi", related=Service),
            ),
            (("name", "Name"), ("price", "Price"), ("minutes", "Minutes")),
            defaults={"minutes": 0, "max_quantity": 1, "recurring": True},
        ),
        Kind(
            "parameters", PricingParameter, "pricing parameter", "Pricing parameters",
            (
                Field("name", "Name", required=True, help="What the customer counts, such as Bedrooms."),
                Field("price", "Price per unit", "money", required=True, help=MONEY_HELP),
                Field("minutes", "Minutes per unit", "int", required=True, lo=0, hi=1440),
                Field("min_quantity", "Least quantity", "int", required=True, lo=0, hi=250_000),
                Field("max_quantity", "Most quantity", "int", required=True, lo=0, hi=250_000),
                Field("services", "For services", "multi", related=Service),
            ),
            (("name", "Name"), ("price", "Price per unit"), ("min_quantity", "Least"), ("max_quantity", "Most")),
            check=_quantity_range, defaults={"minutes": 0, "min_quantity": 0, "max_quantity": 10},
        ),
        Kind(
            "fields", CustomField, "custom field", "Custom fields",
            (
                Field("label", "Question", required=True, max_length=200),
                Field("field_type", "Answer type", "choice", required=True, choices=_choices(FieldType)),
                Field("required", "An answer is required", "bool"),
                Field("visibility", "Who answers it", "choice", required=True,
                      choices=(("customer", "The customer"), ("staff", "Staff only"))),
                Field("help_text", "Help text", max_length=255),
                Field("position", "Position in the form", "int", required=True, lo=0, hi=10_000),
                Field("services", "Asked for services", "multi", related=Service),
            ),
            (("label", "Question"), ("field_type", "Type"), ("visibility", "Answered by")),
            search=("label",), defaults={"field_type": "single_line", "visibility": FieldVisibility.CUSTOMER, "position": 0},
            extra_fields=("options", "last_is_other"), after_save=_custom_field_options,
        ),
        Kind(
            "frequencies", Frequency, "frequency", "Frequencies",
            (
                Field("name", "Name", required=True),
                Field("interval_unit", "Repeats every", "choice",
                      choices=(("", "Does not repeat"), ("week", "Week(s)"), ("month", "Month(s)"))),
                Field("interval_count", "Number of weeks or months", "int", required=True, lo=1, hi=52),
                Field("discount_percent", "Discount, percent", "percent", required=True),
                Field("position", "Position in lists", "int", required=True, lo=0, hi=10_000),
            ),
            (("name", "Name"), ("interval_unit", "Unit"), ("interval_count", "Every"), ("discount_percent", "Discount %")),
            defaults={"interval_count": 1, "discount_percent": Decimal("0"), "position": 0},
        ),
        Kind(
            "discount_codes", DiscountCode, "discount code", "Discount codes",
            (
                Field("code", "Code", "code", optional=True, max_length=64,
                      help="Customers may type it in any case. Gift cards: leave it empty to get a generated code."),
                Field("kind", "Kind", "choice", required=True, choices=_choices(DiscountKind)),
                Field("amount_type", "Amount is", "choice", required=True, choices=(("percent", "A percentage"), ("fixed", "A fixed amount"))),
                Field("amount", "Amount (not used for gift cards)", "money", optional=True),
                Field("balance", "Gift card balance left", "money", optional=True),
                Field("max_uses", "Most uses in total", "int", optional=True, lo=1, hi=1_000_000, help="Empty: no limit."),
                Field("per_customer_limit", "Most uses per customer", "int", optional=True, lo=1, hi=10_000, help="Empty: no limit."),
                Field("valid_from", "Valid from", "datetime", optional=True),
                Field("valid_until", "Valid until", "datetime", optional=True),
                Field("description", "Description", max_length=255),
                Field("services", "Only for services (none ticked: all)", "multi", related=Service),
            ),
            (("code", "Code"), ("kind", "Kind"), ("amount", "Amount"), ("uses_count", "Used"), ("max_uses", "Most uses"),
             ("balance", "Balance left")),
            search=("code", "description"),
            check=_all(_unique("code", "Another code already uses this text."), _discount_rules),
            defaults={"kind": "discount", "amount_type": "percent"},
        ),
        Kind(
            "agents", Agent, "agent", "Agents",
            (
                Field("name", "Name", required=True),
                Field("email", "E-mail", "email"),
                Field("phone", "Phone", max_length=40),
                Field("services", "Services they do", "multi", related=Service),
                Field("locations", "Locations they work at", "multi", related=Location),
                Field("user_id", "Logs in as", "agent_login",
                      help="A staff account with the role Agent: it sees this agent's own day and nothing else."),
            ),
            (("name", "Name"), ("email", "E-mail"), ("phone", "Phone")),
            search=("name", "email"),
        ),
        Kind(
            "customers", User, "customer", "Customers",
            (
                Field("first_name", "First name", required=True, max_length=100),
                Field("last_name", "Last name", max_length=100),
                Field("email", "E-mail", "email", required=True, max_length=255),
                Field("phone", "Mobile phone", "phone", max_length=40,
                      help="Texts go to this number when the customer asks for them; without a country code it is read as the default location's country's."),
                Field("address", "Address", max_length=255),
                Field("city", "City", max_length=100),
                Field("state", "State", max_length=40),
                Field("zip", "Postal code", max_length=20),
                Field("sms_notifications", "Text message reminders", "bool"),
            ),
            (("full_name", "Name"), ("email", "E-mail"), ("phone", "Phone"), ("city", "City")),
            search=("first_name", "last_name", "email", "phone"),
            base_filter=lambda: User.role == Role.CUSTOMER,
            check=_all(_unique("email", "Another account already uses this e-mail address."), _texts_need_a_number),
            defaults={"role": Role.CUSTOMER},
        ),
        Kind(
            "staff", User, "staff member", "Staff",
            (
                Field("first_name", "First name", required=True, max_length=100),
                Field("last_name", "Last name", max_length=100),
                Field("email", "E-mail", "email", required=True, max_length=255),
                Field("role", "Role", "choice", required=True,
                      choices=(("staff", "Staff"), ("admin", "Admin"), ("agent", "Agent (sees only their own day)"))),
                Field("password", "Password", "password", max_length=200,
                      help="At least 8 characters. Leave empty to keep the current one."),
            ),
            (("full_name", "Name"), ("email", "E-mail"), ("role", "Role")),
            admin_only=True, search=("first_name", "last_name", "email"),
            base_filter=lambda: User.role.in_((Role.STAFF, Role.ADMIN, Role.AGENT)),
            check=_unique("email", "Another account already uses this e-mail address."),
            defaults={"role": Role.STAFF},
        ),
    )
}


def kind_for(key: str, actor: Actor) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        raise NotFound(f"There is no such list: {key}.")
    if kind.admin_only and not actor.is_admin:
        raise Forbidden("Only admins can manage this.")
    if not actor.is_staff:
        raise Forbidden("Only staff can manage this.")
    return kind


def business_tz(session: Session) -> str:
    return load_settings(session).default_timezone


# --- reading --------------------------------------------------------------------------


def list_objects(session: Session, kind: Kind, *, q: str = "", show: str = "active", page: object = 1) -> Page[Any]:
    errors = FieldErrors()
    number, size = read_paging(errors, page, 50)
    errors.raise_if_any("The page number is not valid.")
    query = select(kind.model)
    if kind.base_filter is not None:
        query = query.where(kind.base_filter())
    if show == "active":
        query = query.where(kind.model.active.is_(True))
    elif show == "inactive":
        query = query.where(kind.model.active.is_(False))
    q = (q or "").strip()[:100]
    if q:
        pattern = contains_pattern(q.lower())
        query = query.where(or_(*(func.lower(getattr(kind.model, attr)).like(pattern, escape=LIKE_ESCAPE) for attr in kind.search)))
    order = [getattr(kind.model, a) for a in ("position", "name", "label", "code", "last_name", "first_name") if hasattr(kind.model, a)]
    return paginate(session, query.order_by(*order, kind.model.id), number, size)


def get_object(session: Session, kind: Kind, object_id: object) -> Any:
    oid = id_or_none(object_id)
    obj = session.get(kind.model, oid) if oid else None
    if obj is None or (kind.base_filter is not None and not session.scalar(
        select(func.count()).select_from(kind.model).where(kind.model.id == obj.id, kind.base_filter())
    )):
        raise NotFound(f"There is no {kind.singular} with id {object_id}.")
    return obj


def form_values(session: Session, kind: Kind, obj: Any | None) -> dict[str, Any]:
    """What a form for this object starts with."""
    tz = business_tz(session)
    values = {f.name: f.shown(obj, tz) for f in kind.fields}
    for f in kind.fields:
        if f.kind == "phone" and values.get(f.name):
            # Stored in E.164, shown as people write it (and read back the same way).
            values[f.name] = national(values[f.name], region_for(session))
    if obj is None:
        values |= {k: (f"{v:.2f}" if isinstance(v, Decimal) else v if isinstance(v, bool) else str(v)) for k, v in kind.defaults.items()
                   if k in values}
    if kind.key == "fields":
        options = list(obj.options) if obj is not None else []
        values["options"] = "\n".join(o.label for o in options)
        values["last_is_other"] = bool(options and options[-1].allows_other)
    return values


# --- writing --------------------------------------------------------------------------


def save_object(session: Session, kind: Kind, object_id: object | None, values: Values, *, actor: Actor, now: datetime) -> Any:
    """Create (object_id None) or update one object from form values. Raises
    ValidationFailed with a message per field; nothing is written then."""
    try:
        obj = get_object(session, kind, object_id) if object_id is not None else kind.model(**kind.defaults)
        creating = object_id is None
        errors = FieldErrors()
        tz = business_tz(session)
        clean: dict[str, Any] = {}
        for f in kind.fields:
            if f.kind == "phone" and not creating and unchanged(_get(values, f.name), getattr(obj, f.name), region_for(session)):
                clean[f.name] = getattr(obj, f.name)
                continue
            value = f.read(session, values, errors, tz)
            if f.kind == "password":
                if creating and not value and "password" not in errors.errors:
                    errors.add("password", "Give a first password of at least 8 characters.")
                if value:
                    clean["password_hash"] = hash_password(value)
                continue
            clean[f.name] = value
        if kind.key == "staff" and not creating and obj.id == actor.id and clean.get("role") != obj.role:
            errors.add("role", "You cannot change your own role; ask another admin.")
        if kind.check is not None:
            kind.check(session, obj, clean, errors)
        errors.raise_if_any(f"The {kind.singular} was not saved; see the marked fields.")
        changes: dict[str, tuple[Any, Any]] = {}
        for name, value in clean.items():
            before = getattr(obj, name)
            if isinstance(before, list):
                before = sorted(before, key=lambda o: o.id)
            if before != value:
                changes[name] = ("(hidden)", "(changed)") if name == "password_hash" else (before, value)
                setattr(obj, name, value)
        if isinstance(obj, User) and not creating and ("password_hash" in changes or "email" in changes):
            # A password set by an admin logs the person out everywhere; so does a new
            # e-mail address (a reset link sent to the old one must not work any more).
            end_all_sessions(session, obj, now=now)
        if creating:
            session.add(obj)
            if hasattr(obj, "created_at"):
                obj.created_at = now
        if kind.after_save is not None:
            changes |= kind.after_save(session, obj, values, errors)
            errors.raise_if_any(f"The {kind.singular} was not saved; see the marked fields.")
        if kind.key == "locations" and clean.get("is_default"):
            for other in session.scalars(select(Location).where(Location.is_default.is_(True))):
                if other is not obj:
                    other.is_default = False
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


def set_active(session: Session, kind: Kind, object_id: object, active: bool, *, actor: Actor, now: datetime) -> Any:
    """Deactivate (hide from new bookings, keep for old ones) or reactivate."""
    obj = get_object(session, kind, object_id)
    if isinstance(obj, User) and actor.kind == "user" and obj.id == actor.id and not active:
        raise Forbidden("You cannot deactivate your own account.")
    if obj.active != active:
        obj.active = active
        if isinstance(obj, User) and not active:
            end_all_sessions(session, obj, now=now)  # sessions and tokens end, and stay ended on reactivation
        audit(session, actor=actor, now=now, kind=kind.key, object_id=obj.id,
              action="reactivated" if active else "deactivated", changes={"active": (not active, active)})
    session.commit()
    return obj


def choices_for(session: Session, f: Field) -> list[tuple[str, str]]:
    """What a choice or list field offers: (value, label); inactive objects say so."""
    if f.kind == "timezone":
        # The IANA list, so a zone is picked rather than typed.
        return [(name, name.replace("_", " ")) for name in sorted(TIMEZONES) if "/" in name or name == "UTC"]
    if f.kind == "agent_login":
        users = session.scalars(select(User).where(User.role == Role.AGENT).order_by(User.last_name, User.first_name, User.id))
        return [("", "No login"), *((str(u.id), f"{u.full_name} · {u.email}") for u in users)]
    if f.kind != "multi":
        return list(f.choices)
    rows = session.scalars(select(f.related).order_by(f.related.id))
    return [(str(o.id), (getattr(o, "name", None) or str(o.id)) + ("" if o.active else " (inactive)")) for o in rows]


