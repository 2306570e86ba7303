"""Twilio's status callbacks and inbound replies, signed by the SDK's own
RequestValidator: checked, idempotent, in order; STOP turns texts off."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.domain.models import Booking, BookingEvent, SmsMessage, User
from tests import builders as b
from tests.conftest import NOW
from tests.sms.conftest import MOBILE, PUBLIC, book, deliver, signed

STATUS_URL = f"{PUBLIC}/sms/twilio/status"
INBOUND_URL = f"{PUBLIC}/sms/twilio/inbound"


def report(client, sid, status, *, error="", url=STATUS_URL, headers=None):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1", "To": MOBILE}
    if error:
        params["ErrorCode"] = error
    return client.post("/sms/twilio/status", data=params, headers=headers or signed(url, params))


def reply(client, body, sender=MOBILE, *, headers=None):
    params = {"MessageSid": "SMreply1", "From": sender, "To": "+12015550199", "Body": body, "AccountSid": "AC1"}
    return client.post("/sms/twilio/inbound", data=params, headers=headers or signed(INBOUND_URL, params))


def sent_text(app, session, factory, svc, customer):
    book(session, svc, customer)
    deliver(app, factory)
    session.expire_all()
    return session.scalars(select(SmsMessage)).one()


def test_delivery_reports_are_recorded_once_and_never_go_backwards(app, client, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    text = sent_text(app, session, factory, svc, casey)
    assert report(client, text.provider_id, "sent").status_code == 204
    assert report(client, text.provider_id, "delivered").status_code == 204
    assert report(client, text.provider_id, "delivered").status_code == 204  # Twilio may send it again
    assert report(client, text.provider_id, "sent").status_code == 204       # a late, older report
    session.expire_all()
    row = session.get(SmsMessage, text.id)
    assert (row.delivery_status, row.delivery_error) == ("delivered", "")


def test_an_undelivered_report_keeps_twilios_error_code(app, client, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    text = sent_text(app, session, factory, svc, casey)
    assert report(client, text.provider_id, "undelivered", error="30003").status_code == 204
    session.expire_all()
    assert (session.get(SmsMessage, text.id).delivery_status, session.get(SmsMessage, text.id).delivery_error) == ("undelivered", "30003")


def test_unsigned_or_wrongly_signed_callbacks_are_refused(app, client, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    text = sent_text(app, session, factory, svc, casey)
    params = {"MessageSid": text.provider_id, "MessageStatus": "failed"}
    assert client.post("/sms/twilio/status", data=params).status_code == 403
    assert client.post("/sms/twilio/status", data=params, headers=signed(STATUS_URL, params, token="another-token")).status_code == 403
    # Signed for another URL (the request's Host is never trusted for the check).
    assert client.post("/sms/twilio/status", data=params, headers=signed("http://portal.test/sms/twilio/status", params)).status_code == 403
    # A field changed after signing.
    headers = signed(STATUS_URL, params)
    assert client.post("/sms/twilio/status", data=params | {"MessageStatus": "delivered"}, headers=headers).status_code == 403
    session.expire_all()
    assert session.get(SmsMessage, text.id).delivery_status == "queued"


def test_a_report_for_an_unknown_text_or_without_fields_changes_nothing(client):
    assert report(client, "SMunknown", "delivered").status_code == 204
    params = {"MessageStatus": "delivered"}
    assert client.post("/sms/twilio/status", data=params, headers=signed(STATUS_URL, params)).status_code == 400


def test_stop_turns_texts_off_for_the_customer_and_their_bookings_to_come(app, client, session, factory, setup, casey, twilio):
    _, svc, _ = setup
    booking = book(session, svc, casey)
    version = booking.version
    answer = reply(client, " stop ")
    assert answer.status_code == 200 and answer.mimetype == "text/xml" and "<Response></Response>" in answer.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, casey.id).sms_notifications is False
    assert session.get(Booking, booking.id).sms_notifications is False
    # A change to the booking like any other: a new version and a line in its history.
    assert session.get(Booking, booking.id).version == version + 1
    event = session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id.desc())).first()
    assert (event.actor_label, event.changes) == ("Text messages (STOP reply)", {"sms_notifications": [True, False]})
    # The confirmation still waiting is not sent, and nothing new is queued.
    assert deliver(app, factory).failed == 1 and twilio.requests == []
    book(session, svc, session.get(User, casey.id), at="13:00")
    assert session.scalars(select(SmsMessage)).all()[-1].status == "failed"
    assert len(session.scalars(select(SmsMessage)).all()) == 1
    # Twilio may deliver the same reply again: nothing changes.
    assert reply(client, "STOP").status_code == 200
    session.expire_all()
    assert session.get(User, casey.id).sms_notifications is False


def test_other_replies_and_unsigned_stops_change_nothing(client, session, casey):
    assert reply(client, "Thanks, see you then!").status_code == 200
    params = {"From": MOBILE, "Body": "STOP"}
    assert client.post("/sms/twilio/inbound", data=params).status_code == 403
    assert reply(client, "STOP", sender="+12015550999").status_code == 200  # nobody has that number
    session.expire_all()
    assert session.get(User, casey.id).sms_notifications is True


def test_webhooks_are_refused_when_twilio_is_not_set_up(app, client):
    app.config["TWILIO_AUTH_TOKEN"] = ""
    params = {"MessageSid": "SM1", "MessageStatus": "sent"}
    assert client.post("/sms/twilio/status", data=params, headers=signed(STATUS_URL, params, token="")).status_code == 403


def test_a_staff_resend_queues_the_text_again_and_notes_it(app, session, factory, setup, casey, twilio):
    from app.domain.sms import TextsOff, resend_text

    _, svc, _ = setup
    booking = book(session, svc, casey)
    deliver(app, factory)
    again = resend_text(session, booking.id, "confirmation", actor=b.STAFF, now=NOW + timedelta(hours=1))
    assert again.requested_by == "Test Staff"
    assert deliver(app, factory, now=NOW + timedelta(hours=1)).sent == 1
    assert len(twilio.messages) == 2
    session.get(User, casey.id).sms_notifications = False
    session.commit()
    try:
        resend_text(session, booking.id, "reminder", actor=b.STAFF, now=NOW)
    except TextsOff as refused:
        assert "not asked for text messages" in refused.message
    else:
        raise AssertionError("a resend without consent must be refused")
