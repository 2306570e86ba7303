"""A portal that sends its mail to a real SMTP server on loopback, with a public URL
and an office address configured, and one booking with every kind of line on it."""
from __future__ import annotations

import re
import threading
from datetime import datetime
from decimal import Decimal
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from app.domain import accounts
from app.domain.booking import BookingChanges, create_booking, update_booking
from app.domain.inputs import ExtraInput, FieldAnswer, ParameterInput, ServiceLineInput
from app.worker import deliver_email, run_worker
from tests import builders as b
from tests.conftest import NOW
from tests.mailbox import smtp_server  # noqa: F401 - the fixture

PUBLIC = "https://book.example.com"
PASSWORD = "correct-horse"
HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def config(config, smtp_server):  # noqa: F811 - extends the suite's config
    _, port = smtp_server
    return {
        **config, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
        "PUBLIC_URL": PUBLIC, "OFFICE_EMAIL": "office@example.com", "CANCELLATION_CUTOFF_HOURS": 12,
    }


@pytest.fixture
def inbox(smtp_server):  # noqa: F811
    return smtp_server[0]


@pytest.fixture
def maria(session):
    user = accounts.create_user(
        session, email="maria@example.com", password=PASSWORD, role="customer", first_name="Maria", last_name="Lopez", now=NOW
    )
    user.phone = "555-0142"
    session.commit()
    return user


@pytest.fixture
def booked(session, maria):
    """Maria's pending booking for Tuesday 24 November 2026, 10:00 in New York (15:00
    UTC, 22 hours after NOW), with an extra, a pricing parameter, an answer, notes and
    a staff note."""
    loc, svc, _ = b.basic_setup(session)
    fridge = b.extra(session, [svc])
    rooms = b.parameter(session, [svc])
    gate = b.field(session, [svc], "single_line", label="How do we get in?")
    session.commit()
    line = ServiceLineInput(id=svc.id, extras=[ExtraInput(id=fridge.id, quantity=2)],
                            pricing_parameters=[ParameterInput(id=rooms.id, quantity=3)])
    request = b.request(
        svc.id, day="2026-11-24", at="10:00", services=[line], customer_id=maria.id, address="595 Market St",
        custom_fields=[FieldAnswer(id=gate.id, value="Gate code 4417")], customer_notes="Please use the side door",
    )
    booking = create_booking(session, request, actor=b.customer_actor(maria), now=NOW).booking
    update_booking(session, booking.id, BookingChanges(staff_notes="Bring the tall ladder"), actor=b.STAFF, now=NOW, notify=False)
    assert booking.total == Decimal("195.00")  # 100 + 2 × 25 + 3 × 15
    return booking


def deliver_now(app, now: datetime = NOW):
    return deliver_email(app, lambda: now)


def run_rounds(app, rounds: int, now: datetime = NOW) -> int:
    """The worker loop itself, for a bounded number of rounds on a pinned clock."""
    return run_worker(app, threading.Event(), interval=0, clock=lambda: now, rounds=rounds)


def to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if m["To"] == address]


def parts(message: EmailMessage) -> tuple[str, str, Calendar | None]:
    """The text, the HTML and the parsed .ics of a message."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    ics = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return text, html, Calendar.from_ical(ics[0].get_content()) if ics else None


def links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in HREF.findall(html)]


def local_path(url: str) -> str:
    assert url.startswith(PUBLIC + "/"), url
    return url[len(PUBLIC):]
