"""Phone-only customers over the API (issue 22): a staff key may book a customer with a
name and a phone but no e-mail; the answers say `"email": null` as the document does.
The customers API keeps requiring an e-mail."""
from __future__ import annotations

from sqlalchemy import func, select

from app.domain.models import Booking, OutboxMessage, User
from tests.api.conftest import staff_booking
from tests.api.test_openapi import conforms

LEE = {"first_name": "Lee", "last_name": "Park", "phone": "201-555-0101"}


def test_a_staff_key_books_a_phone_only_customer_and_books_them_again(staff_api, catalog, session):
    made = staff_api.post("/bookings", staff_booking(catalog, customer=LEE, send_confirmation_email=True))
    assert made.status_code == 201, made.get_json()
    conforms("POST", "/bookings", made)
    data = made.get_json()["data"]
    assert data["customer"] == {"first_name": "Lee", "last_name": "Park", "email": None, "phone": "+12015550101"}
    lee = session.get(User, data["customer_id"])
    assert (lee.email, lee.password_hash) == (None, None)
    # The confirmation asked for goes to no one: Lee has no e-mail.
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.booking_id == data["id"],
                                                       OutboxMessage.payload["audience"].as_string() == "customer")).first() is None

    shown = staff_api.get(f"/customers/{lee.id}")
    conforms("GET", f"/customers/{lee.id}", shown)
    assert (shown.get_json()["data"]["email"], shown.get_json()["data"]["phone"]) == (None, "+12015550101")
    got = staff_api.get(f"/bookings/{data['id']}")
    conforms("GET", f"/bookings/{data['id']}", got)
    assert got.get_json()["data"]["customer"]["email"] is None

    # Same number (written another way) and name (other case): the same customer.
    again = staff_api.post("/bookings", staff_booking(catalog, start_time="13:00", customer=LEE | {
        "first_name": "LEE", "phone": "+1 201 555 0101", "email": None}))
    assert again.status_code == 201, again.get_json()
    assert again.get_json()["data"]["customer_id"] == lee.id
    assert session.scalar(select(func.count()).select_from(User).where(User.email.is_(None))) == 1
    assert session.scalar(select(func.count()).select_from(Booking).where(Booking.customer_id == lee.id)) == 2


def test_without_an_email_the_staff_api_needs_a_valid_phone(staff_api, catalog, session):
    no_contact = staff_api.post("/bookings", staff_booking(catalog, customer={"first_name": "Lee", "last_name": "Park"}))
    assert no_contact.status_code == 422
    assert no_contact.get_json()["error"]["details"] == {"customer.email": "Give an e-mail or a phone number."}
    bad_phone = staff_api.post("/bookings", staff_booking(catalog, customer=LEE | {"phone": "12"}))
    assert bad_phone.status_code == 422 and set(bad_phone.get_json()["error"]["details"]) == {"customer.phone"}
    bulk = staff_api.post("/bookings/bulk", {"bookings": [
        staff_booking(catalog, customer={"first_name": "Lee", "last_name": "Park"}),
        staff_booking(catalog, start_time="13:00", customer=LEE | {"phone": "201-555-0102"}),
    ]})
    assert bulk.status_code == 207, bulk.get_json()
    failed, created = bulk.get_json()["data"]["failed"], bulk.get_json()["data"]["created"]
    assert [f["error"]["details"] for f in failed] == [{"bookings[0].customer.email": "Give an e-mail or a phone number."}]
    assert [c["booking"]["customer"]["phone"] for c in created] == ["+12015550102"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Booking)) == 1  # the bulk's phone-only item
    assert session.scalar(select(func.count()).select_from(User).where(User.email.is_(None))) == 1


def test_the_customers_api_still_requires_an_email(staff_api, catalog, session):
    refused = staff_api.post("/customers", LEE)
    assert refused.status_code == 422 and "email" in refused.get_json()["error"]["details"]
    assert session.scalar(select(func.count()).select_from(User).where(User.email.is_(None))) == 0
