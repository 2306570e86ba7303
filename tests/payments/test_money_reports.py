"""Money in the back office's reports: the dashboard's money collected beside money
booked, and the bookings table's and CSV's paid, due and currency columns, read over
HTTP with a bounded number of statements however many bookings were paid by card."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import event

from app.domain import accounts, payments
from tests import builders as b
from tests.conftest import NOW
from tests.payments.test_after_visit import saved_card
from tests.web.helpers import submit

# Days of NOW's week (NOW is a Monday) and month, so the dashboard counts them.
THURSDAY = (NOW.date() + timedelta(days=3)).isoformat()
FRIDAY = (NOW.date() + timedelta(days=4)).isoformat()


def _paid_deposit(session, gateway, berlin, day, at):
    loc, svc, agent, customer = berlin
    request = b.request(svc.id, day=day, at=at, customer_id=customer.id)
    return payments.book_with_saved_card(session, request, actor=b.customer_actor(customer), now=NOW, gateway=gateway, hold_minutes=15)


def _admin(client, session):
    accounts.create_user(session, email="admin@example.com", password="correct-horse", role="admin", first_name="Ada", now=NOW)
    session.commit()
    submit(client, "/login", {"email": "admin@example.com", "password": "correct-horse"})


def _statements(app, client, url):
    seen: list[str] = []
    engine = app.extensions["engine"]
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return response.get_data(as_text=True), len(seen)


def test_the_dashboard_shows_money_collected_beside_money_booked_refunds_taken_off(client, app, session, berlin, gateway):
    loc, svc, agent, customer = berlin
    saved_card(session, gateway, customer)
    first = _paid_deposit(session, gateway, berlin, THURSDAY, "10:00")
    _paid_deposit(session, gateway, berlin, FRIDAY, "10:00")
    _admin(client, session)
    html = client.get(f"/admin/dashboard?location_id={loc.id}").get_data(as_text=True)
    week = html.split('id="collected-week"', 1)[1].split("</p>", 1)[0]
    assert "€40.00" in week and "€0.00 before" in week  # two 20 % deposits of 100 EUR
    assert "€200.00" in html  # booked, beside it

    payments.refund(session, first.id, amount="5", reason="Goodwill", actor=b.STAFF, now=NOW, gateway=gateway)
    html = client.get(f"/admin/dashboard?location_id={loc.id}").get_data(as_text=True)
    for period in ("week", "month"):
        shown = html.split(f'id="collected-{period}"', 1)[1].split("</p>", 1)[0]
        assert "€35.00" in shown, period


def test_the_dashboard_says_nothing_was_collected_where_nobody_paid_by_card(client, session, berlin):
    loc, *_ = berlin
    _admin(client, session)
    html = client.get(f"/admin/dashboard?location_id={loc.id}").get_data(as_text=True)
    assert "nothing by card" in html.split('id="collected-week"', 1)[1].split("</p>", 1)[0]


def test_the_bookings_table_shows_paid_due_and_currency_without_a_statement_per_booking(client, app, session, berlin, gateway):
    loc, svc, agent, customer = berlin
    saved_card(session, gateway, customer)
    first = _paid_deposit(session, gateway, berlin, THURSDAY, "10:00")
    _admin(client, session)
    url = f"/admin/bookings?from={NOW.date().isoformat()}&sort=start"
    html, one = _statements(app, client, url)
    assert f'id="currency-{first.id}">EUR<' in html
    assert f'id="paid-{first.id}">€20.00' in html and f'id="due-{first.id}">€80.00' in html

    more = [_paid_deposit(session, gateway, berlin, THURSDAY, at) for at in ("12:00", "14:00")]
    payments.refund(session, more[0].id, amount=None, reason="Changed plans", actor=b.STAFF, now=NOW, gateway=gateway)
    html, three = _statements(app, client, url)
    assert three == one
    assert f'id="paid-{more[0].id}">€20.00<br><span class="muted small">€20.00 refunded' in html


def test_the_bookings_csv_has_currency_paid_refunded_and_due_columns(client, app, session, berlin, gateway):
    loc, svc, agent, customer = berlin
    saved_card(session, gateway, customer)
    paid = _paid_deposit(session, gateway, berlin, THURSDAY, "10:00")
    payments.refund(session, paid.id, amount="2.50", reason="Late", actor=b.STAFF, now=NOW, gateway=gateway)
    _admin(client, session)
    url = f"/admin/bookings.csv?from={NOW.date().isoformat()}&sort=start"
    _, one = _statements(app, client, url)
    _paid_deposit(session, gateway, berlin, FRIDAY, "10:00")
    text, two = _statements(app, client, url)
    assert two == one
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["booking_code"], r["total"], r["currency"], r["paid"], r["refunded"], r["due"]) for r in rows][0] == (
        paid.booking_code, "100.00", "EUR", "20.00", "2.50", "80.00")
    assert (rows[1]["paid"], rows[1]["due"]) == ("20.00", "80.00")
