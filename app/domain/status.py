"""The booking status transition table (api.md), as data, and the one check on it."""
from __future__ import annotations

from datetime import datetime

from .actor import Actor
from .errors import InvalidStatusTransition
from .models import BookingStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.APPROVED, S.CANCELLED}),
    S.APPROVED: frozenset({S.COMPLETED, S.CANCELLED, S.NO_SHOW}),
    S.CANCELLED: frozenset({S.PENDING, S.APPROVED}),
    # Reopening a completed booking (a visit marked done by mistake) is an admin's call.
    S.COMPLETED: frozenset({S.APPROVED, S.CANCELLED}),
    S.NO_SHOW: frozenset({S.APPROVED, S.CANCELLED}),
    # Waiting for the card payment asked for at booking (app/domain/payments.py): paid, it
    # becomes pending (or approved by staff); declined, abandoned or out of time, cancelled.
    S.PAYMENT_PENDING: frozenset({S.PENDING, S.APPROVED, S.CANCELLED}),
}

# Transitions only an admin may make.
ADMIN_ONLY: frozenset[tuple[S, S]] = frozenset({(S.COMPLETED, S.CANCELLED), (S.COMPLETED, S.APPROVED)})

# Outcomes that only make sense once the booking has started: nobody can have finished
# the job, or failed to turn up, before its start time.
AFTER_START: frozenset[S] = frozenset({S.COMPLETED, S.NO_SHOW})

# What a customer may do to their own booking.
CUSTOMER_ALLOWED: frozenset[tuple[S, S]] = frozenset(
    {(S.PENDING, S.CANCELLED), (S.APPROVED, S.CANCELLED), (S.PAYMENT_PENDING, S.CANCELLED)}
)


# What an agent may record about their own booking: how the visit went, and undo a
# no-show that was a mistake. Approving and cancelling stay with the office.
AGENT_ALLOWED: frozenset[tuple[S, S]] = frozenset({(S.APPROVED, S.COMPLETED), (S.APPROVED, S.NO_SHOW), (S.NO_SHOW, S.APPROVED)})


def allowed_transitions(current: str, actor: Actor) -> list[S]:
    """The statuses `actor` may move a booking from `current` to, in table order."""
    now = S(current)
    result = []
    for target in TRANSITIONS[now]:
        if (now, target) in ADMIN_ONLY and not actor.is_admin:
            continue
        if actor.is_customer and (now, target) not in CUSTOMER_ALLOWED:
            continue
        if actor.is_agent and (now, target) not in AGENT_ALLOWED:
            continue
        result.append(target)
    order = list(S)
    return sorted(result, key=order.index)


def offered_transitions(current: str, start_at: datetime, actor: Actor, now: datetime) -> list[S]:
    """The status changes to offer on a booking: those `actor` may make, without the
    outcomes (AFTER_START) of a booking that has not started yet."""
    started = start_at <= now
    return [t for t in allowed_transitions(current, actor) if started or t not in AFTER_START]


def check_transition(current: str, target: str, actor: Actor) -> S:
    """The target status if `actor` may make the move; raises InvalidStatusTransition."""
    try:
        wanted = S(target)
    except ValueError:
        raise InvalidStatusTransition(
            f"Unknown status {target!r}; use one of {', '.join(s.value for s in S)}.",
            {"status": "Unknown status."},
        ) from None
    if wanted not in allowed_transitions(current, actor):
        if wanted in TRANSITIONS[S(current)] and (S(current), wanted) in ADMIN_ONLY:
            message = f"Only an admin can change a {current} booking to {wanted}."
        else:
            message = f"A {current} booking cannot be changed to {wanted}."
        raise InvalidStatusTransition(message, {"status": message})
    return wanted
