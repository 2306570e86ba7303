"""The booking form's "text me" box: a customer who ticks it gets texts about that
booking (and their account's consent follows); unticked, the booking gets none; ticked
without a mobile number, the form says so at the box and books nothing."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.domain import accounts
from app.domain.models import Booking, User
from tests import builders as b
from tests.conftest import DAY, NOW
from tests.web.helpers import csrf_from, submit


def setup_shop(session, phone=""):
    loc = b.location(session)
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    b.agent(session, [svc], loc)
    once = b.frequency(session, "One time", None, 1, "0")
    user = accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", last_name="C", now=NOW)
    user.phone = phone
    session.commit()
    return svc, once


def book(client, svc, once, **extra):
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    html = client.get(f"/book?service={svc.id}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    values = {"services": str(svc.id), "frequency_id": str(once.id), "date": DAY, "time": "10:00", "agent_id": "any",
              "address": "1 Elm St", "payment_method": "cash", "tip": "", "customer_notes": "", "action": "book", "sms_choice": "1"}
    return html, client.post("/book", data={"csrf_token": csrf_from(html), "nonce": nonce, **values, **extra})


def test_ticking_text_me_turns_texts_on_for_the_booking_and_the_account(client, session):
    svc, once = setup_shop(session, phone="+12015550100")
    html, answer = book(client, svc, once, sms_notifications="1")
    assert 'name="sms_notifications"' in html and "Text me the confirmation and a reminder" in html
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    session.expire_all()
    booking = session.scalars(select(Booking)).one()
    assert booking.sms_notifications and session.scalars(select(User)).one().sms_notifications


def test_unticked_the_booking_gets_no_texts(client, session):
    svc, once = setup_shop(session, phone="+12015550100")
    _, answer = book(client, svc, once)
    assert answer.status_code == 303
    session.expire_all()
    assert not session.scalars(select(Booking)).one().sms_notifications


def test_ticked_without_a_number_is_refused_at_the_box(client, session):
    svc, once = setup_shop(session)
    _, answer = book(client, svc, once, sms_notifications="1", phone="")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "Give a mobile number to get text messages." in page
    assert re.search(r'id="sms_notifications"[^>]*aria-invalid="true"', page)
    assert session.scalar(select(func.count(Booking.id))) == 0
