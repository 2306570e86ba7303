"""A customer as the customers API creates and changes one. The limits are the back
office's customer type (catalog/customers.py), read from it, so the API,
the back office and the OpenAPI document state one set."""
from typing import Any, ClassVar

from pydantic import Field

from ..catalog.customers import CUSTOMERS
from .base import RequestModel
from .types import Bool, Email, Flag, PhoneText, Text

_FIELDS = CUSTOMERS.readers
SAVE_FAILED = "The customer was not saved; see the marked fields."


def _text(name: str, *, required: bool = False) -> Any:
    return Text(_FIELDS[name].max_length, required=required, single_line=True)


class CustomerCreate(RequestModel):
    """POST /customers. The phone number is read by the service, in the default location's region."""

    INVALID: ClassVar[str] = SAVE_FAILED
    UNKNOWN_FIRST: ClassVar[bool] = True

    first_name: _text("first_name", required=True)  # type: ignore[valid-type]
    last_name: _text("last_name") = ""  # type: ignore[valid-type]
    email: Email(required=True, max_length=_FIELDS["email"].max_length)  # type: ignore[valid-type]
    phone: PhoneText = ""
    address: _text("address") = ""  # type: ignore[valid-type]
    city: _text("city") = ""  # type: ignore[valid-type]
    state: _text("state") = ""  # type: ignore[valid-type]
    zip: _text("zip") = ""  # type: ignore[valid-type]
    sms_notifications: Flag() = False  # type: ignore[valid-type]


class CustomerUpdate(RequestModel):
    """PATCH/PUT /customers/{id}: only the fields sent change; `active` false deactivates."""

    INVALID: ClassVar[str] = SAVE_FAILED
    UNKNOWN_FIRST: ClassVar[bool] = True

    first_name: _text("first_name", required=True) = Field(default=None)  # type: ignore[valid-type]
    last_name: _text("last_name") = Field(default=None)  # type: ignore[valid-type]
    email: Email(required=True, max_length=_FIELDS["email"].max_length) = Field(default=None)  # type: ignore[valid-type]
    phone: PhoneText = Field(default=None)
    address: _text("address") = Field(default=None)  # type: ignore[valid-type]
    city: _text("city") = Field(default=None)  # type: ignore[valid-type]
    state: _text("state") = Field(default=None)  # type: ignore[valid-type]
    zip: _text("zip") = Field(default=None)  # type: ignore[valid-type]
    sms_notifications: Flag() = Field(default=None)  # type: ignore[valid-type]
    active: Bool | None = Field(default=None)
