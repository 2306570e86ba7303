"""The booking form and the customer's booking pages, driven as a browser without
JavaScript would: GET a page, post its form."""
from __future__ import annotations

import re
import threading
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.domain import accounts
from app.domain.booking import cancel_booking, create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Agent, Booking, Location, Service
from tests import builders as b
from tests.web.helpers import csrf_from, submit
from tests.conftest import BOOKING_DAY, DAY, NOW, day_after, long_date, short_date


@pytest.fixture
def shop(session):
    loc = b.location(session)
    clean = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    hourly = b.service(session, loc, name="Hourly help", pricing_mode="hourly", price=Decimal("40.00"), duration_minutes=120, max_days_ahead=5000)
    fridge = b.extra(session, [clean], name="Inside the fridge", price=Decimal("25.00"), minutes=30, max_quantity=2)
    rooms = b.parameter(session, [clean], name="Bedrooms", price=Decimal("15.00"), minutes=20, min_quantity=1, max_quantity=6)
    b.agent(session, [clean, hourly], loc, name="Alex Agent")
    once = b.frequency(session, "One time", None, 1, "0")
    weekly = b.frequency(session, "Weekly", "week", 1, "10")
    door = b.field(session, [clean, hourly], "single_line", "How do we get in?", required=True)
    pets = b.field(session, [clean], "checkboxes", "Pets", [("Cat", False), ("Other", True)])
    b.code(session, "SAVE10")
    session.commit()
    return {"clean": clean.id, "hourly": hourly.id, "fridge": fridge.id, "rooms": rooms.id, "once": once.id,
            "weekly": weekly.id, "door": door.id, "pets": pets.id, "cat": pets.options[0].id, "other": pets.options[1].id}


@pytest.fixture
def customer(client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    user = accounts.find_user_by_email(session, "casey@example.com")
    user.address, user.city = "12 Elm St", "Brooklyn"
    session.commit()
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    return user


def form_values(shop, **over):
    values = {
        "services": str(shop["clean"]), f"extra-{shop['clean']}-{shop['fridge']}": "1", f"param-{shop['clean']}-{shop['rooms']}": "2",
        "frequency_id": str(shop["once"]), "date": DAY, "time": "10:00", "agent_id": "any", "address": "12 Elm St", "city": "Brooklyn",
        f"field-{shop['door']}": "Code 4417", f"field-{shop['pets']}": str(shop["cat"]), "payment_method": "cash", "tip": "",
        "customer_notes": "", "action": "book",
    }
    return values | over


def book(client, values):
    page = client.get(f"/book?service={values.get('services', '')}")
    html = page.get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    return client.post("/book", data={"csrf_token": csrf_from(html), "nonce": nonce, **values})


def test_visitors_open_the_booking_form_and_sign_in_at_the_details_step(client, shop):
    html = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert "Standard clean" in html and "Your account" in html and 'name="account_email"' in html


def test_staff_are_sent_to_the_back_office_form(client, session, shop):
    accounts.create_user(session, email="sam@example.com", password="correct-horse", role="admin", first_name="Sam", last_name="S",
                         now=NOW)
    session.commit()
    submit(client, "/login", {"email": "sam@example.com", "password": "correct-horse"})
    assert client.get("/book").status_code == 403


def test_the_form_offers_services_and_prefills_the_address(client, shop, customer):
    html = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert "Standard clean" in html and "Hourly help" in html
    assert 'value="12 Elm St"' in html
    assert "Inside the fridge" in html and "Bedrooms" in html and "How do we get in? (required)" in html


def test_refreshing_shows_free_times_with_full_names_and_the_price(client, shop, customer):
    page = client.get(f"/book?service={shop['clean']}")
    response = client.post("/book", data={"csrf_token": csrf_from(page.get_data(as_text=True)), **form_values(shop, action="refresh")})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # 60 + 30 fridge + 2 x 20 = 130 minutes: last start 14:30 in a 9-17 day.
    assert 'value="09:00"' in html and 'value="14:30"' in html and 'value="15:00"' not in html
    assert f"{long_date(BOOKING_DAY)} at" in html
    # 100 + 25 + 2 x 15 = 155
    assert "$155.00" in html


def test_booking_creates_it_and_shows_the_confirmation_with_ics(client, shop, customer, session):
    response = book(client, form_values(shop))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    booking = session.scalars(select(Booking)).one()
    assert booking.status == "pending" and booking.total == Decimal("155.00")
    assert booking.start_at == b.at_utc(f"{DAY}T15:00:00")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert booking.booking_code in page and "$155.00" in page and "What happens next" in page
    ics = client.get(f"/bookings/{booking.id}.ics")
    assert ics.mimetype == "text/calendar" and f"TZID=America/New_York:{BOOKING_DAY:%Y%m%d}T100000".encode() in ics.data


def test_a_double_submit_books_once(client, shop, customer, session):
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "nonce": re.search(r'name="nonce" value="([^"]+)"', page).group(1), **form_values(shop)}
    first = client.post("/book", data=data)
    second = client.post("/book", data=data)
    assert first.status_code == 303 and second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_second_submit_while_the_first_is_booking_answers_at_once_and_leads_to_the_booking(app, client, shop, customer, session,
                                                                                              monkeypatch):
    """The first copy of the form is held inside the booking; the second copy (another
    tab, same customer and nonce) is answered while it waits: no booking of its own, no
    waiting in the request, a page that opens the booking once the first is done."""
    import app.domain.booking.submit as submitting

    started, release = threading.Event(), threading.Event()
    real_create = submitting.create_booking

    def held_create(*args, **kwargs):
        started.set()
        assert release.wait(timeout=60), "the test never released the first submit"
        return real_create(*args, **kwargs)

    monkeypatch.setattr(submitting, "create_booking", held_create)
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "nonce": re.search(r'name="nonce" value="([^"]+)"', page).group(1), **form_values(shop)}
    first: dict[str, object] = {}
    worker = threading.Thread(target=lambda: first.update(response=client.post("/book", data=data)))
    worker.start()
    try:
        assert started.wait(timeout=30)
        other_tab = app.test_client()
        submit(other_tab, "/login", {"email": "casey@example.com", "password": "correct-horse"})
        other_page = other_tab.get(f"/book?service={shop['clean']}").get_data(as_text=True)
        second = other_tab.post("/book", data={**data, "csrf_token": csrf_from(other_page)})
        assert second.status_code == 303 and not first  # answered while the first is still held
        waiting = other_tab.get(second.headers["Location"])
        assert waiting.status_code == 200 and "Your booking is being made" in waiting.get_data(as_text=True)
        assert other_tab.get(second.headers["Location"], headers={"HX-Request": "true"}).status_code == 204
        assert session.scalar(select(func.count()).select_from(Booking)) == 0
    finally:
        release.set()
        worker.join(timeout=60)
    assert first["response"].status_code == 303
    confirmation = first["response"].headers["Location"]
    done = other_tab.get(second.headers["Location"])
    assert done.status_code == 303 and done.headers["Location"] == confirmation
    polled = other_tab.get(second.headers["Location"], headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == confirmation
    assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_the_waiting_page_of_a_refused_first_submit_goes_back_to_the_form(client, shop, customer, session):
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    refused = client.post("/book", data={"csrf_token": csrf_from(page), "nonce": nonce, **form_values(shop, time="")})
    assert refused.status_code == 422
    back = client.get(f"/book/pending/{nonce}")
    assert back.status_code == 303 and back.headers["Location"].endswith("/book")
    assert "That booking was not made" in client.get(back.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "input_name", "message"),
    [
        ({"services": ""}, "services", "Choose at least one service."),
        ({"field-{door}": ""}, "field-{door}", "Please answer: How do we get in?"),
        ({"extra-{clean}-{fridge}": "9"}, "extra-{clean}-{fridge}", "Must be at most 2."),
        ({"param-{clean}-{rooms}": "0"}, "param-{clean}-{rooms}", "Must be at least 1."),
        ({"date": "2020-01-07"}, "time", "already passed"),
        ({"time": ""}, "time", "Expected a time"),
        ({"discount_code": "NOPE"}, "discount_code", "is not valid"),
        ({"tip": "-5"}, "tip", "at least 0"),
        ({"payment_method": "stripe"}, "payment_method", "Card payments"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_booked(client, shop, customer, session, change, input_name, message):
    change = {k.format(**shop): v for k, v in change.items()}
    response = book(client, form_values(shop, **change))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    name = input_name.format(**shop)
    assert f'id="{name}-error"' in html, html[:3000]
    assert message in html
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    if "customer_notes" in change or True:
        assert 'value="Brooklyn"' in html  # what was typed stays


def test_a_slot_taken_meanwhile_gets_a_clear_message_and_a_fresh_list(client, shop, customer, session):
    other = b.customer(session, "other@example.com")
    session.commit()
    from app.domain.booking import cancel_booking, create_booking

    create_booking(session, b.request(shop["clean"], day=DAY, at="10:00", customer_id=other.id, customer=None), actor=b.STAFF, now=NOW)
    response = book(client, form_values(shop))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "that time was just taken" in html
    assert 'value="10:00"' not in html and 'value="13:00"' in html


def test_my_bookings_detail_cancel_and_book_again(client, shop, customer, session):
    location = book(client, form_values(shop)).headers["Location"]
    booking = session.scalars(select(Booking)).one()
    listing = client.get("/bookings").get_data(as_text=True)
    assert booking.booking_code in listing and "Upcoming" in listing and "$155.00" in listing
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Cancel booking" in detail and "Move to another time" in detail
    again = client.get(f"/book?again={booking.id}").get_data(as_text=True)
    assert f'name="original_booking_id" value="{booking.id}"' in again
    assert f'id="extra-{shop["clean"]}-{shop["fridge"]}" value="1"' in again and 'value="Code 4417"' in again
    response = client.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": csrf_from(detail), "scope": "this"}, follow_redirects=True)
    assert "Your booking is cancelled." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"
    assert location.endswith(f"/bookings/{booking.id}/confirmation")


def test_reschedule_with_the_slot_picker(client, shop, customer, session):
    book(client, form_values(shop))
    booking = session.scalars(select(Booking)).one()
    page = client.get(f"/bookings/{booking.id}/reschedule")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="10:30"' in html
    assert 'value="10:00"' not in html  # where it is already is no move
    same = client.post(f"/bookings/{booking.id}/reschedule", data={"csrf_token": csrf_from(html), "date": DAY, "time": "10:00",
                                                                   "action": "move"})
    assert same.status_code == 422 and "at that time already" in same.get_data(as_text=True)
    moved = client.post(f"/bookings/{booking.id}/reschedule", data={"csrf_token": csrf_from(html), "date": day_after(1), "time": "11:00",
                                                                    "action": "move", "location_id": str(booking.location_id),
                                                                    "services": str(shop["clean"])})
    assert moved.status_code == 303
    session.expire_all()
    assert session.get(Booking, booking.id).start_at == b.at_utc(f"{day_after(1)}T16:00:00")


def offered_times(html: str) -> list[str]:
    return re.findall(r'name="time" id="time-\d+" value="(\d\d:\d\d)"', html)


def test_the_move_page_offers_exactly_the_times_the_move_accepts(client, shop, customer, session):
    """The page listed anyone's free times while the move keeps the booking's agent, so
    it offered times it then refused. Now each offered time is one the move accepts."""
    alex = session.scalars(select(Agent).where(Agent.name == "Alex Agent")).one()
    b.agent(session, [session.get(Service, shop["clean"])], session.get(Location, alex.locations[0].id), name="Bo Free",
            email="bo@example.com")
    session.commit()
    assert book(client, form_values(shop, agent_id=str(alex.id))).status_code == 303
    booking = session.scalars(select(Booking)).one()
    # Someone else has Alex from 13:00; Bo is free all day, so the old page offered late mornings Alex cannot take.
    create_booking(session, b.request(shop["clean"], day=DAY, at="13:00", agent_id=alex.id,
                                      customer=CustomerInput("Jo", "Doe", "jo@example.com")), actor=b.STAFF, now=NOW)
    tz = ZoneInfo(booking.location.timezone)
    offered = offered_times(client.get(f"/bookings/{booking.id}/reschedule").get_data(as_text=True))
    assert len(offered) >= 4 and "10:00" not in offered and "12:00" not in offered
    for time in offered:
        html = client.get(f"/bookings/{booking.id}/reschedule").get_data(as_text=True)
        moved = client.post(f"/bookings/{booking.id}/reschedule",
                            data={"csrf_token": csrf_from(html), "date": DAY, "time": time, "action": "move"})
        assert moved.status_code == 303, (time, moved.get_data(as_text=True)[:300])
        session.expire_all()
        assert f"{session.get(Booking, booking.id).start_at.astimezone(tz):%H:%M}" == time


def test_after_the_cutoff_the_page_says_why_not(client, shop, customer, session):
    book(client, form_values(shop))
    booking = session.scalars(select(Booking)).one()
    soon = NOW + timedelta(hours=2)
    booking.start_at, booking.end_at, booking.occupied_start, booking.occupied_end = soon, soon + timedelta(hours=2), soon, soon + timedelta(hours=2)
    session.commit()
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "until 24 hours before the start" in detail and "Cancel booking" not in detail
    assert "Please get in touch with us to change this one." in detail  # the office has no phone or e-mail yet
    booking.location.phone, booking.location.email = "+1 718-555-0142", "brooklyn@example.com"
    session.commit()
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "Please call Brooklyn at +1 718-555-0142 to change this one." in detail or \
        f"Please call {booking.location.name} at +1 718-555-0142 to change this one." in detail
    assert '<a href="tel:+1718-555-0142">+1 718-555-0142</a>' in detail.split('class="office-contact"')[1]
    footer = detail.split('class="site-footer"')[1]
    assert "+1 718-555-0142" in footer and 'href="mailto:brooklyn@example.com"' in footer
    refused = client.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": csrf_from(detail)}, follow_redirects=True)
    assert "24 hours" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booking.id).status == "pending"


def test_someone_elses_booking_is_404_everywhere(client, shop, customer, session, app):
    book(client, form_values(shop))
    booking = session.scalars(select(Booking)).one()
    stranger = app.test_client()
    accounts.create_user(session, email="s@example.com", password="correct-horse", now=NOW)
    submit(stranger, "/login", {"email": "s@example.com", "password": "correct-horse"})
    token = csrf_from(stranger.get("/bookings").get_data(as_text=True))
    for method, url in (("get", f"/bookings/{booking.id}"), ("get", f"/bookings/{booking.id}/confirmation"), ("get", f"/bookings/{booking.id}.ics"),
                        ("get", f"/bookings/{booking.id}/reschedule"), ("get", f"/book?again={booking.id}"), ("get", "/book?again=99999"),
                        ("post", f"/bookings/{booking.id}/cancel")):
        response = getattr(stranger, method)(url, data={"csrf_token": token} if method == "post" else None)
        assert response.status_code == 404, url
    session.expire_all()
    assert session.get(Booking, booking.id).status == "pending"


def test_state_changing_posts_without_csrf_are_refused(client, shop, customer, session):
    book(client, form_values(shop))
    booking = session.scalars(select(Booking)).one()
    for url, data in (("/book", form_values(shop, time="12:00")), (f"/bookings/{booking.id}/cancel", {}),
                      (f"/bookings/{booking.id}/reschedule", {"date": DAY, "time": "12:00", "action": "move"}), ("/book/price", {})):
        assert client.post(url, data=data).status_code == 400, url
        assert client.post(url, data=data, headers={"HX-Request": "true"}).status_code == 400, url
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Booking)) == 1 and session.get(Booking, booking.id).status == "pending"


def test_a_weekly_booking_confirmation_lists_its_visits_and_the_ones_that_could_not_be_placed(client, shop, customer, session):
    from app.domain.models import Agent

    agent = session.scalars(select(Agent)).one()
    b.time_off(session, agent, b.at_utc(f"{day_after(14)}T00:00:00"), b.at_utc(f"{day_after(15)}T00:00:00"))  # the third visit's day
    session.commit()
    response = book(client, form_values(shop, frequency_id=str(shop["weekly"])))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your recurring visits" in page
    assert page.count("Alex Agent") >= 12
    assert "We could not book these dates" in page and f"{long_date(BOOKING_DAY + timedelta(days=14))} at 10:00\u202fAM" in page
    assert day_after(14) not in page  # never the raw ISO date
    first = session.scalars(select(Booking).order_by(Booking.id)).first().id
    assert f"/bookings/{first}/cancel" in client.get(f"/bookings/{first}").get_data(as_text=True)
    assert "This and all later visits" in client.get(f"/bookings/{first}/cancel").get_data(as_text=True)


def test_the_review_lists_every_visit_of_a_series_and_the_ones_that_cannot_be_booked(client, shop, customer, session):
    second, third = BOOKING_DAY + timedelta(weeks=1), BOOKING_DAY + timedelta(weeks=2)
    alex = session.scalars(select(Agent)).one()
    b.time_off(session, alex, b.at_utc(f"{day_after(14)}T05:00:00"), b.at_utc(f"{day_after(15)}T05:00:00"))  # the third Tuesday
    session.commit()
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    values = {"csrf_token": csrf_from(page), "nonce": nonce, **form_values(shop, frequency_id=str(shop["weekly"]))}
    review = client.post("/book", data={**values, "action": "review"})
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    visits = re.findall(r"<li( class=\"visit-missed\")?>([^<]+)", html[html.index('class="plain-list visits"'):])
    assert len(visits) == 13  # the first and twelve weekly ones, up to the 12-week horizon
    assert "Weekly: 12 visits" in html
    missed = [text for marked, text in visits if marked]
    assert [m.strip() for m in missed] == [f"{short_date(third)}, 10:00\u202fAM EST —"] and "cannot be booked:</strong>" in html
    assert visits[1][1].strip() == f"{short_date(second)}, 10:00\u202fAM EST"
    booked = client.post("/book", data={**values, "action": "book"})
    assert booked.status_code == 303
    made = session.scalars(select(Booking).order_by(Booking.start_at)).all()
    assert len(made) == 12 and b.at_utc(f"{third}T15:00:00") not in {m.start_at for m in made}
    assert "Visit 2 of 12 in a recurring series" in client.get("/bookings").get_data(as_text=True)
    cancel = client.get(f"/bookings/{made[1].id}/cancel").get_data(as_text=True)
    assert f"This and all later visits: 11 visits, the last on {long_date(BOOKING_DAY + timedelta(weeks=12))}" in cancel
    assert f"Only this visit ({long_date(second)})" in cancel


def error_ids(html: str) -> set[str]:
    return set(re.findall(r'id="([\w-]+)-error"', html))


def test_every_problem_is_reported_at_its_own_field_on_the_first_submit(client, shop, customer):
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    fridge = f"extra-{shop['clean']}-{shop['fridge']}"
    refused = client.post("/book", data={"csrf_token": csrf_from(page), **form_values(shop, tip="-3", **{fridge: "5"}),
                                         "action": "review"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and error_ids(html) == {"tip", fridge}
    assert f'href="#{fridge}">Must be at most 2.' in html and 'href="#tip">Must be at least 0.' in html
    assert re.search(r'name="tip" id="tip" value="-3" aria-invalid="true" aria-describedby="tip-error"', html)
    assert "That time is not free" not in html  # the time was fine; the price could not be worked out


def test_a_visitors_account_problems_are_all_reported_at_once(client, shop):
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    refused = client.post("/book", data={"csrf_token": csrf_from(page), **form_values(shop), "action": "review", "account": "new",
                                         "account_email": "not-an-address", "account_first_name": "", "account_last_name": ""})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert {"account_email", "account_first_name", "account_last_name"} <= error_ids(html)


def test_the_booking_page_leads_back_to_my_bookings_and_the_form_has_no_heading_gap(client, shop, customer, session):
    book(client, form_values(shop))
    booking = session.scalars(select(Booking)).one()
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert '<a href="/bookings">‹ My bookings</a>' in detail
    form = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert '<h2 class="cal-title"' in form and "<h3" not in form.split("</h1>")[1].split("<h2")[0]  # no h3 straight under the h1
    assert 'autocomplete="address-line1"' in form and 'autocomplete="street-address"' not in form


def test_answers_keep_their_lines_and_dates_read_as_dates(client, shop, customer, session):
    notes = b.field(session, [session.get(Service, shop["clean"])], "multi_line", "Anything else?")
    when = b.field(session, [session.get(Service, shop["clean"])], "datetime", "Best time to call")
    moving = b.field(session, [session.get(Service, shop["clean"])], "date", "Move-out date")
    session.commit()
    answered = form_values(shop, **{f"field-{notes.id}": "Side door.\r\nDog is friendly.", f"field-{when.id}": "2026-12-20T18:30",
                                    f"field-{moving.id}": "2026-12-31"})
    assert book(client, answered).status_code == 303
    booking = session.scalars(select(Booking)).one()
    html = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert re.search(r'<dd class="multiline">Side door.\r?\nDog is friendly.</dd>', html)
    assert "<dd>Dec 20, 2026, 6:30\u202fPM</dd>" in html and "<dd>Dec 31, 2026</dd>" in html
    assert "2026-12-20T18:30" not in html


def test_my_bookings_lists_upcoming_first_and_folds_the_past(client, shop, customer, session):
    assert book(client, form_values(shop)).status_code == 303
    past = create_booking(session, b.request(shop["clean"], day="2026-11-24", at="10:00", customer_id=customer.id, customer=None),
                          actor=b.STAFF, now=NOW).booking
    cancel_booking(session, past.id, actor=b.STAFF, now=NOW, notify=False)
    html = client.get("/bookings").get_data(as_text=True)
    upcoming, folded = html.split('<details class="past-bookings">')
    assert DAY_TEXT in upcoming and past.booking_code not in upcoming
    assert "<summary>Show it</summary>" in folded and past.booking_code in folded


DAY_TEXT = short_date(BOOKING_DAY)


def test_lengths_of_time_are_written_one_way(client, shop, customer):
    page = client.get(f"/book?service={shop['hourly']}").get_data(as_text=True)
    assert ">1 h 30 min</option>" in page and not re.search(r"\d\.\d h\b", page)
    form = form_page_for(client, shop)
    assert re.search(r"About \d+ h( \d+ min)? of work", form) and not re.search(r"\d\.\d h\b", form)


def form_page_for(client, shop):
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    return client.post("/book", data={"csrf_token": csrf_from(page), **form_values(shop), "action": "refresh"}).get_data(as_text=True)


def test_a_home_visit_needs_the_street_and_says_so_before_review(client, shop, customer, session):
    """A service done at the customer's place: the street is asked as required, a blank
    one is refused at its own field on the way to review (and by the booking itself),
    and nothing is booked."""
    html = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert "Street address (required)" in html and 'aria-required="true"' in html
    for action in ("review", "book"):
        answer = book(client, form_values(shop, address="  ", action=action))
        page = answer.get_data(as_text=True)
        assert answer.status_code == 422, action
        assert re.search(r'id="address"[^>]*aria-invalid="true"', page)
        assert "Enter the street address where we should come: Standard clean is done at your place." in page
    assert session.scalar(select(func.count(Booking.id))) == 0


def test_an_office_class_asks_no_address_and_the_visit_is_at_the_office(client, shop, customer, session):
    """A group class at the office: no address fields, the office is named instead, and
    the address pre-filled from the profile is not stored on the booking."""
    loc = session.scalars(select(Location)).one()
    loc.address = "210 Atlantic Ave, Brooklyn"
    workshop = b.service(session, loc, name="Green cleaning class", capacity=6, at_customer=False, max_days_ahead=5000)
    agent = session.scalars(select(Agent)).one()
    agent.services.append(workshop)
    session.commit()
    html = client.get(f"/book?service={workshop.id}").get_data(as_text=True)
    assert 'name="address"' not in html
    assert "At our office: <strong>Office America/New_York</strong>, 210 Atlantic Ave, Brooklyn. No address needed." in html
    values = {"services": str(workshop.id), "frequency_id": str(shop["once"]), "date": DAY, "time": "10:00", "agent_id": "any",
              "payment_method": "cash", "tip": "", "customer_notes": "", "action": "book"}
    answer = book(client, values)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    booking = session.scalars(select(Booking)).one()
    assert (booking.address, booking.city) == ("", "")
    assert "210 Atlantic Ave, Brooklyn" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_staff_may_book_a_home_visit_before_they_have_the_street_and_it_never_reads_as_the_office(session, shop):
    """Taking a call, staff may leave the street for later; until it is filled in the
    booking says the address is to be confirmed instead of showing the office's."""
    from app.domain.summary import NO_ADDRESS_YET, booking_summary

    request = b.request(shop["clean"], day=DAY, at="10:00", address="", customer=CustomerInput("Jo", "Doe", "jo@example.com"))
    booking = create_booking(session, request, actor=b.STAFF, now=NOW).booking
    assert booking_summary(booking).where == NO_ADDRESS_YET
    with pytest.raises(Exception, match="could not be made") as refused:
        create_booking(session, b.request(shop["clean"], day=DAY, at="12:00", address="",
                                          customer_id=booking.customer_id, customer=None),
                       actor=b.customer_actor(booking.customer), now=NOW)
    assert "address" in refused.value.details


def test_a_group_class_shows_the_places_left_at_each_time(client, shop, customer, session):
    """Six places at 10:00; two customers booked: the time says 4 places left; the price
    card speaks of a class at the office, not of work at home."""
    loc = session.scalars(select(Location)).one()
    workshop = b.service(session, loc, name="Green cleaning class", capacity=6, at_customer=False, max_days_ahead=5000)
    agent = session.scalars(select(Agent)).one()
    agent.services.append(workshop)
    session.commit()
    for n in range(2):
        create_booking(session, b.request(workshop.id, day=DAY, at="10:00", customer=CustomerInput("Jo", "Doe", f"jo{n}@example.com")),
                       actor=b.STAFF, now=NOW)
    values = {"services": str(workshop.id), "frequency_id": str(shop["once"]), "date": DAY, "agent_id": "any", "action": "refresh"}
    html = client.post("/book", data={"csrf_token": csrf_from(client.get("/book").get_data(as_text=True)), **values}).get_data(as_text=True)
    ten = html[html.index('id="time-1000"'):]
    ten = ten[:ten.index("</label>")]
    assert "4 places left" in ten
    after = html[html.index('id="time-1100"'):]
    assert "6 places left" in after[:after.index("</label>")]
    assert "Takes 1 h, at the office." in html and "of work" not in html
    # A one-customer service says nothing of places.
    html = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert "places left" not in html and "of work" in html


def test_slots_free_only_the_callers_own_booking(client, session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    b.agent(session, [svc], loc)
    session.commit()
    for email in ("casey@example.com", "other@example.com"):
        accounts.create_user(session, email=email, password="correct-horse", first_name="C", last_name="D", now=NOW)
    other = accounts.find_user_by_email(session, "other@example.com")
    mine = create_booking(session, b.request(svc.id, day=DAY, at="10:00", customer_id=accounts.find_user_by_email(session, "casey@example.com").id),
                          actor=b.STAFF, now=NOW).booking
    theirs = create_booking(session, b.request(svc.id, day=DAY, at="14:00", customer_id=other.id), actor=b.STAFF, now=NOW).booking
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})

    def times(booking_id):
        html = client.get(f"/book/slots?services={svc.id}&date={DAY}&booking_id={booking_id}").get_data(as_text=True)
        return set(re.findall(r'value="(\d\d:\d\d)"', html))

    assert "10:00" in times(mine.id) and "14:00" not in times(mine.id)
    assert "14:00" not in times(theirs.id) and "10:00" not in times(theirs.id)


def test_customers_book_only_the_offered_times(client, session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    b.agent(session, [svc], loc)
    once = b.frequency(session, "One time", None, 1, "0")
    session.commit()
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="C", last_name="D", now=NOW)
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    page = client.get(f"/book?service={svc.id}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "nonce": nonce, "services": str(svc.id), "frequency_id": str(once.id), "date": DAY,
            "time": "10:07", "agent_id": "any", "address": "1 Main St", "payment_method": "cash", "action": "book"}
    response = client.post("/book", data=data)
    assert response.status_code == 422
    assert "Pick one of the offered start times." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    response = client.post("/book", data=data | {"time": "10:30"})
    assert response.status_code == 303


def test_a_form_whose_first_copy_died_mid_booking_says_so_instead_of_waiting_for_ever(client, shop, customer, session):
    """A claim never finished (its request died) and older than any request runs: the
    form sent again with that nonce books nothing and tells the customer to look first."""
    from app.domain import idempotency
    from app.domain.booking import submit as submitting

    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    idempotency.claim(session, owner=f"web:{customer.id}", key=nonce, now=NOW - submitting.STALLED_AFTER - timedelta(seconds=1),
                      fingerprint=idempotency.request_fingerprint("POST", submitting.FORM_PATH, nonce.encode()))
    sent = client.post("/book", data={"csrf_token": csrf_from(page), "nonce": nonce, **form_values(shop)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/book/pending/{nonce}")
    told = client.get(sent.headers["Location"])
    assert told.status_code == 200 and "This booking did not finish" in told.get_data(as_text=True)
    assert client.get(sent.headers["Location"], headers={"HX-Request": "true"}).headers["HX-Refresh"] == "true"
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
