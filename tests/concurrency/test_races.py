"""Races between real processes, each with its own database connection, in pairs as
pretix does: with the locks and the backstops off the race shows (more than one
winner); with them on there is exactly one winner and every loser gets the domain's
error, nothing else. The figures are printed (pytest -s) for the record."""
from __future__ import annotations

import multiprocessing
import traceback
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.db import make_engine, make_session_factory
from app.domain.booking import create_booking
from app.domain.errors import DomainError
from app.domain.inputs import BookingRequest, ServiceLineInput
from app.domain.models import Booking, DiscountCode, DiscountRedemption
from tests import builders as b
from tests.conftest import NOW

WRITERS = 20
ROUNDS = 10  # the unprotected race is timing-dependent: give it several chances to show


# How long a writer here may wait for the others' locks. The race is about who wins, not
# about waits: twenty processes queue on one lock, and on a loaded 2-core machine the last
# one can wait longer than the app's 3 s (PostgreSQL lock_timeout) or 30 s (SQLite busy
# timeout) and answer "conflict", which is right for the app but not what this measures.
RACE_WAIT_SECONDS = 300


def _worker(url, locks, barrier, queue, request_kwargs):  # runs in a child process
    engine = make_engine(url, busy_timeout=RACE_WAIT_SECONDS)
    factory = make_session_factory(engine, {"BOOKING_LOCKS": locks, "DATABASE_LOCK_TIMEOUT_SECONDS": RACE_WAIT_SECONDS})
    try:
        with factory() as session:
            request = BookingRequest(services=[ServiceLineInput(request_kwargs.pop("service_id"))], send_notifications=False, **request_kwargs)
            barrier.wait(timeout=30)
            try:
                create_booking(session, request, actor=b.STAFF, now=NOW)
                queue.put("ok")
            except DomainError as error:
                queue.put(error.code)
    except Exception:
        queue.put("crash: " + traceback.format_exc(limit=3))
    finally:
        engine.dispose()


def race(url: str, locks: bool, requests: list[dict]) -> Counter:
    ctx = multiprocessing.get_context("fork")
    barrier, queue = ctx.Barrier(len(requests)), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, locks, barrier, queue, dict(r))) for r in requests]
    for p in procs:
        p.start()
    outcomes = Counter(queue.get(timeout=RACE_WAIT_SECONDS + 60) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    return outcomes


@pytest.fixture
def slot(session):
    loc, svc, agent = b.basic_setup(session)
    customer = b.customer(session)
    session.commit()
    return svc, agent, customer


def same_slot_requests(svc, customer, day: str) -> list[dict]:
    return [
        {"service_id": svc.id, "agent_id": "any", "customer_id": customer.id, "start_date": day, "start_time": "10:00"}
        for _ in range(WRITERS)
    ]


def count_bookings(session, day_utc_start: datetime) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Booking).where(Booking.start_at == day_utc_start)) or 0


def test_without_locks_and_backstops_concurrent_writers_double_book(app, db_url, session, slot, without_backstops):
    svc, agent, customer = slot
    figures = []
    for round_ in range(ROUNDS):
        day = f"2026-11-{24 + round_:02d}"
        outcomes = race(db_url, locks=False, requests=same_slot_requests(svc, customer, day))
        made = count_bookings(session, datetime.fromisoformat(f"{day}T15:00:00").replace(tzinfo=UTC))
        figures.append((made, dict(outcomes)))
        if made > 1:
            break
    print(f"\nlocks off, backstops off: bookings per round {figures}")
    assert figures[-1][0] > 1, f"the race never showed in {ROUNDS} rounds: {figures}"


def test_with_the_backstop_alone_the_database_refuses_the_second_booking(app, db_url, session, slot):
    svc, agent, customer = slot
    outcomes = race(db_url, locks=False, requests=same_slot_requests(svc, customer, "2026-11-24"))
    print(f"\nlocks off, backstops on: {dict(outcomes)}")
    assert count_bookings(session, b.at_utc("2026-11-24T15:00:00")) == 1
    assert outcomes["ok"] == 1
    # Without the lock, losers are stopped by the database itself; each still gets the
    # domain's own error code, never a crash.
    assert set(outcomes) <= {"ok", "slot_unavailable", "conflict"}, outcomes


def test_with_locks_exactly_one_of_twenty_concurrent_writers_wins(app, db_url, session, slot):
    svc, agent, customer = slot
    outcomes = race(db_url, locks=True, requests=same_slot_requests(svc, customer, "2026-11-24"))
    print(f"\nlocks on, backstops on: {dict(outcomes)}")
    assert outcomes == Counter({"ok": 1, "slot_unavailable": WRITERS - 1})
    assert count_bookings(session, b.at_utc("2026-11-24T15:00:00")) == 1


# --- discount codes --------------------------------------------------------------------------------


@pytest.fixture
def many_agents(session):
    """Twenty agents, so twenty bookings at one time do not clash on the slot."""
    loc = b.location(session)
    svc = b.service(session, loc)
    agents = [b.agent(session, [svc], loc, name=f"Agent {i}", email=f"a{i}@example.com") for i in range(WRITERS)]
    customer = b.customer(session)
    session.commit()
    return svc, agents, customer


def code_requests(svc, agents, customer, code: str) -> list[dict]:
    return [
        {"service_id": svc.id, "agent_id": a.id, "customer_id": customer.id, "start_date": "2026-11-24",
         "start_time": "10:00", "discount_code": code}
        for a in agents
    ]


def redemptions(session, code_id: int) -> list[DiscountRedemption]:
    session.expire_all()
    return list(session.scalars(select(DiscountRedemption).where(DiscountRedemption.discount_code_id == code_id)))


def test_without_locks_and_backstops_a_code_with_one_use_left_is_overused(app, db_url, session, many_agents, without_backstops):
    svc, agents, customer = many_agents
    figures = []
    for round_ in range(ROUNDS):
        code = b.code(session, f"LAST{round_}", max_uses=5, uses_count=4)
        session.commit()
        outcomes = race(db_url, locks=False, requests=code_requests(svc, agents, customer, code.code))
        used = len(redemptions(session, code.id))
        figures.append((used, dict(outcomes)))
        if used > 1:
            break
        # free the agents again for the next round
        for booking in session.scalars(select(Booking)):
            booking.status = "cancelled"
        session.commit()
    print(f"\nlocks off, backstops off, one use left: redemptions per round {figures}")
    assert figures[-1][0] > 1, figures


def test_with_locks_a_code_with_one_use_left_is_used_once(app, db_url, session, many_agents):
    svc, agents, customer = many_agents
    code = b.code(session, "LAST", max_uses=5, uses_count=4)
    session.commit()
    outcomes = race(db_url, locks=True, requests=code_requests(svc, agents, customer, "LAST"))
    print(f"\nlocks on, one use left: {dict(outcomes)}")
    assert outcomes == Counter({"ok": 1, "discount_code_exhausted": WRITERS - 1})
    assert len(redemptions(session, code.id)) == 1
    assert session.get(DiscountCode, code.id).uses_count == 5


def test_without_locks_and_backstops_a_small_gift_card_goes_negative(app, db_url, session, many_agents, without_backstops):
    svc, agents, customer = many_agents
    figures = []
    for round_ in range(ROUNDS):
        card = b.code(session, f"CARD{round_}", kind="giftcard", amount_type="fixed", amount=Decimal("0"), balance=Decimal("30.00"))
        session.commit()
        outcomes = race(db_url, locks=False, requests=code_requests(svc, agents, customer, card.code))
        session.expire_all()
        balance = session.get(DiscountCode, card.id).balance
        figures.append((str(balance), dict(outcomes)))
        if balance < 0:
            break
        for booking in session.scalars(select(Booking)):
            booking.status = "cancelled"
        session.commit()
    print(f"\nlocks off, backstops off, gift card of 30.00: balance per round {figures}")
    assert Decimal(figures[-1][0]) < 0, figures


def test_with_locks_a_small_gift_card_is_spent_once(app, db_url, session, many_agents):
    svc, agents, customer = many_agents
    card = b.code(session, "CARD", kind="giftcard", amount_type="fixed", amount=Decimal("0"), balance=Decimal("30.00"))
    session.commit()
    outcomes = race(db_url, locks=True, requests=code_requests(svc, agents, customer, "CARD"))
    print(f"\nlocks on, gift card of 30.00: {dict(outcomes)}")
    assert outcomes == Counter({"ok": 1, "discount_code_exhausted": WRITERS - 1})
    session.expire_all()
    assert session.get(DiscountCode, card.id).balance == Decimal("0.00")
    assert [r.amount for r in redemptions(session, card.id)] == [Decimal("30.00")]
