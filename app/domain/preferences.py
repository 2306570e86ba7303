"""Which optional messages a customer lets through, by e-mail or text."""
from __future__ import annotations

from .models import User

# What a customer may turn off; confirmations (received, confirmed, cancelled) always go.
REMINDER_TOPICS = {"booking.reminder"}
CHANGE_TOPICS = {"booking.rescheduled", "booking.updated"}


def customer_wants(customer: User, topic: str) -> bool:
    """Whether the customer's message preferences let this message go out."""
    if topic in REMINDER_TOPICS:
        return bool(customer.notify_reminders)
    if topic in CHANGE_TOPICS:
        return bool(customer.notify_changes)
    return True
