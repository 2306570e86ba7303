"""How the back office shows the catalog and the settings: each type's names for people
(singular, plural), its list's columns, and each field's label, help text, widget and the
labels of its choices. What a value may be is the domain's (`app/domain/catalog/`,
`app/domain/business_settings.py`); the forms are drawn from both."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy.orm import Session

from ...domain.business_settings import SETTING_READERS, SLOT_INTERVALS
from ...domain.catalog import TYPES, CatalogType
from ...domain.catalog.values import (
    AgentLogin, Choice, ClassTimes, Code, Country, Email, Flag, Int, LocalDateTime, LongText, Money, Password, Percent, Phone, Related, Text,
    Timezone, Value,
)
from ...domain.models import DiscountKind, FieldType, PricingMode

# The widget `admin/manage/_fields.html` draws for each reader (a subclass before its base).
WIDGETS: tuple[tuple[type[Value], str], ...] = (
    (LongText, "textarea"), (Email, "email"), (Phone, "phone"), (ClassTimes, "text"), (Code, "code"), (Text, "text"), (Int, "int"),
    (Percent, "percent"), (Money, "money"), (Country, "country"), (LocalDateTime, "datetime"), (Password, "password"),
    (Choice, "choice"), (Timezone, "timezone"), (Flag, "bool"), (Related, "multi"), (AgentLogin, "agent_login"),
)
LISTS = ("multi", "choice", "agent_login", "timezone")  # widgets whose options the page supplies


def widget(reader: Value) -> str:
    return next(name for cls, name in WIDGETS if isinstance(reader, cls))


@dataclass(frozen=True)
class Label:
    """A field's words: its label, help text and (for choices) the option labels."""

    text: str
    help: str = ""
    choices: Mapping[str, str] | None = None


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str  # the widget
    required: bool
    help: str
    reader: Value
    choices: Mapping[str, str] | None

    def options(self, session: Session) -> list[tuple[str, str]]:
        """(value, label) of what the field offers."""
        return [(value, (self.choices or {}).get(value, text)) for value, text in self.reader.options(session)]


def _fields(readers: Mapping[str, Value], labels: Mapping[str, Label], where: str) -> tuple[FormField, ...]:
    missing = set(readers) ^ set(labels)
    if missing:
        raise LookupError(f"{where}: labels and fields differ: {sorted(missing)}")
    return tuple(FormField(name, labels[name].text, widget(reader), reader.required, labels[name].help, reader, labels[name].choices)
                 for name, reader in readers.items())


@dataclass(frozen=True)
class CatalogForm:
    """One catalog type as its pages show it (`kind` in the templates)."""

    type: CatalogType[Any]
    singular: str
    plural: str
    columns: tuple[tuple[str, str], ...]  # (attribute or property, heading) for the list
    fields: tuple[FormField, ...]

    @property
    def key(self) -> str:
        return self.type.key

    def title(self, obj: Any) -> str:
        for attr in ("name", "label", "code"):
            if hasattr(obj, attr):
                return str(getattr(obj, attr))
        return str(getattr(obj, "full_name", obj.id))

    def options(self, session: Session) -> dict[str, list[tuple[str, str]]]:
        return {f.name: f.options(session) for f in self.fields if f.kind in LISTS}


def enum_labels(enum: Iterable[Enum]) -> dict[str, str]:
    return {str(e.value): str(e.value).replace("_", " ").capitalize() for e in enum}


MONEY_HELP = "In the business's currency, at most two decimals."
NOT_LIMITED = "Empty: no limit."
LOCALE_NAMES = {
    "en_US": "English (United States)", "en_GB": "English (United Kingdom)", "en_CA": "English (Canada)",
    "en_AU": "English (Australia)", "en_IE": "English (Ireland)", "de_DE": "Deutsch (Deutschland)",
    "de_AT": "Deutsch (Österreich)", "de_CH": "Deutsch (Schweiz)", "fr_FR": "Français (France)",
    "fr_CA": "Français (Canada)", "es_ES": "Español (España)", "es_MX": "Español (México)",
    "it_IT": "Italiano (Italia)", "nl_NL": "Nederlands (Nederland)", "pt_PT": "Português (Portugal)",
    "pt_BR": "Português (Brasil)", "sv_SE": "Svenska (Sverige)", "da_DK": "Dansk (Danmark)",
    "pl_PL": "Polski (Polska)",
}

# key: (singular, plural, columns, {field: Label})
_CATALOG: dict[str, tuple[str, str, tuple[tuple[str, str], ...], dict[str, Label]]] = {
    "locations": ("location", "Locations", (("name", "Name"), ("timezone", "Time zone"), ("address", "Address"), ("phone", "Phone")), {
        "name": Label("Name"),
        "address": Label("Address"),
        "timezone": Label("Time zone", "Where the office is: its times are shown in this zone."),
        "currency": Label("Currency", "Prices at this office are charged in this currency.", {"": "The business's currency"}),
        "phone": Label("Phone", "Customers are told to call this number when they cannot change a booking online."),
        "email": Label("E-mail"),
        "country": Label("Country", "Two letters (US, DE): customers' phone numbers written without a country code are read as this country's."),
        "is_default": Label("Default location"),
    }),
    "services": ("service", "Services", (("name", "Name"), ("pricing_mode", "Pricing"), ("price", "Price"), ("duration_minutes", "Minutes")), {
        "name": Label("Name"),
        "description": Label("Description"),
        "pricing_mode": Label("Pricing", "Hourly services are priced per worker and hour.", enum_labels(PricingMode)),
        "price": Label("Price (hourly rate for hourly services)", MONEY_HELP),
        "duration_minutes": Label("Duration in minutes"),
        "buffer_before_minutes": Label("Buffer before, minutes"),
        "buffer_after_minutes": Label("Buffer after, minutes"),
        "capacity": Label("Places per slot"),
        "at_customer": Label("Done at the customer's place", "On: customers must give the street address. Off: the visit is at the "
                                                             "office (a class, a salon chair) and no address is asked."),
        "class_times": Label("Class times", "For a class or workshop: the local start times, like 10:00, 18:00. It is then "
                                            "offered only at those times, on days an agent works through them. Empty: any "
                                            "start on the booking grid."),
        "min_notice_minutes": Label("Minimum notice in minutes"),
        "max_days_ahead": Label("Bookable up to (days ahead)"),
        "position": Label("Position in lists"),
        "locations": Label("Offered at"),
    }),
    "extras": ("extra", "Extras", (("name", "Name"), ("price", "Price"), ("minutes", "Minutes")), {
        "name": Label("Name"),
        "description": Label("Description"),
        "price": Label("Price", MONEY_HELP),
        "minutes": Label("Extra minutes"),
        "max_quantity": Label("Most a customer may add"),
        "recurring": Label("Repeats on every visit of a series"),
        "services": Label("For services"),
    }),
    "parameters": ("pricing parameter", "Pricing parameters",
                   (("name", "Name"), ("price", "Price per unit"), ("min_quantity", "Least"), ("max_quantity", "Most")), {
        "name": Label("Name", "What the customer counts, such as Bedrooms."),
        "price": Label("Price per unit", MONEY_HELP),
        "minutes": Label("Minutes per unit"),
        "min_quantity": Label("Least quantity"),
        "max_quantity": Label("Most quantity"),
        "services": Label("For services"),
    }),
    "fields": ("custom field", "Custom fields", (("label", "Question"), ("field_type", "Type"), ("visibility", "Answered by")), {
        "label": Label("Question"),
        "field_type": Label("Answer type", choices=enum_labels(FieldType)),
        "required": Label("An answer is required"),
        "visibility": Label("Who answers it", choices={"customer": "The customer", "staff": "Staff only"}),
        "help_text": Label("Help text"),
        "position": Label("Position in the form"),
        "services": Label("Asked for services"),
    }),
    "frequencies": ("frequency", "Frequencies",
                    (("name", "Name"), ("interval_unit", "Unit"), ("interval_count", "Every"), ("discount_percent", "Discount %")), {
        "name": Label("Name"),
        "interval_unit": Label("Repeats every", choices={"": "Does not repeat", "week": "Week(s)", "month": "Month(s)"}),
        "interval_count": Label("Number of weeks or months"),
        "discount_percent": Label("Discount, percent"),
        "position": Label("Position in lists"),
    }),
    "discount_codes": ("discount code", "Discount codes",
                       (("code", "Code"), ("kind", "Kind"), ("amount", "Amount"), ("uses_count", "Used"), ("max_uses", "Most uses"),
                        ("balance", "Balance left")), {
        "code": Label("Code", "Customers may type it in any case. Gift cards: leave it empty to get a generated code."),
        "kind": Label("Kind", choices=enum_labels(DiscountKind)),
        "amount_type": Label("Amount is", choices={"percent": "A percentage", "fixed": "A fixed amount"}),
        "amount": Label("Amount (not used for gift cards)"),
        "balance": Label("Gift card balance left"),
        "max_uses": Label("Most uses in total", NOT_LIMITED),
        "per_customer_limit": Label("Most uses per customer", NOT_LIMITED),
        "valid_from": Label("Valid from"),
        "valid_until": Label("Valid until"),
        "description": Label("Description"),
        "services": Label("Only for services (none ticked: all)"),
    }),
    "agents": ("agent", "Agents", (("name", "Name"), ("email", "E-mail"), ("phone", "Phone")), {
        "name": Label("Name"),
        "email": Label("E-mail"),
        "phone": Label("Phone"),
        "services": Label("Services they do"),
        "locations": Label("Locations they work at"),
        "user_id": Label("Logs in as", "A staff account with the role Agent: it sees this agent's own day and nothing else.",
                         {"": "No login"}),
    }),
    "customers": ("customer", "Customers", (("full_name", "Name"), ("email", "E-mail"), ("phone", "Phone"), ("city", "City")), {
        "first_name": Label("First name"),
        "last_name": Label("Last name"),
        "email": Label("E-mail"),
        "phone": Label("Mobile phone", "Texts go to this number when the customer asks for them; without a country code it is read "
                                       "as the default location's country's."),
        "address": Label("Address"),
        "city": Label("City"),
        "state": Label("State"),
        "zip": Label("Postal code"),
        "sms_notifications": Label("Text message reminders"),
    }),
    "staff": ("staff member", "Staff", (("full_name", "Name"), ("email", "E-mail"), ("role", "Role")), {
        "first_name": Label("First name"),
        "last_name": Label("Last name"),
        "email": Label("E-mail"),
        "role": Label("Role", choices={"staff": "Staff", "admin": "Admin", "agent": "Agent (sees only their own day)"}),
        "password": Label("Password", "At least 8 characters. When changing an existing login, leave it empty to keep its password."),
    }),
}

FORMS: dict[str, CatalogForm] = {
    key: CatalogForm(kind, *_CATALOG[key][:3], _fields(kind.readers, _CATALOG[key][3], key))  # type: ignore[arg-type]
    for key, kind in TYPES.items()
}

SETTINGS_FIELDS = _fields(SETTING_READERS, {
    "business_name": Label("Business name"),
    "default_timezone": Label("Time zone"),
    "slot_interval_minutes": Label("Start times every (minutes)", choices={str(m): f"{m} minutes" for m in SLOT_INTERVALS}),
    "horizon_weeks": Label("Recurring bookings are planned this many weeks ahead"),
    "cancellation_cutoff_hours": Label("Customers may change or cancel until (hours before)"),
    "reminder_hours": Label("Reminders go out (hours before)"),
    "business_locale": Label("Language and formats of dates, times and money", choices=LOCALE_NAMES),
    "currency": Label("Currency"),
}, "settings")


def settings_options(session: Session) -> dict[str, list[tuple[str, str]]]:
    return {f.name: f.options(session) for f in SETTINGS_FIELDS if f.kind in ("choice", "timezone")}
