"""A visit of a series is numbered by its place among the series' booked visits, on My
bookings and on its page: a date that could not be booked is not counted (it read
"Visit 13 of a recurring series of 12 visits")."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain.models import Agent, Booking
from tests import builders as b
from tests.conftest import day_after
from tests.web.test_booking_pages import book, customer, form_values, shop  # noqa: F401  (fixtures)


def test_a_series_with_a_date_it_could_not_book_numbers_its_visits_one_to_the_last(client, shop, customer, session):
    alex = session.scalars(select(Agent)).one()
    b.time_off(session, alex, b.at_utc(f"{day_after(7)}T05:00:00"), b.at_utc(f"{day_after(8)}T05:00:00"))  # the second Tuesday
    session.commit()
    assert book(client, form_values(shop, frequency_id=str(shop["weekly"]))).status_code == 303
    made = session.scalars(select(Booking).order_by(Booking.start_at)).all()
    assert len(made) == 12
    last = client.get(f"/bookings/{made[-1].id}").get_data(as_text=True)
    assert "Visit 12 of 12 in a recurring series (listed below)." in last
    assert "Visit 2 of 12 in a recurring series" in client.get(f"/bookings/{made[1].id}").get_data(as_text=True)
    listed = re.findall(r"Visit (\d+) of (\d+) in a recurring series", client.get("/bookings").get_data(as_text=True))
    assert listed == [(str(n), "12") for n in range(1, 13)]
