"""The back office's New booking form (issue 22): it opens on the first day with free
times (the customer form's free-days rule, staff from today), and picking a customer in
its search fills the address and phone from their profile."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.domain import accounts
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

TODAY = NOW.date()  # Monday 2026-11-23, noon in New York
CHOSEN_DAY = re.compile(r'name="date" id="[\w-]+" value="(\d{4}-\d\d-\d\d)"\s+checked')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


@pytest.fixture
def office(session):
    loc = b.location(session)
    svc = b.service(session, loc, name="Urgent repair", min_notice_minutes=24 * 60, max_days_ahead=60)
    maria = b.agent(session, [svc], loc, name="Maria Lopez", hours={d: [("08:00", "20:00")] for d in range(7)})
    b.frequency(session, "One time", None, 1, "0")
    casey = b.customer(session, address="9 Oak Lane", city="Queens", state="NY", zip="11101", phone="+12015550123")
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", first_name="Sam", now=NOW)
    session.commit()
    return {"loc": loc, "svc": svc, "maria": maria, "casey": casey}


def hidden(html):
    return {k: v for k, v in HIDDEN.findall(html) if k != "csrf_token"}


def refresh(client, html, **values):
    """What the form's refresh posts: its hidden fields as the page has them, and the answers."""
    data = {"csrf_token": csrf_from(html), **hidden(html), "action": "refresh", **values}
    answer = client.post("/admin/bookings/new", data=data)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_the_staff_form_opens_on_the_first_day_with_free_times(client, office, session):
    # Maria is away all of tomorrow: a form that opened on "tomorrow" would offer nothing.
    b.time_off(session, office["maria"], b.at_utc(f"{TODAY + timedelta(days=1)}T05:00:00"),
               b.at_utc(f"{TODAY + timedelta(days=2)}T05:00:00"))
    session.commit()
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    page = client.get("/admin/bookings/new").get_data(as_text=True)
    chosen = refresh(client, page, services=str(office["svc"].id))
    # Staff are not held to the 24 h notice: today still has free times, and the form opens on it.
    assert CHOSEN_DAY.findall(chosen) == [TODAY.isoformat()]
    assert 'name="time"' in chosen and "No free times that day" not in chosen


def test_the_staff_form_skips_a_day_without_free_times_to_the_next_one(client, office, session):
    # Maria is away from now to the end of tomorrow: the first free day is the day after.
    b.time_off(session, office["maria"], NOW, b.at_utc(f"{TODAY + timedelta(days=2)}T05:00:00"))
    session.commit()
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    page = client.get("/admin/bookings/new").get_data(as_text=True)
    chosen = refresh(client, page, services=str(office["svc"].id))
    assert CHOSEN_DAY.findall(chosen) == [(TODAY + timedelta(days=2)).isoformat()]


def field_value(html, name):
    found = re.search(rf'name="{name}" id="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def test_picking_a_customer_in_the_search_fills_address_and_phone_from_the_profile(client, office, session):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    page = client.get("/admin/bookings/new").get_data(as_text=True)
    page = refresh(client, page, services=str(office["svc"].id))
    results = client.get("/admin/customers/search?customer_q=casey").get_data(as_text=True)
    assert f'value="{office["casey"].id}"' in results
    picked = refresh(client, page, services=str(office["svc"].id), customer_id=str(office["casey"].id))
    assert field_value(picked, "address") == "9 Oak Lane"
    assert field_value(picked, "city") == "Queens" and field_value(picked, "zip") == "11101"
    assert "2015550123" in re.sub(r"\D", "", field_value(picked, "phone") or "")
    # Once filled, a field staff clear stays clear on the next refresh.
    cleared = refresh(client, picked, services=str(office["svc"].id), customer_id=str(office["casey"].id), address="", city="Queens",
                      state="NY", zip="11101", phone="+12015550123")
    assert field_value(cleared, "address") == ""
