"""What a page or endpoint offers is exactly what the write it leads to accepts: for
each path that lists days or times, take what it offers and make the write it leads
to, for a sample of the offers (first, middle, last), and every one is accepted.

The business is made so that careless listings would differ from the writes: two
agents with different hours, one of them partly booked, a service with a buffer, a
notice and a horizon, a day with time off."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking, Setting
from app.domain.timeutil import zone
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

TIME = re.compile(r'name="time" id="[\w-]+" value="(\d\d:\d\d)"')
FREE_DAY = re.compile(r'data-day="(\d{4}-\d\d-\d\d)" data-free="true"')
TOMORROW = (NOW + timedelta(days=1)).date()  # Tuesday 2026-11-24


@pytest.fixture
def shop(session):
    loc = b.location(session)
    clean = b.service(session, loc, name="Deep clean", duration_minutes=120, buffer_after_minutes=30, min_notice_minutes=26 * 60,
                      max_days_ahead=21)
    alex = b.agent(session, [clean], loc, name="Alex Early", hours={d: [("08:00", "14:00")] for d in range(5)})
    bo = b.agent(session, [clean], loc, name="Bo Late", email="bo@example.com", hours={d: [("12:00", "19:00")] for d in range(1, 6)})
    once = b.frequency(session, "One time", None, 1, "0")
    session.commit()
    tz = zone(loc.timezone)
    day = TOMORROW + timedelta(days=1)  # Wednesday: Alex busy at 10, Bo off in the afternoon
    create_booking(session, b.request(clean.id, day=day.isoformat(), at="10:00", agent_id=alex.id,
                                      customer=CustomerInput("Jo", "Doe", "jo@example.com")), actor=b.STAFF, now=NOW)
    b.time_off(session, bo, b.at_utc(f"{day}T20:00:00"), b.at_utc(f"{day}T23:59:00"))
    for role in ("customer", "staff"):
        accounts.create_user(session, email=f"{role}@example.com", password="correct-horse", role=role, first_name=role.title(),
                             last_name="Person", now=NOW)
    session.commit()
    return {"clean": clean.id, "location": loc.id, "alex": alex.id, "bo": bo.id, "once": once.id, "tz": tz, "busy_day": day}


def take_each(offers, write):
    """Write the first, the middle and the last offer in turn, reading the offers again
    before each write (the one before took its time); every write is accepted."""
    assert offers(), "nothing was offered"
    for pick in (lambda o: o[0], lambda o: o[len(o) // 2], lambda o: o[-1]):
        offered = offers()
        if not offered:
            break
        chosen = pick(offered)
        answer = write(chosen)
        assert answer.status_code in (200, 201, 303), (chosen, answer.status_code, answer.get_data(as_text=True)[:400])


def form_page(client, url, values):
    """The form re-shown for `values` (as "Show free times" without JavaScript)."""
    html = client.get(url).get_data(as_text=True)
    answer = client.post(url, data={"csrf_token": csrf_from(html), **values, "action": "refresh"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def customer_values(shop, day, **over):
    return {"services": str(shop["clean"]), "frequency_id": str(shop["once"]), "location_id": str(shop["location"]),
            "date": day.isoformat(), "agent_id": "any", "address": "12 Elm St", "city": "Brooklyn", "payment_method": "cash",
            "tip": "", "customer_notes": ""} | over


@pytest.mark.parametrize("agent", ["any", "alex", "bo"])
def test_every_time_the_booking_form_offers_books(client, shop, session, agent):
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    chosen = "any" if agent == "any" else str(shop[agent])
    offered = TIME.findall(form_page(client, "/book", customer_values(shop, TOMORROW, agent_id=chosen)))
    assert min(offered, default="14:00") >= "14:00"  # 26 h after Monday noon
    for day in (TOMORROW, TOMORROW + timedelta(days=1), TOMORROW + timedelta(days=2)):
        values = customer_values(shop, day, agent_id=chosen)

        def book(time, values=values):
            html = form_page(client, "/book", values)
            nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
            return client.post("/book", data={"csrf_token": csrf_from(html), "nonce": nonce, "action": "book", **values, "time": time})

        if agent == "alex" and day <= shop["busy_day"]:
            # Tuesday: Alex ends at 14:00, inside the notice; Wednesday: the 10:00 job leaves no 2.5 h gap.
            assert TIME.findall(form_page(client, "/book", values)) == []
            continue
        take_each(lambda values=values: TIME.findall(form_page(client, "/book", values)), book)


def test_every_day_the_month_calendar_marks_free_has_a_time_that_books(client, shop, session):
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    html = form_page(client, "/book", customer_values(shop, TOMORROW + timedelta(days=2)))
    month = form_page(client, "/book", customer_values(shop, TOMORROW + timedelta(days=2), month="2026-12"))
    free = sorted(FREE_DAY.findall(html) + FREE_DAY.findall(month))
    assert free and min(free) == TOMORROW.isoformat()
    last_bookable = (NOW + timedelta(days=21)).date().isoformat()
    assert max(free) <= last_bookable  # the horizon
    for day in dict.fromkeys([free[0], free[len(free) // 2], free[-1]]):
        page = form_page(client, "/book", customer_values(shop, TOMORROW, date=day))
        offered = TIME.findall(page)
        assert offered, day
        nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
        booked = client.post("/book", data={"csrf_token": csrf_from(page), "nonce": nonce, "action": "book",
                                            **customer_values(shop, TOMORROW, date=day, time=offered[0])})
        assert booked.status_code == 303, (day, booked.get_data(as_text=True)[:300])


def test_every_time_the_staff_form_offers_books(client, shop, session):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    day = shop["busy_day"]
    values = customer_values(shop, day, customer_id=str(customer.id))

    def book(time):
        html = form_page(client, "/admin/bookings/new", values)
        return client.post("/admin/bookings/new", data={"csrf_token": csrf_from(html), "nonce": f"staff-{time}", "action": "book",
                                                        **values, "time": time})

    take_each(lambda: TIME.findall(form_page(client, "/admin/bookings/new", values)), book)


def test_every_time_the_staff_move_form_offers_moves(client, shop, session):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    booking = session.scalars(select(Booking)).one()
    day = shop["busy_day"]
    for agent in (shop["alex"], shop["bo"]):
        def offers(agent=agent):
            panel = client.get(f"/admin/bookings/{booking.id}?date={day}&agent_id={agent}", headers={"HX-Request": "true"})
            return TIME.findall(panel.get_data(as_text=True))

        def move(time, agent=agent):
            session.expire_all()
            token = csrf_from(client.get("/login").get_data(as_text=True))
            return client.post(f"/admin/bookings/{booking.id}/move", headers={"Accept": "application/json"},
                               data={"csrf_token": token, "date": day.isoformat(), "time": time, "agent_id": str(agent),
                                     "version": str(session.get(Booking, booking.id).version)})

        take_each(offers, move)


def test_every_time_the_api_offers_books(client, shop, session):
    _, key = accounts.create_api_key(session, name="sync", scope="write", now=NOW)
    headers = {"X-API-Key": key}
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()

    def offers():
        answer = client.get(f"/api/v1/availability?service_id={shop['clean']}&date={TOMORROW}&days=14", headers=headers).get_json()
        return [(d["date"], t, int(agents[0])) for d in answer["data"]["days"] for t in d["available_slots"]
                for agents in [[a for a, times in d["slots_by_agent"].items() if t in times]]]

    assert min(offers()) == (TOMORROW.isoformat(), "14:00", shop["bo"])  # 26 h after Monday noon
    take_each(offers, lambda offer: client.post("/api/v1/bookings", headers=headers, json={
        "service_id": shop["clean"], "start_date": offer[0], "start_time": offer[1], "agent_id": offer[2], "customer_id": customer.id}))


def test_every_day_and_time_the_move_page_offers_moves(client, shop, session):
    """The customer's move page: its calendar marks the days on which this booking can
    move (its agent's days: not Bo's Saturday, not Wednesday where Alex has no gap) and
    each marked day's times move it."""
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    thursday = TOMORROW + timedelta(days=2)
    booking = create_booking(session, b.request(shop["clean"], day=thursday.isoformat(), at="08:00", agent_id=shop["alex"],
                                                customer_id=customer.id, customer=None), actor=b.STAFF, now=NOW).booking
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    url = f"/bookings/{booking.id}/reschedule"
    page = client.get(url).get_data(as_text=True)
    november = FREE_DAY.findall(page)
    assert november[:3] == ["2026-11-26", "2026-11-27", "2026-11-30"]  # no Tuesday (notice), Wednesday, weekend
    assert "08:00" not in TIME.findall(page) and TIME.findall(page)[0] == "08:30"  # its own time is no move
    later = client.post(url, data={"csrf_token": csrf_from(page), "date": "2026-11-27", "action": "next_available",
                                   "shown_month": "2026-11"}).get_data(as_text=True)
    assert re.search(r'value="2026-11-30"\s+checked', later) and TIME.findall(later)
    december = FREE_DAY.findall(client.post(url, data={"csrf_token": csrf_from(page), "month": "2026-12", "date": thursday.isoformat()})
                                .get_data(as_text=True))
    assert december and max(december) <= (NOW + timedelta(days=21)).date().isoformat()  # the horizon
    for day in dict.fromkeys([november[0], december[len(december) // 2], december[-1]]):
        html = client.post(url, data={"csrf_token": csrf_from(page), "date": day, "action": "refresh"}).get_data(as_text=True)
        offered = TIME.findall(html)
        assert offered, day
        moved = client.post(url, data={"csrf_token": csrf_from(html), "date": day, "time": offered[-1], "action": "move"})
        assert moved.status_code == 303, (day, moved.get_data(as_text=True)[:300])


def test_the_move_page_opens_on_the_first_day_the_booking_can_move_to_when_its_own_day_has_no_other_time(client, shop, session):
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    # Monday 30th, 08:00-10:30 with Alex; another job takes 10:30-13:00, and 13:00-14:00 is too short.
    monday = TOMORROW + timedelta(days=6)
    booking = create_booking(session, b.request(shop["clean"], day=monday.isoformat(), at="08:00", agent_id=shop["alex"],
                                                customer_id=customer.id, customer=None), actor=b.STAFF, now=NOW).booking
    create_booking(session, b.request(shop["clean"], day=monday.isoformat(), at="10:30", agent_id=shop["alex"],
                                      customer=CustomerInput("Other", "One", "other@example.com")), actor=b.STAFF, now=NOW)
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    page = client.get(f"/bookings/{booking.id}/reschedule").get_data(as_text=True)
    assert monday.isoformat() not in FREE_DAY.findall(page)
    assert re.search(r'value="2026-11-26"\s+checked', page) and TIME.findall(page)  # Thursday, the first free day


def test_every_time_the_api_offers_for_moving_a_booking_moves_it(client, shop, session):
    """GET /bookings/{id}/availability, with the booking's own agent and with another:
    each offered time is accepted by PUT /bookings/{id}; its own time is not offered."""
    _, key = accounts.create_api_key(session, name="sync", scope="write", now=NOW)
    headers = {"X-API-Key": key}
    booking = session.scalars(select(Booking)).one()  # Wednesday 10:00 with Alex
    day = shop["busy_day"]
    own = client.get(f"/api/v1/bookings/{booking.id}/availability?date={day}", headers=headers).get_json()["data"]
    assert own["agent_id"] == shop["alex"] and own["duration"] == 120
    assert "10:00" not in own["days"][0]["available_slots"] and own["days"][0]["available_slots"]
    for agent in (shop["alex"], shop["bo"]):
        def offers(agent=agent):
            answer = client.get(f"/api/v1/bookings/{booking.id}/availability?date={day}&days=5&agent_id={agent}", headers=headers)
            assert answer.status_code == 200, answer.get_json()
            return [(d["date"], t) for d in answer.get_json()["data"]["days"] for t in d["available_slots"]]

        take_each(offers, lambda offer, agent=agent: client.put(f"/api/v1/bookings/{booking.id}", headers=headers, json={
            "start_date": offer[0], "start_time": offer[1], "agent_id": agent}))
    stranger = b.agent(session, [], session.get(b.Location, shop["location"]), name="Cy Other", email="cy@example.com")
    session.commit()
    refused = client.get(f"/api/v1/bookings/{booking.id}/availability?date={day}&agent_id={stranger.id}", headers=headers)
    assert refused.status_code == 422 and "agent_id" in refused.get_json()["error"]["details"]


def test_every_time_the_customer_api_offers_for_moving_reschedules_and_matches_the_move_page(client, shop, session):
    customer = session.scalars(select(b.User).where(b.User.email == "customer@example.com")).one()
    thursday = TOMORROW + timedelta(days=2)
    booking = create_booking(session, b.request(shop["clean"], day=thursday.isoformat(), at="08:00", agent_id=shop["alex"],
                                                customer_id=customer.id, customer=None), actor=b.STAFF, now=NOW).booking
    token = client.post("/api/v1/login", json={"email": "customer@example.com", "password": "correct-horse"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/customer/bookings/{booking.id}/availability?date={TOMORROW}&days=7"

    def offers():
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        return [(d["date"], t) for d in answer.get_json()["data"]["days"] for t in d["available_slots"]]

    # The same days the customer's move page marks free, and not its own time.
    free = sorted({d for d, _ in offers()})
    submit(client, "/login", {"email": "customer@example.com", "password": "correct-horse"})
    page_days = [d for d in FREE_DAY.findall(client.get(f"/bookings/{booking.id}/reschedule").get_data(as_text=True))
                 if d <= (TOMORROW + timedelta(days=6)).isoformat()]
    assert free == page_days == ["2026-11-26", "2026-11-27", "2026-11-30"]
    assert (thursday.isoformat(), "08:00") not in offers()
    take_each(offers, lambda offer: client.put(f"/api/v1/customer/bookings/{booking.id}", headers=headers,
                                               json={"service_date": f"{offer[0]}T{offer[1]}:00"}))
    # Inside the cut-off it is refused exactly as the reschedule is.
    session.add(Setting(key="cancellation_cutoff_hours", value=str(24 * 60)))
    session.commit()
    listed = client.get(url, headers=headers)
    moved = client.put(f"/api/v1/customer/bookings/{booking.id}", headers=headers, json={"service_date": f"{thursday}T12:00:00"})
    assert listed.status_code == moved.status_code and listed.status_code >= 400
    assert listed.get_json()["error"]["code"] == moved.get_json()["error"]["code"] == "too_late"
