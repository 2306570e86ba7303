"""Phone numbers: the one strict parser every page, the API, bulk imports and the back
office call (Google's libphonenumber rules through the `phonenumbers` package), and the
arithmetic of text-message segments.

A number is stored in E.164 (`+12015550123`): one spelling per number, so a STOP
reply from Twilio (which always writes E.164) finds its customer, and every sender gets
the same string. A number written without its country code is read in the default
region: the location's country, else the business's (`phone_region` setting). Only a
valid number that can receive texts (mobile, or a North-American style number that may
be either) is accepted: a customer who asks for text reminders must be reachable.
"""
from __future__ import annotations

import math
from typing import Any

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import FieldErrors
from .models import Location
from .settings import load_settings
from .validation import BadValue, parse_text

MAX_PHONE_TEXT = 40
# The types a text can reach. FIXED_LINE_OR_MOBILE is what the US, Canada and others
# report for every valid number: their numbering does not tell the two apart.
TEXTABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
EXAMPLE = "+1 201 555 0123"


def parse_phone(value: Any, *, region: str, required: bool = False) -> str:
    """A mobile-capable phone number in E.164, or "" when optional and empty.
    Raises BadValue with a message for the person who typed it."""
    text = parse_text(value, max_length=MAX_PHONE_TEXT, required=required, single_line=True)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region.upper() if region else None)
    except NumberParseException:
        raise BadValue(f"Enter a phone number, like {EXAMPLE}.") from None
    if not phonenumbers.is_valid_number(number):
        raise BadValue(f"This is not a valid phone number; write it with its country code, like {EXAMPLE}.")
    if phonenumbers.number_type(number) not in TEXTABLE:
        raise BadValue("This number cannot receive text messages; enter a mobile number.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def as_phone(errors: FieldErrors, path: str, value: Any, *, region: str, required: bool = False) -> str | None:
    """parse_phone, its problem added to `errors` under `path` (then None)."""
    try:
        return parse_phone(value, region=region, required=required)
    except BadValue as exc:
        errors.add(path, str(exc))
        return None


def national(value: str | None, region: str | None = None) -> str:
    """A stored number as people write it: national format in its own country
    (`(201) 555-0123`), international elsewhere; text that is not a number as it is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None if value.startswith("+") else (region or "US"))
    except NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    own = phonenumbers.region_code_for_number(number)
    fmt = PhoneNumberFormat.NATIONAL if region is None or own == region.upper() else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)


def unchanged(value: Any, stored: str, region: str) -> bool:
    """Whether a form sent back the number it was shown (the stored one, or its national
    form): a number saved before numbers were checked is kept as it is until changed."""
    return bool(stored) and isinstance(value, str) and value.strip() in (stored, national(stored, region))


def region_for(session: Session, location_id: int | None = None) -> str:
    """The region a number without its country code is read in: the location's
    country (the default location's when none is given), else the business's."""
    location = session.get(Location, location_id) if location_id is not None else session.scalars(
        select(Location).where(Location.is_default.is_(True)).limit(1)).first()
    if location is not None and location.country:
        return location.country
    return load_settings(session).phone_region


REGIONS = tuple(sorted(phonenumbers.SUPPORTED_REGIONS))


# --- segments ---------------------------------------------------------------------------

# The GSM 03.38 default alphabet; the extension table's characters take two septets.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


def segments(text: str) -> tuple[str, int]:
    """How a text travels: ("GSM-7", n) when every character is in the GSM alphabet
    (160 septets in one segment, 153 each when split), else ("UCS-2", n) (70 UTF-16
    units alone, 67 each when split)."""
    if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text):
        units = sum(2 if c in GSM_EXTENDED else 1 for c in text)
        return "GSM-7", 1 if units <= 160 else math.ceil(units / 153)
    units = len(text.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= 70 else math.ceil(units / 67)
