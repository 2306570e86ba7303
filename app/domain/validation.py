"""Small checks shared by the services; each adds to a FieldErrors and returns the
clean value, or None when the value was refused."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import FieldErrors

MAX_TEXT = 10_000
MAX_AMOUNT = Decimal("1e12")


def as_int(
    errors: FieldErrors,
    path: str,
    value: Any,
    *,
    lo: int | None = None,
    hi: int | None = None,
    multiple_of: int | None = None,
    allow_str: bool = True,
) -> int | None:
    if isinstance(value, bool):
        errors.add(path, "Must be a whole number.")
        return None
    if isinstance(value, str) and allow_str and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        errors.add(path, "Must be a whole number.")
        return None
    if lo is not None and value < lo:
        errors.add(path, f"Must be at least {lo}.")
        return None
    if hi is not None and value > hi:
        errors.add(path, f"Must be at most {hi}.")
        return None
    if multiple_of and value % multiple_of:
        errors.add(path, f"Must be a multiple of {multiple_of}.")
        return None
    return value


MAX_ID = 2**31 - 1  # the largest id a PostgreSQL integer column holds


def as_id(errors: FieldErrors, path: str, value: Any) -> int | None:
    return as_int(errors, path, value, lo=1, hi=MAX_ID)


def as_money(errors: FieldErrors, path: str, value: Any, *, lo: str = "0", hi: str | None = None) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        errors.add(path, "Must be an amount of money.")
        return None
    try:
        amount = Decimal(str(value).strip()) if isinstance(value, (int, float, str, Decimal)) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        # Far beyond any price (1e400 would not even round to cents): refused, not a crash.
        errors.add(path, "Must be an amount of money.")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(path, "Use at most two decimal places.")
        return None
    if amount < Decimal(lo):
        errors.add(path, f"Must be at least {lo}.")
        return None
    if hi is not None and amount > Decimal(hi):
        errors.add(path, f"Must be at most {hi}.")
        return None
    return amount.quantize(Decimal("0.01"))


def as_text(errors: FieldErrors, path: str, value: Any, *, max_length: int = MAX_TEXT, required: bool = False) -> str | None:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(path, "Must be text.")
        return None
    value = value.strip()
    if required and not value:
        errors.add(path, "This field is required.")
        return None
    if len(value) > max_length:
        errors.add(path, f"Must be at most {max_length} characters.")
        return None
    return value


def as_bool(errors: FieldErrors, path: str, value: Any, *, default: bool = False) -> bool | None:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "on", "yes", "no", ""):
        return value.lower() in ("true", "1", "on", "yes")
    errors.add(path, "Must be true or false.")
    return None


def normalise_email(value: str) -> str:
    return value.strip().lower()


def as_email(errors: FieldErrors, path: str, value: Any, *, required: bool = True) -> str | None:
    text = as_text(errors, path, value, max_length=255, required=required)
    if text is None:
        return None
    if not text:
        return ""
    local, _, domain = text.partition("@")
    if not local or "." not in domain or " " in text or domain.startswith(".") or domain.endswith("."):
        errors.add(path, "Enter a valid e-mail address.")
        return None
    return normalise_email(text)
