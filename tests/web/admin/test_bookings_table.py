"""The back office bookings table: search, filters, sort, pages, CSV of the filtered rows."""
from __future__ import annotations

import csv
import re
import io
from datetime import date, timedelta

import pytest

from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import User
from tests import builders as b
from tests.web.admin.conftest import login_as
from tests.web.helpers import submit
from tests.conftest import BOOKING_DAY, NOW, month_day, short_date


def january(day: int) -> date:
    """A day of the month the tests book in (BOOKING_DAY's January)."""
    return BOOKING_DAY.replace(day=day)


@pytest.fixture
def many(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    b.agent(session, [svc], loc, name="Alex Agent")
    session.commit()
    made = []
    for day in range(1, 31):
        made.append(create_booking(session, b.request(svc.id, day=january(day).isoformat(), at="10:00",
                                                      customer=CustomerInput("Pat", f"Number{day}", f"pat{day}@example.com")),
                                   actor=b.STAFF, now=NOW).booking)
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", now=NOW)
    accounts.create_user(session, email="c@example.com", password="correct-horse", now=NOW)
    return made


def test_search_filter_sort_and_pages(client, many):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    first = client.get("/admin/bookings").get_data(as_text=True)
    assert "30 bookings." in first and "Page 1 of 2" in first
    assert first.index(short_date(january(1))) < first.index(short_date(january(2)))  # from today, soonest first
    newest = client.get("/admin/bookings?sort=-start").get_data(as_text=True)
    assert newest.index(short_date(january(30))) < newest.index(short_date(january(29)))
    found = client.get(f"/admin/bookings?q={many[4].booking_code.lower()}").get_data(as_text=True)
    assert "1 booking." in found and "Number5" in found
    by_email = client.get("/admin/bookings?q=pat12@").get_data(as_text=True)
    assert "1 booking." in by_email
    ranged = client.get(f"/admin/bookings?from={january(10)}&to={january(12)}&sort=start").get_data(as_text=True)
    assert "3 bookings." in ranged and ranged.index(f"{january(10):%a}, {month_day(january(10))}") < ranged.index(f"{january(12):%a}, {month_day(january(12))}")
    bad = client.get("/admin/bookings?sort=sideways&from=yesterday")
    assert bad.status_code == 422 and "Sort by one of" in bad.get_data(as_text=True)


def test_csv_export_has_exactly_the_filtered_rows(client, many):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    response = client.get(f"/admin/bookings.csv?from={january(10)}&to={january(12)}&sort=start")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["start_local"] for r in rows] == [f"{january(d)} 10:00" for d in (10, 11, 12)]
    assert rows[0]["email"] == "pat10@example.com" and rows[0]["total"] == "100.00" and rows[0]["time_zone"] == "America/New_York"


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("c@example.com", 403), ("staff@example.com", 200)])
def test_only_staff_see_the_table_and_its_export(client, many, who, status):
    if who != "anonymous":
        submit(client, "/login", {"email": who, "password": "correct-horse"})
    assert client.get("/admin/bookings").status_code == status
    assert client.get("/admin/bookings.csv").status_code == status


def test_underscore_and_percent_in_the_office_searches_match_themselves(client, many, session):
    accounts.create_user(session, email="al_x@example.com", password="correct-horse", first_name="Al_x", last_name="100%", now=NOW)
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    assert "No bookings match." in client.get("/admin/bookings?q=_").get_data(as_text=True)  # no booking has a "_"
    assert "No bookings match." in client.get("/admin/bookings?q=%25").get_data(as_text=True)
    for query in ("_", "%25"):
        listed = client.get(f"/admin/manage/customers?q={query}").get_data(as_text=True)
        assert "Al_x 100%" in listed and "Number1" not in listed, query


def test_opened_plainly_the_table_starts_today_soonest_first_and_filters_by_office_and_phone(client, session, many):
    """The first row is the first booking from today on, not the newest start; an office
    filter; a phone typed any way finds the booking of a number stored another way."""
    from app.domain.models import Booking

    berlin = b.location(session, "Europe/Berlin")
    berlin.name = "Berlin office"
    svc = many[0].service
    svc.locations.append(berlin)
    b.agent(session, [svc], berlin, name="Bea Berlin", email="bea@example.com")
    session.commit()
    there = create_booking(session, b.request(svc.id, day=(NOW.date() + timedelta(days=3)).isoformat(), at="10:00",
                                              location_id=berlin.id, customer=CustomerInput("Uwe", "Phone", "uwe@example.com")),
                           actor=b.STAFF, now=NOW).booking
    session.get(Booking, there.id).customer.phone = "+49 30 5550-1234"
    session.commit()
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    html = client.get("/admin/bookings").get_data(as_text=True)
    codes = re.findall(r'class="code">([A-Z0-9]+)<', html)
    assert codes[0] == there.booking_code  # 26 Nov, before every January booking; none of them is "newest first"
    assert 'value="start" selected' in html and f'value="{NOW.date().isoformat()}"' in html
    only_berlin = client.get(f"/admin/bookings?location_id={berlin.id}").get_data(as_text=True)
    assert re.findall(r'class="code">([A-Z0-9]+)<', only_berlin) == [there.booking_code]
    for typed in ("5550 1234", "30 5550-1234", "+49 (30) 55501234"):
        found = client.get(f"/admin/bookings?q={typed}").get_data(as_text=True)
        assert re.findall(r'class="code">([A-Z0-9]+)<', found) == [there.booking_code], typed


@pytest.mark.parametrize("url", ["/admin/bookings?from=9999-12-31", "/admin/bookings.csv?to=0001-01-01",
                                 "/admin/bookings?agent_id=%C2%B2", "/admin/bookings?page=--1"])
def test_the_bookings_table_and_export_refuse_bad_filters_with_422(client, booked, url):
    login_as(client, "staff")
    assert client.get(url).status_code == 422


def test_the_bookings_csv_neutralises_formulas(client, booked, session):
    customer = session.get(User, booked.customer_id)
    customer.first_name, customer.last_name, customer.phone = "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "+1 555 0100"
    session.commit()
    login_as(client, "staff")
    rows = list(csv.reader(io.StringIO(client.get("/admin/bookings.csv").get_data(as_text=True))))
    header, row = rows[0], rows[1]
    assert row[header.index("customer")] == "'=HYPERLINK(\"http://evil.example\") @SUM(A1)"
    assert row[header.index("phone")] == "'+1 555 0100"
    assert row[header.index("total")] == f"{booked.total:.2f}"
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
