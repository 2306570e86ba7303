"""The customer's side through HTTP as a browser without JavaScript drives it: a visitor
books and signs in or registers on the way, the review step, the month calendar's
buttons, what each office offers, error pages, the way back after signing in, and
cancelling only after a confirming page."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

import app.web.customer.views as views
from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.inputs import FieldAnswer
from app.domain.models import Booking, OutboxMessage, User
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit
from tests.web.admin.conftest import booked, login_as  # noqa: F401  (booked is a fixture)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    monkeypatch.setattr(views, "now", lambda: NOW)


@pytest.fixture
def shop(session):
    brooklyn = b.location(session, name="Brooklyn office")
    berlin = b.location(session, "Europe/Berlin", name="Berlin office", is_default=False, currency="EUR")
    clean = b.service(session, brooklyn, name="Standard clean", max_days_ahead=400, description="Kitchen and floors.")
    workshop = b.service(session, berlin, name="Cleaning workshop", price=Decimal("25.00"), max_days_ahead=400)
    clean.locations.append(berlin)
    fridge = b.extra(session, [clean], name="Inside the fridge", price=Decimal("25.00"), minutes=30, max_quantity=2)
    b.agent(session, [clean], brooklyn, name="Alex Agent")
    b.agent(session, [clean, workshop], berlin, name="Berta Agent", email="berta@example.com")
    door = b.field(session, [clean], "single_line", "How do we get in?", required=True)
    b.frequency(session, "One time", None, 1, "0")
    session.commit()
    return {"clean": clean.id, "workshop": workshop.id, "fridge": fridge.id, "door": door.id, "brooklyn": brooklyn.id, "berlin": berlin.id}


def page_of(client, url: str) -> tuple[str, str, str]:
    html = client.get(url).get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    return html, csrf_from(html), nonce


def choices(shop, **over) -> dict[str, str]:
    values = {"services": str(shop["clean"]), f"extra-{shop['clean']}-{shop['fridge']}": "1", "date": "2026-11-24", "time": "10:00",
              "agent_id": "any", "payment_method": "cash", f"field-{shop['door']}": "Code 4417", "address": "12 Elm St"}
    return values | over


def new_account(**over) -> dict[str, str]:
    return {"account": "new", "account_first_name": "Robin", "account_last_name": "Reyes", "account_email": "robin@example.com"} | over


def confirmation_link(session, email: str) -> str:
    """The path of the link the confirmation e-mail to `email` carries."""
    link = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.topic == "account.confirm",
                                                              OutboxMessage.recipient == email)).one()["link"]
    return link[link.index("/register/confirm/"):]


# --- a visitor books --------------------------------------------------------------------------


def test_a_visitor_registers_at_the_details_step_confirms_the_address_reviews_and_books(app, client, session, shop):
    html, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    assert "Kitchen and floors." in html and "about 1 h" in html  # description and duration in the form
    sent = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review", **choices(shop), **new_account()})
    assert sent.status_code == 303 and sent.headers["Location"] == "/register/sent"
    assert session.scalars(select(User)).first() is None and session.scalars(select(Booking)).first() is None
    # The link is opened on another device (a phone's mail app): the choices come with it.
    phone = app.test_client()
    link = confirmation_link(session, "robin@example.com")
    confirm = phone.get(link).get_data(as_text=True)
    made = phone.post(link, data={"csrf_token": csrf_from(confirm), "password": "correct-horse", "confirm": "correct-horse"})
    assert made.status_code == 302 and made.headers["Location"] == "/book?resume=1"
    review = phone.get(made.headers["Location"])
    page = review.get_data(as_text=True)
    assert review.status_code == 200 and "Review your booking" in page and "Booking as Robin Reyes (robin@example.com)" in page
    for text in ("Standard clean", "Inside the fridge × 1", "$25.00", "$125.00", "How do we get in?", "Code 4417", "EST", "12 Elm St"):
        assert text in page
    assert session.scalars(select(Booking)).first() is None  # nothing booked by reviewing
    booked = phone.post("/book", data={"csrf_token": csrf_from(page), "nonce": nonce, "action": "book",
                                       **choices(shop, expected_total="125.00")})
    assert booked.status_code == 303 and "/confirmation" in booked.headers["Location"]
    booking = session.scalars(select(Booking)).one()
    assert booking.customer.email == "robin@example.com" and booking.customer.first_name == "Robin"
    assert "Standard clean" in phone.get("/bookings").get_data(as_text=True)
    # A second visit of the resume address shows the plain form: the choices were used once.
    assert "Review your booking" not in phone.get("/book?resume=1").get_data(as_text=True)


def test_a_form_too_long_to_carry_in_the_link_comes_back_as_a_fresh_form(app, client, session, shop):
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    long_note = "n" * (accounts.MAX_RESUME + 1)
    sent = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review", **choices(shop),
                                      "customer_notes": long_note, **new_account()})
    assert sent.status_code == 303
    link = confirmation_link(session, "robin@example.com")
    confirm = client.get(link).get_data(as_text=True)
    made = client.post(link, data={"csrf_token": csrf_from(confirm), "password": "correct-horse", "confirm": "correct-horse"})
    page = client.get(made.headers["Location"])
    assert page.status_code == 200 and "Book a service" in page.get_data(as_text=True) and long_note not in page.get_data(as_text=True)


def test_a_visitor_with_an_account_signs_in_inline(client, session, shop):
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    wrong = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review", **choices(shop), "account": "existing",
                                       "account_email": "casey@example.com", "account_password": "nope-nope"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "The e-mail or password is not correct." in html
    assert 'value="Code 4417"' in html and 'id="day-2026-11-24"' in html  # every choice kept
    right = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review", **choices(shop), "account": "existing",
                                       "account_email": "casey@example.com", "account_password": "correct-horse"})
    assert right.status_code == 200 and "Booking as Casey C (casey@example.com)" in right.get_data(as_text=True)


def test_the_inline_sign_in_is_under_the_login_throttle(app, client, session, shop):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "2 per hour"
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")

    def sign_in(password):
        return client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review", **choices(shop), "account": "existing",
                                          "account_email": "casey@example.com", "account_password": password})

    assert [sign_in(f"guess-{i}").status_code for i in range(2)] == [422, 422]
    refused = sign_in("correct-horse")  # the guesser is stopped even with the right password
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Booking as" not in refused.get_data(as_text=True)


def test_a_taken_e_mail_gets_the_same_answer_and_a_sign_in_link_that_brings_the_choices_back(client, session, shop):
    accounts.register_customer(session, email="robin@example.com", password="correct-horse", first_name="R", last_name="R", now=NOW)
    session.commit()
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    response = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review", **choices(shop), **new_account()})
    assert response.status_code == 303 and response.headers["Location"] == "/register/sent"
    assert session.scalars(select(User)).one().first_name == "R"
    reminder = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "account.exists")).one()
    login = re.search(r"http://portal\.test(/login\S*)", reminder.body).group(1)
    signed_in = submit(client, login, {"email": "robin@example.com", "password": "correct-horse"})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/book?resume=1"
    page = client.get("/book?resume=1").get_data(as_text=True)
    assert "Review your booking" in page and "Code 4417" in page and "12 Elm St" in page


def test_a_visitor_must_give_an_email_even_with_a_phone(client, session, shop):
    """Phone-only customers are for staff bookings (issue 22): the customer's own form
    keeps asking for an e-mail, and nothing is written or sent without one."""
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    response = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review",
                                          **choices(shop, phone="201-555-0101"), **new_account(account_email="")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="account_email-error"' in html and "Enter your e-mail address." in html
    assert session.scalars(select(User)).first() is None and session.scalars(select(OutboxMessage)).first() is None


def test_the_review_refuses_what_is_missing_with_an_error_summary(client, shop):
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    response = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": "review",
                                          **choices(shop, time="", **{f"field-{shop['door']}": ""}), **new_account(account_first_name="")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = html[html.index('class="error-summary"'):html.index("</div>", html.index('class="error-summary"'))]
    assert 'autofocus' in html[html.index('<div class="error-summary"'):html.index('class="error-summary"') + 200]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert len(links) == 3 and links[0][0].startswith("time-") and "Pick a start time." in links[0][1]  # in page order
    assert links[1][0] == f"field-{shop['door']}" and links[2] == ("account_first_name", "Enter your first name.")
    assert f'id="field-{shop["door"]}"' in html and 'aria-invalid="true"' in html
    assert "<title>Error:" in html


def test_staff_cannot_use_the_customer_form(client, session, shop):
    accounts.create_user(session, email="sam@example.com", password="correct-horse", role="admin", first_name="Sam", last_name="S", now=NOW)
    session.commit()
    submit(client, "/login", {"email": "sam@example.com", "password": "correct-horse"})
    assert client.get("/book").status_code == 403


# --- the calendar -----------------------------------------------------------------------------


def test_the_default_day_is_the_first_with_free_times_and_month_buttons_work_without_javascript(client, session, shop):
    html, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    # NOW is Monday noon in New York: Monday still has afternoon times.
    assert re.search(r'id="day-2026-11-23" value="2026-11-23"\s+checked', html)
    assert re.search(r'value="2026-11-22"\s+disabled', html)  # yesterday
    later = client.post("/book", data={"csrf_token": token, "nonce": nonce, "services": str(shop["clean"]), "date": "2026-11-23",
                                       "month": "2026-12", "shown_month": "2026-11"})
    page = later.get_data(as_text=True)
    assert "December 2026" in page and 'name="date" value="2026-11-23"' in page  # the chosen day rides along
    jump = client.post("/book", data={"csrf_token": token, "nonce": nonce, "services": str(shop["clean"]), "date": "2026-11-23",
                                      "action": "next_available"})
    assert re.search(r'id="day-2026-11-24" value="2026-11-24"\s+checked', jump.get_data(as_text=True))


@pytest.mark.parametrize("month", ["9999-99", "2026-1", "²⁰²⁶-11", "0000-01", "2026-13", "x" * 500])
def test_a_bad_month_is_ignored(client, shop, month):
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    response = client.post("/book", data={"csrf_token": token, "nonce": nonce, "services": str(shop["clean"]), "month": month,
                                          "shown_month": month, "date": month})
    assert response.status_code == 200 and "November 2026" in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30"])
@pytest.mark.parametrize("action", ["refresh", "next_available", "review"])
def test_days_at_the_ends_of_the_calendar_are_answered_not_crashed_on(client, shop, day, action):
    _, token, nonce = page_of(client, f"/book?service={shop['clean']}")
    response = client.post("/book", data={"csrf_token": token, "nonce": nonce, "action": action, **choices(shop, date=day), **new_account()})
    assert response.status_code in (200, 422)


# --- what each office offers -----------------------------------------------------------------


def test_each_office_offers_only_its_agents_and_the_services_someone_does_there(client, shop):
    brooklyn = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert "Alex Agent" in brooklyn and "Berta Agent" not in brooklyn
    assert "Cleaning workshop" not in brooklyn
    berlin = client.get(f"/book?service={shop['workshop']}").get_data(as_text=True)
    assert re.search(rf'<option value="{shop["berlin"]}" selected>', berlin)  # opened at the office that does it
    assert "Cleaning workshop" in berlin and "Berta Agent" in berlin and "Alex Agent" not in berlin
    assert "€" in berlin and "$" not in berlin.split('id="booking-form"')[1].split("</form>")[0]


# --- signing in, error pages, cancelling --------------------------------------------------------


def test_signing_in_returns_to_the_page_the_customer_was_going_to(client, session, shop):
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    asked = client.get("/bookings")
    assert asked.status_code == 302 and "next=%2Fbookings" in asked.headers["Location"]
    response = submit(client, "/login?next=/bookings", {"email": "casey@example.com", "password": "correct-horse"})
    assert response.headers["Location"] == "/bookings"


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/", "\t//evil.example",
                                    "javascript:alert(1)", "/ok\x00", "/\r\nLocation: //evil.example"])
def test_signing_in_never_leaves_the_site(client, session, shop, target):
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    page = client.get("/login")
    response = client.post("/login", query_string={"next": target},
                           data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": "casey@example.com", "password": "correct-horse"})
    if "\x00" in target:  # control characters are refused at the edge (app/edge.py) before any view runs
        assert response.status_code == 400 and "Location" not in response.headers
    else:
        assert response.headers["Location"] == "/"


def test_the_log_in_link_carries_the_page_to_come_back_to(client, shop):
    html = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert f'href="/login?next=/book?service%3D{shop["clean"]}"' in html or "/login?next=%2Fbook" in html


def test_error_pages_use_the_site_layout_and_the_api_keeps_json(app, client, session, shop):
    def boom():
        raise RuntimeError("kaput")

    app.add_url_rule("/boom", "boom", boom)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    assert 'href="/"' in missing.get_data(as_text=True) and 'rel="icon"' in missing.get_data(as_text=True)
    wrong_method = client.get("/logout")
    assert wrong_method.status_code == 405 and "not possible here" in wrong_method.get_data(as_text=True)
    assert "POST" in wrong_method.headers["Allow"]
    too_large = client.post("/login", data={"email": "x" * 5000})
    assert too_large.status_code == 413 and "too large" in too_large.get_data(as_text=True)
    failed = client.get("/boom")
    assert failed.status_code == 500 and "something went wrong on our side" in failed.get_data(as_text=True)
    assert "Go to the home page" in failed.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.is_json and api.get_json()["error"]["code"] == "not_found"


def test_the_favicon_is_served(client, shop):
    assert client.get("/favicon.ico").status_code == 200
    assert client.get("/static/favicon.svg").mimetype == "image/svg+xml"


def test_cancelling_asks_first(client, session, shop):
    accounts.register_customer(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    session.commit()
    user = session.scalars(select(User)).one()
    request = b.request(shop["clean"], day="2026-12-08", at="10:00", customer_id=user.id, address="12 Elm St",
                        custom_fields=[FieldAnswer(shop["door"], value="Code 4417")])
    booking = create_booking(session, request, actor=b.customer_actor(user), now=NOW).booking
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    detail = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f'href="/bookings/{booking.id}/cancel"' in detail and "<form" not in detail.split("Cancel booking")[0].split("actions")[-1]
    ask = client.get(f"/bookings/{booking.id}/cancel")
    assert ask.status_code == 200 and "Cancel this booking?" in ask.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booking.id).status != "cancelled"
    done = client.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": csrf_from(ask.get_data(as_text=True)), "scope": "this"})
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"


def test_customer_pages_take_hostile_ids_in_the_query(client, booked):
    login_as(client, "customer")
    for url in ("/book?service=%C2%B2", "/book?service=99999999999999999999", "/book/slots?services=%C2%B2&date=9999-12-31",
                "/bookings?page=%C2%B2"):
        assert client.get(url).status_code < 500, url
    assert client.get("/book?again=%C2%B2").status_code == 404
