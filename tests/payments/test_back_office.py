"""The back office's booking panel shows the payment state and offers Charge balance,
Charge no-show fee and Refund (admins), each a history line; all over HTTP."""
from __future__ import annotations

from sqlalchemy import select

from app.domain import accounts, payments
from app.domain.models import Booking, BookingEvent, Payment
from tests import builders as b
from tests.conftest import NOW
from tests.payments.test_after_visit import saved_card
from tests.web.helpers import submit


def login(client, email):
    submit(client, "/login", {"email": email, "password": "correct-horse"})
    return client


def csrf(html: str) -> str:
    return html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_staff_see_the_deposit_charge_the_balance_and_an_admin_refunds_part(client, app, session, now, berlin, gateway):
    loc, svc, agent, customer = berlin
    saved_card(session, gateway, customer)
    request = b.request(svc.id, day="2026-12-10", at="10:00", customer_id=customer.id)
    booking = payments.book_with_saved_card(session, request, actor=b.customer_actor(customer), now=now, gateway=gateway, hold_minutes=15)
    for role in ("staff", "admin"):
        accounts.create_user(session, email=f"{role}@example.com", password="correct-horse", role=role, first_name=role, now=NOW)
    session.commit()

    login(client, "staff@example.com")
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    assert 'id="panel-amount-paid">€20.00' in panel and 'id="panel-amount-due">€80.00' in panel
    assert "Refund</button>" not in panel  # refunds are for admins
    refused = client.post(f"/admin/bookings/{booking.id}/payment/refund", data={"csrf_token": csrf(panel), "reason": "x"})
    assert refused.status_code == 403
    charged = client.post(f"/admin/bookings/{booking.id}/payment/balance", data={"csrf_token": csrf(panel)})
    assert charged.status_code == 303
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    assert "Balance charged." in panel and 'id="panel-amount-due">€0.00' in panel
    client.get("/logout")

    login(client, "admin@example.com")
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    too_much = client.post(f"/admin/bookings/{booking.id}/payment/refund",
                           data={"csrf_token": csrf(panel), "amount": "100.01", "reason": "Oops"})
    assert too_much.status_code == 303
    assert "At most 100.00 EUR" in client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    done = client.post(f"/admin/bookings/{booking.id}/payment/refund",
                       data={"csrf_token": csrf(panel), "amount": "12.50", "reason": "Arrived late"})
    assert done.status_code == 303
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    assert "Refund made." in panel and 'id="panel-refunded">€12.50' in panel
    session.expire_all()
    lines = [e.changes for e in session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id,
                                                                             BookingEvent.action == "payment"))]
    assert lines == [{"deposit": [None, "20.00 EUR paid"]}, {"balance": [None, "80.00 EUR paid"]},
                     {"refund": [None, "12.50 EUR refunded: Arrived late"]}]
