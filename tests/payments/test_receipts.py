"""Receipts in the booking e-mails, read from a real SMTP server on loopback: the
confirmation says what was paid (amount, card brand and last four, when), what is due
later and the fees the card answers for; a refund sends its own e-mail, and the
cancellation lists the refund. Bookings are made and cancelled through the customer API
against localstripe; the worker delivers the mail and makes the queued refund."""
from __future__ import annotations

import threading
from email.message import EmailMessage

import pytest

from app.domain import payments
from app.domain.models import AmountType, PaymentMode
from app.worker import run_worker
from tests.api.conftest import catalog, customer_api, launch27_body  # noqa: F401
from tests.conftest import NOW
from tests.mailbox import smtp_server  # noqa: F401 - the fixture
from tests.payments.test_api import save_a_card


@pytest.fixture
def config(config, smtp_server):  # noqa: F811 - extends the payments config
    return config | {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server[1],
                     "PUBLIC_URL": "https://book.example.com", "OFFICE_EMAIL": "office@example.com"}


@pytest.fixture
def deposit(session, catalog):
    payments.save_policy(session, service_id=catalog["service"], values={
        "mode": PaymentMode.DEPOSIT, "deposit_type": AmountType.FIXED, "deposit_value": "25",
        "late_cancel_fee_type": AmountType.PERCENT, "late_cancel_fee_value": "50",
        "no_show_fee_type": AmountType.FIXED, "no_show_fee_value": "30"})
    session.commit()
    return catalog


def deliver(app) -> None:
    """Two rounds of the worker: the mail, then the refund the cancellation queued, then its mail."""
    run_worker(app, threading.Event(), interval=0, clock=lambda: NOW, rounds=2)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def to_customer(inbox, subject_start: str) -> list[EmailMessage]:
    return [m for m in inbox.parsed() if m["To"] == "casey@example.com" and m["Subject"].startswith(subject_start)]


def test_the_confirmation_says_what_was_paid_with_which_card_when_and_what_is_due_later(
        app, customer_api, deposit, session, gateway, smtp_server):  # noqa: F811
    inbox, _ = smtp_server
    save_a_card(session, gateway, "casey@example.com")
    created = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe"))
    assert created.status_code == 201, created.get_json()
    deliver(app)
    assert inbox.wait_for(1)
    [received] = to_customer(inbox, "Booking received")
    text = text_of(received)
    assert "Paid:      $25.00 (deposit) with Visa ending 4242, " in text
    assert "Due later: $75.00" in text
    assert "Late-cancellation fee: $50.00 if cancelled inside the cut-off" in text and "No-show fee: $30.00" in text
    html = html_of(received)
    assert 'id="receipt"' in html and "Visa ending 4242" in html and "$75.00" in html
    office = [m for m in inbox.parsed() if m["To"] == "office@example.com"]
    assert office and "Paid:      $25.00 (deposit) with Visa ending 4242" in text_of(office[0])


def test_cancelling_before_the_cut_off_refunds_and_the_customer_gets_a_refund_receipt(
        app, customer_api, deposit, session, gateway, smtp_server):  # noqa: F811
    inbox, _ = smtp_server
    save_a_card(session, gateway, "casey@example.com")
    booking_id = customer_api.post("/customer/bookings", launch27_body(deposit, payment_method="stripe")).get_json()["id"]
    cancelled = customer_api.post(f"/customer/bookings/{booking_id}/cancel", {"reason": "Plans changed"})
    assert cancelled.status_code == 200, cancelled.get_json()
    deliver(app)
    assert inbox.wait_for(3)
    [refund] = to_customer(inbox, "Refund:")
    text = text_of(refund)
    assert "We have refunded money you paid for this booking" in text
    assert "Paid:      $25.00 (deposit) with Visa ending 4242" in text
    assert "Refunded:  $25.00 to Visa ending 4242, " in text and "(Cancelled before the cut-off)" in text
    assert "Due later" not in text  # a cancelled booking owes nothing
    assert "Refunded to Visa ending 4242" in html_of(refund)
    # Nobody on the staff side gets the customer's receipt.
    assert not [m for m in inbox.parsed() if m["Subject"].startswith("Refund") and m["To"] != "casey@example.com"]


def test_a_cash_booking_s_e_mail_has_no_payment_section(app, customer_api, catalog, smtp_server):  # noqa: F811
    inbox, _ = smtp_server
    assert customer_api.post("/customer/bookings", launch27_body(catalog)).status_code == 201
    deliver(app)
    assert inbox.wait_for(1)
    [received] = to_customer(inbox, "Booking received")
    assert "\nPayment\n" not in text_of(received) and 'id="receipt"' not in html_of(received)
    assert "paid by cash" in text_of(received)
