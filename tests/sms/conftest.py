"""A portal that texts through the loopback Twilio (tests/twilio_server.py), with a
public URL, and a customer who asked for texts."""
from __future__ import annotations

from datetime import timedelta

import pytest
from twilio.request_validator import RequestValidator

from app.domain.booking import create_booking
from app.domain.outbox import run_channel
from app.domain.sms import sms_channel
from app.sms import backend_from_config, sms_composer
from tests import builders as b
from tests.conftest import NOW
from tests.twilio_server import ACCOUNT_SID, AUTH_TOKEN, SENDER, twilio  # noqa: F401 - the fixture

PUBLIC = "https://book.example.com"
MOBILE = "+12015550123"


@pytest.fixture
def config(config, twilio, tmp_path):  # noqa: F811 - extends the suite's config
    return {
        **config, "PUBLIC_URL": PUBLIC, "SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "SMS_FROM": SENDER, "TWILIO_API_URL": twilio.url, "SMS_DIR": str(tmp_path / "sms"),
    }


@pytest.fixture
def setup(session):
    return b.basic_setup(session)


@pytest.fixture
def casey(session, setup):
    user = b.customer(session, phone=MOBILE, sms_notifications=True)
    session.commit()
    return user


def book(session, svc, customer, *, day="2026-11-24", at="10:00", now=NOW, when=None, **kw):
    """A booking staff make (approved at once) for `customer`."""
    request = b.request(svc.id, when, day=day, at=at, customer_id=customer.id, **kw)
    return create_booking(session, request, actor=b.STAFF, now=now).booking


def deliver(app, factory, *, now=NOW, deadline=2.0, backend=None):
    """One round of the SMS channel as the worker runs it, on a pinned clock."""
    channel = sms_channel(backend or backend_from_config(app), compose=sms_composer(app), deadline=deadline)
    return run_channel(factory, channel, clock=lambda: now)


def signed(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    """The X-Twilio-Signature Twilio would send, computed by the SDK itself."""
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


LATER = NOW + timedelta(minutes=5)
