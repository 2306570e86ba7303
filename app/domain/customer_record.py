"""A customer's record for staff (issue 22): who they are, what they booked and did,
what they spent, and what the office keeps in mind about them.

Square Appointments' and Acuity's client pages are the model: upcoming and past
appointments, visit, no-show and cancellation counts, lifetime spend, and the staff's
own notes on the client, with "book again" beside each past visit. Spend is what the
customer's completed visits came to, per currency (a business with offices in two
currencies never adds euros to dollars); fees charged for no-shows and late cancels are
in the booking history, not in spend.

The lists are bounded (`LIST_LIMIT` each way, newest past first); the counts and sums
are one grouped query, so the page costs the same few statements for a customer with
five bookings or five thousand."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from .actor import Actor
from .audit import audit
from .errors import Forbidden, NotFound, ValidationFailed
from .models import Booking, Location, User
from .models.enums import BookingStatus, Role
from .settings import load_settings

# How many upcoming and how many past bookings the record lists (the bookings table,
# filtered to the customer, has them all).
LIST_LIMIT = 20
# The longest note the office can keep on a customer.
MAX_CUSTOMER_NOTES = 4000


@dataclass(frozen=True)
class CustomerRecord:
    customer: User
    upcoming: list[Booking]
    past: list[Booking]
    # Counts by outcome over all the customer's bookings, not only the listed ones.
    visits: int
    no_shows: int
    cancellations: int
    bookings: int
    # Completed visits' totals, per currency, largest first: [("EUR", Decimal("240.00"))].
    spent: list[tuple[str, Decimal]]
    first_visit: datetime | None
    last_visit: datetime | None


def _customer(session: Session, actor: Actor, customer_id: int) -> User:
    if not actor.is_staff:
        raise Forbidden("Only staff can see customer records.")
    customer = session.get(User, customer_id)
    if customer is None or customer.role != Role.CUSTOMER:
        raise NotFound("No such customer.")
    return customer


def customer_record(session: Session, customer_id: int, *, actor: Actor, now: datetime) -> CustomerRecord:
    customer = _customer(session, actor, customer_id)
    mine = Booking.customer_id == customer.id
    shown = (joinedload(Booking.service), joinedload(Booking.agent), joinedload(Booking.location))
    upcoming = list(session.scalars(
        select(Booking).options(*shown)
        .where(mine, Booking.start_at >= now, Booking.status.not_in((BookingStatus.CANCELLED,)))
        .order_by(Booking.start_at, Booking.id).limit(LIST_LIMIT)
    ))
    past = list(session.scalars(
        select(Booking).options(*shown)
        .where(mine, (Booking.start_at < now) | (Booking.status == BookingStatus.CANCELLED))
        .order_by(Booking.start_at.desc(), Booking.id.desc()).limit(LIST_LIMIT)
    ))
    business_currency = load_settings(session).currency.upper()
    counts: dict[str, int] = {}
    spent: dict[str, Decimal] = {}
    first_visit: datetime | None = None
    last_visit: datetime | None = None
    rows = session.execute(
        select(Booking.status, Location.currency, func.count(), func.sum(Booking.total),
               func.min(Booking.start_at), func.max(Booking.start_at))
        .join(Location, Location.id == Booking.location_id)
        .where(mine).group_by(Booking.status, Location.currency)
    )
    for status, currency, count, total, first, last in rows:
        counts[status] = counts.get(status, 0) + count
        if status == BookingStatus.COMPLETED:
            code = (currency or business_currency).upper()
            spent[code] = spent.get(code, Decimal("0")) + Decimal(total or 0)
            first_visit = first if first_visit is None or first < first_visit else first_visit
            last_visit = last if last_visit is None or last > last_visit else last_visit
    return CustomerRecord(
        customer=customer, upcoming=upcoming, past=past,
        visits=counts.get(BookingStatus.COMPLETED, 0), no_shows=counts.get(BookingStatus.NO_SHOW, 0),
        cancellations=counts.get(BookingStatus.CANCELLED, 0), bookings=sum(counts.values()),
        spent=sorted(spent.items(), key=lambda item: (-item[1], item[0])),
        first_visit=first_visit, last_visit=last_visit,
    )


def save_customer_notes(session: Session, customer_id: int, text: object, *, actor: Actor, now: datetime) -> User:
    """The office's notes on a customer (gate code, allergies, "prefers Maria"): staff
    only, never shown to the customer or sent in the API's customer view; each change is
    one line in the audit log."""
    customer = _customer(session, actor, customer_id)
    if not isinstance(text, str):
        raise ValidationFailed("The notes are not valid.", {"staff_notes": "Must be text."})
    cleaned = text.replace("\r\n", "\n").strip()
    if len(cleaned) > MAX_CUSTOMER_NOTES:
        raise ValidationFailed("The notes are not valid.",
                               {"staff_notes": f"Keep the notes to {MAX_CUSTOMER_NOTES} characters or fewer."})
    if "\x00" in cleaned:
        raise ValidationFailed("The notes are not valid.", {"staff_notes": "Must not contain NUL characters."})
    if cleaned != customer.staff_notes:
        audit(session, actor=actor, now=now, kind="customers", object_id=customer.id, action="notes",
              changes={"staff_notes": (customer.staff_notes, cleaned)})
        customer.staff_notes = cleaned
    session.commit()
    return customer
