"""The customer's list pages issue a fixed number of SQL statements however many
bookings they show (issue 26: pages flat from 1 k to 1 M bookings)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from app.domain import accounts
from app.domain.booking import create_booking
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import submit


def _count(app, call) -> int:
    seen: list[str] = []
    engine = app.extensions["engine"]

    def hook(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        assert call().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    return len(seen)


def test_my_bookings_costs_the_same_statements_for_two_bookings_or_twelve(app, client, session):
    loc = b.location(session)
    services = [b.service(session, loc, name=f"Service {i}", max_days_ahead=5000) for i in range(3)]
    agents = [b.agent(session, services, loc, name=f"Agent {i}") for i in range(3)]
    user = accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey",
                                last_name="C", now=NOW)
    session.commit()

    def book(first: int, n: int) -> None:
        for i in range(first, first + n):
            day = (NOW + timedelta(days=3 + i)).date().isoformat()
            create_booking(session, b.request(services[i % 3].id, day=day, at="10:00", customer_id=user.id,
                                              agent_id=agents[i % 3].id), actor=b.STAFF, now=NOW)

    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    book(0, 2)
    client.get("/bookings")
    few = _count(app, lambda: client.get("/bookings"))
    book(2, 10)
    page = client.get("/bookings").get_data(as_text=True)
    assert page.count('class="card booking-row"') == 12
    assert _count(app, lambda: client.get("/bookings")) == few <= 8
