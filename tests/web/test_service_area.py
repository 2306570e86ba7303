"""An address in another office's city is flagged at the address before booking, and
(a warning, not a refusal) "Book now" books it as it stands: what the form lets through,
the booking accepts. Driven over HTTP as a browser without JavaScript would."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.models import Booking
from app.domain.service_area import names_city
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

WARNING = re.compile(r'<p class="field-warning" id="area-warning">(.*?)</p>', re.S)


@pytest.fixture
def offices(session):
    """Two offices whose addresses name their cities; the clean is done by both, the
    workshop only in Berlin. Casey's profile address is in Brooklyn."""
    brooklyn = b.location(session, name="Brooklyn office", address="210 Atlantic Ave, Brooklyn, NY 11201")
    berlin = b.location(session, "Europe/Berlin", name="Berlin office", is_default=False, currency="EUR",
                        address="Torstraße 110, 10119 Berlin")
    clean = b.service(session, brooklyn, name="Standard clean", max_days_ahead=400)
    clean.locations.append(berlin)
    workshop = b.service(session, berlin, name="Deep clean", price=Decimal("25.00"), max_days_ahead=400)
    class_ = b.service(session, berlin, name="Cleaning class", capacity=6, at_customer=False, max_days_ahead=400)
    b.agent(session, [clean], brooklyn, name="Alex Agent")
    b.agent(session, [clean, workshop, class_], berlin, name="Berta Agent", email="berta@example.com")
    b.frequency(session, "One time", None, 1, "0")
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    casey = accounts.find_user_by_email(session, "casey@example.com")
    casey.address, casey.city, casey.state, casey.zip = "12 Elm St", "Brooklyn", "NY", "11205"
    session.commit()
    return {"clean": clean.id, "workshop": workshop.id, "class": class_.id, "brooklyn": brooklyn.id, "berlin": berlin.id}


@pytest.fixture
def casey(client, offices):
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})


def warning_in(html: str) -> str | None:
    found = WARNING.search(html)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def refreshed(client, **values) -> str:
    token = csrf_from(client.get("/book").get_data(as_text=True))
    return client.post("/book", data={"csrf_token": token, "action": "refresh", **values}).get_data(as_text=True)


def test_the_profile_address_opened_at_another_offices_booking_is_flagged_at_the_address(client, offices, casey):
    html = client.get(f"/book?service={offices['workshop']}").get_data(as_text=True)  # the Deep clean opens at Berlin
    assert re.search(rf'<option value="{offices["berlin"]}" selected>', html)
    assert warning_in(html) == ("Check the office: This address is in Brooklyn, where our Brooklyn office works; you chose our "
                                "Berlin office (Torstraße 110, 10119 Berlin). Choose the Brooklyn office, or another address.")
    # It sits right after the address's fields, and the city field points at it.
    where = html[html.index("4. Where?"):html.index('id="phone"')]
    assert 'id="area-warning"' in where
    assert re.search(r'id="city"[^>]*aria-describedby="area-warning"', html)
    assert 'value="Brooklyn"' in where and 'value="12 Elm St"' in where  # the choice is kept
    assert 'aria-invalid' not in where and "error-summary" not in html  # a warning, not an error


def test_the_office_of_that_city_or_a_city_no_office_names_is_not_flagged(client, offices, casey):
    html = client.get(f"/book?service={offices['clean']}").get_data(as_text=True)  # Brooklyn office, Brooklyn address
    assert warning_in(html) is None and 'aria-describedby="area-warning"' not in html
    assert warning_in(refreshed(client, services=str(offices["clean"]), location_id=str(offices["berlin"]),
                                address="5 Main St", city="Potsdam")) is None
    # Changing the office to Berlin with the Brooklyn address flags it; changing the city back clears it.
    assert "in brooklyn, where our Brooklyn office works" in warning_in(refreshed(client, services=str(offices["clean"]), location_id=str(offices["berlin"]),
                                                 address="12 Elm St", city="  brooklyn "))
    assert warning_in(refreshed(client, services=str(offices["clean"]), location_id=str(offices["berlin"]),
                                address="Auguststraße 3", city="Berlin")) is None


def test_a_visit_at_the_office_asks_no_address_and_so_flags_none(client, offices, casey):
    html = client.get(f"/book?service={offices['class']}").get_data(as_text=True)
    assert 'name="address"' not in html and warning_in(html) is None


def test_the_review_repeats_the_warning_and_book_now_books_it_as_it_stands(client, offices, casey, session):
    values = {"services": str(offices["workshop"]), "location_id": str(offices["berlin"]), "frequency_id": "", "date": "2026-11-24",
              "time": "10:00", "agent_id": "any", "payment_method": "cash", "address": "12 Elm St", "city": "Brooklyn",
              "tip": "", "customer_notes": ""}
    page = client.get(f"/book?service={offices['workshop']}").get_data(as_text=True)
    values |= {"csrf_token": csrf_from(page), "nonce": re.search(r'name="nonce" value="([^"]+)"', page).group(1)}
    values["frequency_id"] = re.search(r'name="frequency_id"[^>]*value="(\d+)"', page).group(1)
    review = client.post("/book", data=values | {"action": "review"})
    html = review.get_data(as_text=True)
    assert review.status_code == 200, html[:2000]
    assert "Review your booking" in html and "This address is in Brooklyn, where our Brooklyn office works" in warning_in(html)
    booked = client.post("/book", data=values | {"action": "book", "expected_total": re.search(
        r'name="expected_total" value="([^"]+)"', html).group(1)})
    assert booked.status_code == 303, booked.get_data(as_text=True)[:2000]
    booking = session.scalars(select(Booking)).one()
    assert (booking.location_id, booking.city, booking.address) == (offices["berlin"], "Brooklyn", "12 Elm St")


@pytest.mark.parametrize(("address", "city", "named"), [
    ("210 Atlantic Ave, Brooklyn, NY 11201", "brooklyn", True),
    ("210 Atlantic Ave, Brooklyn, NY 11201", "New York", False),
    ("1 New York Ave, Newark", "York", False),
    ("Torstraße 110, 10119 Berlin", "  BERLIN ", True),
    ("Torstraße 110, 10119 Berlin", "Berl", False),
    ("Torstraße 110, 10119 Berlin", "", False),
    ("Main St, St. Louis, MO", "St. Louis", True),
    ("1 Main St", "Main St", False),  # one part: the street, no city
    ("Rue de Rivoli 5, 75001 Paris, France", "paris", True),
])
def test_an_office_names_a_city_only_as_a_whole_word(address, city, named):
    assert names_city(address, city) is named
