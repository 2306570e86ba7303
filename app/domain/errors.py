"""Domain errors. `code` is the API error code; the web layer maps the same code to a
form field or a flash message."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"
    status = 400

    def __init__(self, message: str, details: dict[str, Any] | None = None, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.details!r})"


class ValidationFailed(DomainError):
    """Field errors; `details` maps field paths (services[0].hourly.minutes) to messages."""

    code = "validation_failed"
    status = 422


class NotFound(DomainError):
    code = "not_found"
    status = 404


class BookingNotFound(NotFound):
    code = "booking_not_found"

    def __init__(self, booking_id: object):
        super().__init__(f"Booking with ID {booking_id} was not found")


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class SlotUnavailable(DomainError):
    code = "slot_unavailable"
    status = 409


class InvalidStatusTransition(DomainError):
    code = "invalid_status_transition"
    status = 422


class PastDate(DomainError):
    code = "past_date"
    status = 422


class EmailTaken(DomainError):
    code = "email_taken"
    status = 409


class DiscountCodeInvalid(DomainError):
    code = "discount_code_invalid"
    status = 422


class DiscountCodeExhausted(DomainError):
    code = "discount_code_exhausted"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409


class PreconditionFailed(DomainError):
    code = "precondition_failed"
    status = 412


class TooLate(DomainError):
    code = "too_late"
    status = 422


class FieldErrors:
    """Collects field errors and raises them together, so a client sees every problem
    of a request at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, message: str = "Some fields are not valid.") -> None:
        if self.errors:
            raise ValidationFailed(message, dict(self.errors))


class PriceChanged(DomainError):
    """The total differs from the one the customer was shown; details carry the new one."""

    code = "price_changed"
    status = 409
