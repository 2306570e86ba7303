"""A booking's history in people's words: "Agent: Sam Whitfield → Maria Lopez", times in
the location's zone with the zone named, money in the location's currency, who made the
change and when. The stored events keep ids and ISO instants (the API serves them as
they are); this view model turns them into sentences for the panel."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from ...domain import read_models
from ...domain.models import Agent, Booking, Service, User
from ..formatting import local_datetime, money

ACTIONS = {"created": "Booked", "status": "Status changed", "moved": "Moved", "updated": "Changed", "override": "Staff override",
           "text_sent": "Text sent", "text_failed": "Text not sent", "text_resent": "Text sent again",
           "cancellation_undone": "Cancellation undone"}
LABELS = {
    "status": "Status", "agent_id": "Agent", "service_id": "Service", "customer_id": "Customer", "start_at": "Start",
    "end_at": "End", "total": "Total", "customer_notes": "Customer notes", "staff_notes": "Staff notes",
    "cancellation_reason": "Reason", "duration_minutes": "Duration", "payment_method": "Payment", "tip": "Tip",
    "override": "Rule set aside",
}
# Follow from other changes shown beside them (the end moves with the start, the time
# the agent is held follows both), or say nothing a person acts on.
QUIET = {"occupied_start", "occupied_end", "cancelled_at", "updated_at", "price_overridden", "version"}
MONEY = {"total", "tip", "subtotal", "discount_total"}
INSTANTS = {"start_at", "end_at"}
NAMED = {"agent_id": Agent, "service_id": Service, "customer_id": User}


@dataclass(frozen=True)
class HistoryEntry:
    when: str  # local date and time with the zone named
    occurred_at: datetime
    who: str
    action: str
    lines: list[str]


def booking_history(session: Session, booking: Booking) -> list[HistoryEntry]:
    """The booking's events, oldest first, as sentences. Names for the ids mentioned are
    read in one query per kind, whatever the number of events."""
    events = read_models.booking_events(session, booking.id)
    wanted: dict[str, set[int]] = {key: set() for key in NAMED}
    for event in events:
        for key in NAMED:
            for value in event.changes.get(key, []):
                if isinstance(value, int):
                    wanted[key].add(value)
    names: dict[str, dict[int, str]] = {}
    for key, model in NAMED.items():
        rows: list[Any] = read_models.by_ids(session, model, wanted[key])
        names[key] = {row.id: getattr(row, "full_name", None) or row.name for row in rows}
    location = booking.location

    def shown(key: str, value: Any) -> str:
        if value is None or value == "":
            return "none"
        if key in NAMED:
            return names[key].get(value, f"#{value} (removed)")
        if key == "status":
            return str(value).replace("_", " ").capitalize()
        if key in INSTANTS:
            try:
                return local_datetime(datetime.fromisoformat(value), location)
            except (TypeError, ValueError):
                return str(value)
        if key in MONEY:
            try:
                return money(Decimal(str(value)), location)
            except InvalidOperation:
                return str(value)
        if key == "duration_minutes":
            return f"{value} min"
        if isinstance(value, str) and key.endswith("notes"):
            return f"“{value}”"
        return str(value)

    entries = []
    for event in events:
        changes = event.changes
        lines = []
        for key, (before, after) in changes.items():
            if key in QUIET or (key == "end_at" and "start_at" in changes):
                continue
            label = LABELS.get(key, key.replace("_", " ").capitalize())
            if event.action == "created" or before in (None, ""):
                lines.append(f"{label}: {shown(key, after)}")
            elif after in (None, ""):
                lines.append(f"{label} removed (was {shown(key, before)})")
            else:
                lines.append(f"{label}: {shown(key, before)} → {shown(key, after)}")
        who = event.actor_label.split(" <")[0] if event.actor_kind == "user" else event.actor_label
        entries.append(HistoryEntry(local_datetime(event.occurred_at, location), event.occurred_at, who,
                                    ACTIONS.get(event.action, event.action.capitalize()), lines))
    return entries
