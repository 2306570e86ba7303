"""`make bench` (payments): booking with a deposit by card against booking with cash, the
median of 20 bookings each, one run, on SQLite, against a real localstripe on loopback.

The deposit figure is what our server spends: writing the payment_pending booking with
its payment row and the SetupIntent (`book_with_card`), then charging the saved card and
recording it (`settle`). What the browser does in between (Stripe.js saving the card at
localstripe) is timed apart and not counted. localstripe answers in a few milliseconds;
Stripe itself, over the internet, adds its own round trips (about four per booking).

    .venv/bin/python -m bench.payments
"""
from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, time as dtime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from app import clock, create_app
from app.cli import upgrade_database
from app.domain import payments
from app.domain.booking import create_booking
from app.domain.inputs import BookingRequest, ServiceLineInput
from app.transports.stripe import StripeGateway
from tests import builders as b
from tests.localstripe_server import localstripe_server

RUNS = 20
TZ = ZoneInfo("America/New_York")


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, localstripe_server(Path(tmp)) as stripe_url:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        upgrade_database(url)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
        factory = app.extensions["session_factory"]
        gateway = StripeGateway("sk_test_bench", api_base=stripe_url)
        with factory() as session:
            loc = b.location(session)
            cash = b.service(session, loc, name="Cash clean", price=Decimal("120.00"), max_days_ahead=5000)
            deposit = b.service(session, loc, name="Deposit clean", price=Decimal("120.00"), max_days_ahead=5000)
            agents = [b.agent(session, [cash, deposit], loc, name=f"Agent {i}", email=f"a{i}@example.com") for i in range(4)]
            customer = b.customer(session)
            payments.save_policy(session, service_id=deposit.id, values={"mode": "deposit", "deposit_type": "percent", "deposit_value": "25"})
            session.commit()
            ids = (cash.id, deposit.id, [a.id for a in agents], customer.id)
        cash_id, deposit_id, agent_ids, customer_id = ids
        now = clock.wall()  # the bench books from the real today, through the one clock
        first = now.astimezone(TZ).date() + timedelta(days=30)

        def request(service_id: int, i: int) -> BookingRequest:
            day = first + timedelta(days=i // len(agent_ids))
            start = datetime.combine(day, dtime(9 + (service_id % 2) * 4), TZ).astimezone(UTC)
            return BookingRequest(services=[ServiceLineInput(id=service_id)], start_at=start, agent_id=agent_ids[i % len(agent_ids)],
                                  customer_id=customer_id, address="1 Main St")

        with factory() as session:
            actor = b.customer_actor(session.get(b.User, customer_id))
        cash_ms, book_ms, settle_ms, browser_ms = [], [], [], []
        for i in range(RUNS):
            with factory() as session:
                t = time.perf_counter()
                create_booking(session, request(cash_id, i), actor=actor, now=now)
                cash_ms.append(time.perf_counter() - t)
            with factory() as session:
                t = time.perf_counter()
                started = payments.book_with_card(session, request(deposit_id, i), actor=actor, now=now, gateway=gateway, hold_minutes=15)
                book_ms.append(time.perf_counter() - t)
                t = time.perf_counter()
                gateway.client.v1.setup_intents.confirm(started.payment.stripe_setup_intent_id, {"payment_method_data": {
                    "type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}})
                browser_ms.append(time.perf_counter() - t)
                t = time.perf_counter()
                outcome = payments.settle(session, started.payment.id, gateway=gateway, now=now)
                settle_ms.append(time.perf_counter() - t)
                assert outcome.status == "succeeded", outcome
        total = [a + c for a, c in zip(book_ms, settle_ms, strict=True)]
        print(f"\nBooking with a deposit by card against booking with cash (median of {RUNS}, one run, SQLite, localstripe)\n")
        print("| what | median ms |\n| --- | --- |")
        print(f"| book with cash (create_booking) | {median_ms(cash_ms):.1f} |")
        print(f"| book with a deposit: booking + payment row + SetupIntent (book_with_card) | {median_ms(book_ms):.1f} |")
        print(f"| book with a deposit: charge the saved card and record it (settle) | {median_ms(settle_ms):.1f} |")
        print(f"| book with a deposit, our server in all | {median_ms(total):.1f} ({median_ms(total) / median_ms(cash_ms):.1f}x cash) |")
        print(f"| (the browser saving the card at localstripe, not counted) | {median_ms(browser_ms):.1f} |")
        app.extensions["engine"].dispose()


if __name__ == "__main__":
    main()
