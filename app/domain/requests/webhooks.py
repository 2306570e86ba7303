"""A webhook endpoint as the API and the back office's form add and change one. Validate
with `context={"allow_private": ...}` (the WEBHOOKS_ALLOW_PRIVATE setting); without it an
address in a private range is refused."""
from typing import ClassVar

from pydantic import Field

from ..webhook_rules import EVENTS_WANTED
from .base import RequestModel
from .types import Events, Flag, Text, WebhookUrl

SAVE_FAILED = "The webhook endpoint could not be saved; check the highlighted fields."
DESCRIPTION = Text(255)


class WebhookEndpointInput(RequestModel):
    """POST /webhooks: a new endpoint is active."""

    INVALID: ClassVar[str] = SAVE_FAILED
    # What the API has always said of a request without the field.
    MISSING: ClassVar[dict[str, str]] = {"events": EVENTS_WANTED}

    url: WebhookUrl
    events: Events
    description: DESCRIPTION = ""  # type: ignore[valid-type]


class WebhookEndpointUpdate(RequestModel):
    """PATCH /webhooks/{id}: only the fields sent change; `active` false switches the endpoint off."""

    INVALID: ClassVar[str] = SAVE_FAILED

    url: WebhookUrl = Field(default=None)
    events: Events = Field(default=None)
    description: DESCRIPTION = Field(default=None)  # type: ignore[valid-type]
    active: Flag(default=True) = Field(default=None)  # type: ignore[valid-type]

