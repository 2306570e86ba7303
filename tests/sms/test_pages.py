"""Texts on the pages: the customer's profile and message preferences show and change
their number and consent; the back office's customer record and booking panel show the
number, the consent and every text, and staff can send one again; every form that
takes a phone refuses one that cannot take texts, on the field."""
from __future__ import annotations

from sqlalchemy import select

from app.domain import accounts
from app.domain.models import Booking, SmsMessage, User
from tests import builders as b
from tests.conftest import NOW
from tests.sms.conftest import MOBILE, book, deliver
from tests.web.helpers import submit

PASSWORD = "correct-horse"


def log_in(client, email):
    assert submit(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302


def customer_account(session, phone=MOBILE, sms=True):
    user = accounts.create_user(session, email="dana@example.com", password=PASSWORD, first_name="Dana", last_name="Lee",
                                phone=phone, now=NOW)
    user.sms_notifications = sms
    session.commit()
    return user


def staff_account(session):
    return accounts.create_user(session, email="staff@example.com", password=PASSWORD, role="staff", first_name="Sam", now=NOW)


def test_the_profile_shows_the_number_in_national_format_and_refuses_one_that_cannot_take_texts(client, session, setup):
    user = customer_account(session, sms=False)
    log_in(client, "dana@example.com")
    page = client.get("/profile").get_data(as_text=True)
    assert 'value="(201) 555-0123"' in page and "Send me text messages about my bookings" in page
    details = {"first_name": "Dana", "last_name": "Lee", "phone": "555-0100", "sms_notifications": "y"}
    refused = submit(client, "/profile", details)
    assert refused.status_code == 422 and "This is not a valid phone number" in refused.get_data(as_text=True)
    landline = submit(client, "/profile", details | {"phone": "+49 30 5550 1234"})
    assert landline.status_code == 422 and "cannot receive text messages" in landline.get_data(as_text=True)
    no_number = submit(client, "/profile", details | {"phone": ""})
    assert no_number.status_code == 422 and "Give a mobile number to get text messages." in no_number.get_data(as_text=True)
    assert submit(client, "/profile", details | {"phone": "201 555 0177"}).status_code == 302
    session.expire_all()
    saved = session.get(User, user.id)
    assert (saved.phone, saved.sms_notifications) == ("+12015550177", True)
    assert 'value="(201) 555-0177"' in client.get("/profile").get_data(as_text=True)


def test_registration_refuses_a_number_that_cannot_take_texts(client, session, setup):
    form = {"first_name": "Ray", "last_name": "Ng", "email": "ray@example.com", "password": "long-enough-1", "confirm": "long-enough-1",
            "phone": "555-0100"}
    refused = submit(client, "/register", form)
    assert refused.status_code == 422 and "This is not a valid phone number" in refused.get_data(as_text=True)
    assert session.scalars(select(User).where(User.email == "ray@example.com")).first() is None


def test_texts_are_turned_on_and_off_on_the_preferences_page(client, session, setup):
    user = customer_account(session, sms=False)
    log_in(client, "dana@example.com")
    page = client.get("/profile/messages").get_data(as_text=True)
    assert "We text (201) 555-0123" in page and "Also send them to my mobile as text messages" in page
    assert submit(client, "/profile/messages", {"notify_reminders": "y", "sms_notifications": "y"}).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).sms_notifications is True
    assert submit(client, "/profile/messages", {"notify_reminders": "y"}).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).sms_notifications is False


def test_texts_need_a_number_first(client, session, setup):
    customer_account(session, phone="", sms=False)
    log_in(client, "dana@example.com")
    assert "Add your mobile number on" in client.get("/profile/messages").get_data(as_text=True)
    refused = submit(client, "/profile/messages", {"sms_notifications": "y"})
    assert refused.status_code == 422 and "Add your mobile number on your profile first." in refused.get_data(as_text=True)


def test_the_customer_record_shows_number_consent_and_texts(app, client, session, factory, setup, twilio):
    _, svc, _ = setup
    dana = customer_account(session)
    staff_account(session)
    book(session, svc, dana)
    deliver(app, factory)
    log_in(client, "staff@example.com")
    page = client.get(f"/admin/manage/customers/{dana.id}").get_data(as_text=True)
    texts = page.split('<section class="texts"')[1]
    assert "(201) 555-0123" in texts and "wants texts" in texts
    assert "Confirmation" in texts and "sent · queued" in texts and "1 segment, GSM-7" in texts
    # The form shows the stored number as people write it, and refuses a bad one on the field.
    assert 'value="(201) 555-0123"' in page and 'type="tel"' in page
    form = {"first_name": "Dana", "last_name": "Lee", "email": "dana@example.com", "phone": "555-0100", "sms_notifications": "1"}
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(f"/admin/manage/customers/{dana.id}", data={"csrf_token": token, **form})
    assert refused.status_code == 422 and "This is not a valid phone number" in refused.get_data(as_text=True)
    saved = client.post(f"/admin/manage/customers/{dana.id}", data={"csrf_token": token, **form, "phone": "+49 151 23456789"})
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(User, dana.id).phone == "+4915123456789"


def test_the_booking_panel_notes_each_text_and_staff_can_send_one_again(app, client, session, factory, setup, twilio):
    _, svc, _ = setup
    dana = customer_account(session)
    staff_account(session)
    booking = book(session, svc, dana)
    deliver(app, factory)
    log_in(client, "staff@example.com")
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    assert "wants texts" in panel and "Confirmation" in panel
    history = panel.split("<h3>History</h3>")[1]
    assert "Text sent" in history and f"confirmation text to {MOBILE}" in history
    token = panel.split('name="csrf_token" value="')[1].split('"')[0]
    again = client.post(f"/admin/bookings/{booking.id}/texts", data={"csrf_token": token, "kind": "reminder"}, follow_redirects=True)
    assert "The reminder text is queued again." in again.get_data(as_text=True)
    assert client.post(f"/admin/bookings/{booking.id}/texts", data={"kind": "reminder"}).status_code == 400  # CSRF
    rows = session.scalars(select(SmsMessage).where(SmsMessage.booking_id == booking.id).order_by(SmsMessage.id)).all()
    assert [(r.topic, r.requested_by) for r in rows] == [("booking.created", ""), ("booking.reminder", "Sam <staff@example.com>")]
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    assert "Text sent again" in panel
    # Without consent there is nothing to resend: the form is not offered and a post is refused.
    session.get(Booking, booking.id).sms_notifications = False
    session.commit()
    panel = client.get(f"/admin/bookings/{booking.id}").get_data(as_text=True)
    assert "Send a text again" not in panel and "no texts" in panel
    refused = client.post(f"/admin/bookings/{booking.id}/texts", data={"csrf_token": token, "kind": "reminder"}, follow_redirects=True)
    assert "has not asked for text messages" in refused.get_data(as_text=True)


def test_the_location_country_reads_numbers_without_a_country_code(client, session, setup):
    loc, _, _ = setup
    loc.country = "DE"
    session.commit()
    user = customer_account(session, phone="0151 23456789", sms=False)
    assert user.phone == "+4915123456789"


def test_a_number_saved_before_numbers_were_checked_is_kept_until_it_is_changed(app, client, session, setup):
    user = customer_account(session, sms=False)
    user.phone = "555-0100"  # written before issue 24
    session.commit()
    staff_account(session)
    log_in(client, "dana@example.com")
    kept = submit(client, "/profile", {"first_name": "Dana", "last_name": "Lee", "phone": "555-0100", "city": "Queens"})
    assert kept.status_code == 302
    changed = submit(client, "/profile", {"first_name": "Dana", "last_name": "Lee", "phone": "555-0101"})
    assert changed.status_code == 422
    client = app.test_client()
    log_in(client, "staff@example.com")
    page = client.get(f"/admin/manage/customers/{user.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "first_name": "Dana", "last_name": "Lee", "email": "dana@example.com", "phone": "555-0100"}
    assert client.post(f"/admin/manage/customers/{user.id}", data=form | {"city": "Bronx"}).status_code == 303
    wants = client.post(f"/admin/manage/customers/{user.id}", data=form | {"phone": "", "sms_notifications": "1"})
    assert wants.status_code == 422 and "Give a mobile number to get text messages." in wants.get_data(as_text=True)
    session.expire_all()
    assert (session.get(User, user.id).phone, session.get(User, user.id).city) == ("555-0100", "Bronx")
