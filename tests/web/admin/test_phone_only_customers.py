"""Staff book a customer who has no e-mail, only a phone (issue 22): no account, no
e-mails to them, the office still hears of it, and every page shows the phone instead."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.domain.models import Booking, OutboxMessage, Payment, User
from app.worker import deliver_email
from tests.conftest import NOW
from tests.mailbox import smtp_server  # noqa: F401 - the fixture
from tests.web.admin.conftest import DAY, login_as
from tests.web.helpers import csrf_from

OFFICE = "office@example.com"
LEE = {"customer_first_name": "Lee", "customer_last_name": "Park", "customer_email": "", "phone": "201-555-0101"}


@pytest.fixture
def config(config, smtp_server):  # noqa: F811 - extends the suite's config
    _, port = smtp_server
    return {**config, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "OFFICE_EMAIL": OFFICE}


def book(client, booked, customer: dict[str, str], *, time: str, nonce: str):
    form = client.get("/admin/bookings/new").get_data(as_text=True)
    return client.post("/admin/bookings/new", data={
        "csrf_token": csrf_from(form), "nonce": nonce, "services": str(booked.service_id), "date": DAY, "time": time,
        "agent_id": "any", "payment_method": "cash", "address": "1 Main St", "action": "book", **customer})


def test_staff_book_a_phone_only_customer_who_gets_no_mail_while_the_office_does(app, client, booked, session, smtp_server):  # noqa: F811
    inbox, _ = smtp_server
    deliver_email(app, lambda: NOW)  # the fixture's own booking's messages first
    earlier = len(inbox.messages)
    login_as(client, "staff")
    made = book(client, booked, LEE, time="13:00", nonce="n-1")
    assert made.status_code == 303, made.get_data(as_text=True)
    lee = session.scalars(select(User).where(User.first_name == "Lee")).one()
    assert (lee.email, lee.phone, lee.password_hash, lee.role) == (None, "+12015550101", None, "customer")
    booking = session.scalars(select(Booking).where(Booking.customer_id == lee.id)).one()

    # The outbox has the staff copies (the agent and the office), nothing for Lee.
    queued = session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.booking_id == booking.id)).all()
    agent = booking.agent.email
    assert sorted(queued) == sorted([agent, OFFICE])
    deliver_email(app, lambda: NOW)
    assert inbox.wait_for(earlier + 2)
    delivered = {m["To"]: m for m in inbox.parsed()[earlier:]}
    assert sorted(address for envelope in inbox.envelopes[earlier:] for address in envelope) == sorted([agent, OFFICE])
    office_copy = delivered[OFFICE]
    text, html = office_copy.get_body(("plain",)).get_content(), office_copy.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Lee Park" in body and ("+12015550101" in body or "(201) 555-0101" in body)
        assert "None" not in body and "mailto:\"" not in body and "<>" not in body

    # Every page that names the customer shows the phone, never "None".
    pages = {
        "panel": client.get(made.headers["Location"]),
        "table": client.get(f"/admin/bookings?from={DAY}&to={DAY}"),
        "record": client.get(f"/admin/customers/{lee.id}"),
        "search": client.get("/admin/customers/search?customer_q=Lee"),
        "phone search": client.get("/admin/bookings?q=555-0101"),
    }
    for name, page in pages.items():
        html = page.get_data(as_text=True)
        assert page.status_code == 200, name
        assert "Lee Park" in html and ("(201) 555-0101" in html or "+12015550101" in html), name
        assert "None" not in html, name
    assert booking.booking_code in pages["phone search"].get_data(as_text=True)

    rows = list(csv.DictReader(io.StringIO(client.get(f"/admin/bookings.csv?from={DAY}&to={DAY}").get_data(as_text=True))))
    lee_row = next(row for row in rows if row["booking_code"] == booking.booking_code)
    assert (lee_row["customer"], lee_row["email"], lee_row["phone"]) == ("Lee Park", "", "'+12015550101")  # spreadsheet-safe


def test_the_same_phone_and_name_book_into_the_same_customer(client, booked, session):
    login_as(client, "staff")
    assert book(client, booked, LEE, time="13:00", nonce="n-1").status_code == 303
    # The same person calls again, the number written another way and the name in other case.
    again = LEE | {"customer_first_name": "LEE", "customer_last_name": "park", "phone": "(201) 555 0101"}
    assert book(client, booked, again, time="15:00", nonce="n-2").status_code == 303
    # Someone else on the same line (a family's phone) is a customer of their own.
    other = LEE | {"customer_first_name": "Sam"}
    assert book(client, booked, other, time="16:00", nonce="n-3").status_code == 303
    phone_only = session.scalars(select(User).where(User.email.is_(None)).order_by(User.id)).all()
    assert [(u.first_name, u.last_name, u.phone) for u in phone_only] == [("Lee", "Park", "+12015550101"), ("Sam", "Park", "+12015550101")]
    lee, sam = phone_only
    assert session.query(Booking).filter_by(customer_id=lee.id).count() == 2
    assert session.query(Booking).filter_by(customer_id=sam.id).count() == 1


def test_without_an_email_the_phone_is_required_and_must_be_a_number(client, booked, session):
    login_as(client, "staff")
    before = session.query(User).count(), session.query(Booking).count()
    neither = book(client, booked, LEE | {"phone": ""}, time="13:00", nonce="n-1")
    html = neither.get_data(as_text=True)
    assert neither.status_code == 422 and 'id="customer_email-error"' in html and "Give an e-mail or a phone number." in html
    nonsense = book(client, booked, LEE | {"phone": "call me"}, time="13:00", nonce="n-2")
    assert nonsense.status_code == 422 and 'id="phone-error"' in nonsense.get_data(as_text=True)
    assert (session.query(User).count(), session.query(Booking).count()) == before


def test_a_phone_only_customer_cannot_be_charged_by_card(app, client, booked, session):
    """A card is saved with Stripe under the customer's e-mail: without one, staff are told
    so (not "no card saved") and nothing is charged."""
    app.config.update(STRIPE_SECRET_KEY="sk_test_phone_only", STRIPE_PUBLISHABLE_KEY="pk_test_phone_only")
    login_as(client, "admin")
    made = book(client, booked, LEE, time="13:00", nonce="n-1")
    assert made.status_code == 303
    panel = client.get(made.headers["Location"]).get_data(as_text=True)
    refused = client.post(f"{made.headers['Location']}/payment/balance", data={"csrf_token": csrf_from(panel)})
    assert refused.status_code == 303 and refused.headers["Location"] == made.headers["Location"]
    html = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Not done: Paying by card needs the customer&#39;s e-mail address" in html
    assert session.query(Payment).count() == 0


def test_the_customer_lists_and_edit_form_show_no_none(client, booked, session):
    login_as(client, "admin")
    assert book(client, booked, LEE, time="13:00", nonce="n-1").status_code == 303
    lee = session.scalars(select(User).where(User.first_name == "Lee")).one()
    for url in ("/admin/manage/customers", f"/admin/manage/customers/{lee.id}"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Lee" in html and "None" not in html, url
