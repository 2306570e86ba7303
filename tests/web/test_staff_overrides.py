"""Staff are not held to the customers' notice and horizon (an urgent same-day job is
theirs to fit in), on every staff path: the new-booking form, the panel's move form and
the staff API offer those times and the writes accept them, and the history names the
rule set aside. Customers' paths stay strict. Clashes, hours and time off still hold."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.domain import accounts
from app.domain.models import Booking, BookingEvent
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit
from tests.web.test_offered_is_accepted import TIME, TOMORROW, customer_values, form_page, shop  # noqa: F401 - the fixture

# Tuesday: the service needs 26 h of notice, so customers get nothing before 14:00 (NOW
# is Monday noon in New York); Alex works 08:00-14:00.
DAY = TOMORROW


def overrides(session, booking_id):
    session.expire_all()
    return [e.changes["override"][1] for e in session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking_id))
            if "override" in e.changes]


def test_the_staff_form_offers_today_inside_the_notice_and_books_it_named_in_the_history(client, shop, session):
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    assert min(TIME.findall(form_page(client, "/book", customer_values(shop, DAY)))) >= "14:00"  # customers: 26 h notice
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    values = customer_values(shop, DAY, customer_id=str(customer.id), agent_id=str(shop["alex"]))
    offered = TIME.findall(form_page(client, "/admin/bookings/new", values))
    assert offered and offered[0] == "08:00"  # inside the notice
    html = form_page(client, "/admin/bookings/new", values)
    answer = client.post("/admin/bookings/new", data={"csrf_token": csrf_from(html), "nonce": "urgent", "action": "book",
                                                      **values, "time": offered[0]})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    booking = session.scalars(select(Booking).where(Booking.customer_id == customer.id)).one()
    assert overrides(session, booking.id) == ["Booked inside the service's notice period"]
    panel = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Staff override" in panel and "inside the service&#39;s notice period" in panel


def test_the_panel_moves_a_booking_to_this_afternoon_and_the_api_offers_the_same(client, shop, session):
    booking = session.scalars(select(Booking)).one()  # Wednesday 10:00 with Alex
    _, key = accounts.create_api_key(session, name="sync", scope="write", now=NOW)
    headers = {"X-API-Key": key}
    listed = client.get(f"/api/v1/bookings/{booking.id}/availability?date={DAY}", headers=headers).get_json()["data"]
    api_times = listed["days"][0]["available_slots"]
    assert api_times and api_times[0] == "08:00"
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    panel = client.get(f"/admin/bookings/{booking.id}?date={DAY}&agent_id={shop['alex']}", headers={"HX-Request": "true"})
    offered = TIME.findall(panel.get_data(as_text=True))
    assert offered == api_times
    token = csrf_from(client.get("/login").get_data(as_text=True))
    moved = client.post(f"/admin/bookings/{booking.id}/move", headers={"Accept": "application/json"},
                        data={"csrf_token": token, "date": DAY.isoformat(), "time": offered[0], "agent_id": str(shop["alex"]),
                              "version": str(booking.version)})
    assert moved.status_code == 200, moved.get_data(as_text=True)[:300]
    assert overrides(session, booking.id) == ["Moved inside the service's notice period"]
    # The API's write accepts what its read offered, also inside the notice.
    again = client.get(f"/api/v1/bookings/{booking.id}/availability?date={DAY}", headers=headers).get_json()["data"]
    last = again["days"][0]["available_slots"][-1]
    put = client.put(f"/api/v1/bookings/{booking.id}", headers=headers, json={"start_date": DAY.isoformat(), "start_time": last})
    assert put.status_code == 200, put.get_json()


def test_a_customer_move_stays_outside_the_notice(client, shop, session):
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    from app.domain.booking import create_booking

    booking = create_booking(session, b.request(shop["clean"], day=(TOMORROW + timedelta(days=2)).isoformat(), at="08:00",
                                                agent_id=shop["alex"], customer_id=customer.id, customer=None),
                             actor=b.STAFF, now=NOW).booking
    token = client.post("/api/v1/login", json={"email": "customer@example.com", "password": "correct-horse"}).get_json()["token"]
    answer = client.get(f"/api/v1/customer/bookings/{booking.id}/availability?date={DAY}",
                        headers={"Authorization": f"Bearer {token}"}).get_json()["data"]
    assert answer["days"][0]["available_slots"] == []  # Alex ends at 14:00, inside the customers' notice
