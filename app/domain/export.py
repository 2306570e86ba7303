"""CSV files that people open in a spreadsheet: safe cells, and the bookings export's rows."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from .models import Booking
from .payments import payment_states
from .timeutil import zone

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV
# Injection"): =HYPERLINK(...) in a customer's name would run on the office's machine.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """The value as a CSV cell: text that a spreadsheet would take for a formula gets a
    leading apostrophe (shown as text, not evaluated); numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


# The bookings CSV (back office, "Export"): one row per booking. Money columns are in
# the booking's `currency` (its location's), so a spreadsheet never adds up two currencies
# without the column saying so; paid, refunded and due are the card payments' state
# (payments.payment_states), 0.00 for a booking paid in person.
BOOKING_COLUMNS = ("booking_code", "status", "start_local", "time_zone", "duration_minutes", "service", "agent",
                   "customer", "email", "phone", "total", "payment_method", "currency", "paid", "refunded", "due")


def booking_rows(session: Session, bookings: list[Booking]) -> Iterator[list[Any]]:
    """The CSV rows of `bookings` (spreadsheet-safe cells), in their order. Their payment
    state is read for all of them at once, not per row."""
    states = payment_states(session, bookings)
    for b in bookings:
        tz = b.location.timezone
        state = states[b.id]
        yield [spreadsheet_cell(cell) for cell in (
            b.booking_code, b.status, b.start_at.astimezone(zone(tz)).strftime("%Y-%m-%d %H:%M"), tz, b.duration_minutes,
            b.service.name, b.agent.name, b.customer.full_name, b.customer.email or "", b.customer.phone, f"{b.total:.2f}",
            b.payment_method, state.currency, str(state.amount_paid), str(state.refunded), str(state.amount_due),
        )]
