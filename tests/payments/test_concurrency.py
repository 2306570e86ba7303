"""Exactly once, through the whole stack: gunicorn with 4 worker processes, the customer
API, a real localstripe. Twenty identical submits at once (the same Idempotency-Key, as
a client retrying or a double-tapped button sends) make one booking and one PaymentIntent."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.models import Booking, Payment, User
from tests.conftest import NOW
from tests.payments.conftest import intents_for
from tests.payments.test_api import save_a_card
from tests.redis_server import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stripe_server(db_url, tmp_path, localstripe):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "race-test", "API_RATE_LIMIT": "10000 per minute",
           "NOW": NOW.isoformat(), "STRIPE_SECRET_KEY": "sk_test_portal", "STRIPE_PUBLISHABLE_KEY": "pk_test_portal",
           "STRIPE_API_BASE": localstripe}
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "app:create_app()"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text()) from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def post(base: str, path: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base}/api/v1{path}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_twenty_identical_submits_through_gunicorn_make_one_booking_and_one_charge(stripe_server, session, gateway):
    from tests.api.conftest import launch27_body
    from tests import builders as b
    from app.domain import payments
    from app.domain.models import AmountType, PaymentMode
    from decimal import Decimal

    loc = b.location(session)
    svc = b.service(session, loc, name="Deep clean", price=Decimal("100.00"), max_days_ahead=5000)
    b.agent(session, [svc], loc)
    once = b.frequency(session, "One time", None, 1, "0")
    payments.save_policy(session, service_id=svc.id, values={"mode": PaymentMode.DEPOSIT, "deposit_type": AmountType.PERCENT,
                                                             "deposit_value": "20"})
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    session.commit()
    save_a_card(session, gateway, "casey@example.com")
    status, login = post(stripe_server, "/login", {"email": "casey@example.com", "password": "correct-horse"}, {})
    assert status == 200, login
    headers = {"Authorization": f"Bearer {login['token']}", "Idempotency-Key": "the-same-form-twenty-times"}
    body = launch27_body({"once": once.id, "service": svc.id}, payment_method="stripe")
    barrier = threading.Barrier(20)
    answers: list[int] = []

    def submit() -> None:
        barrier.wait()
        answers.append(post(stripe_server, "/customer/bookings", body, headers)[0])

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 20 and 201 in answers, answers
    assert set(answers) <= {201, 409}, answers  # replays of the first, or told it is still in progress
    session.expire_all()
    [booking] = session.scalars(select(Booking)).all()
    [payment] = session.scalars(select(Payment)).all()
    assert (booking.status, payment.status, payment.amount_minor) == ("pending", "succeeded", 2000)
    assert len(intents_for(gateway, payment)) == 1
