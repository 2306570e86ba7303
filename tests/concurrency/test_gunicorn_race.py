"""The whole stack under gunicorn with 4 worker processes on loopback: 20 simultaneous
requests for one agent and time, mixing single create, bulk create and reschedule."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.domain import accounts
from app.domain.models import Booking
from tests import builders as b
from tests.conftest import DAY, NOW

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(db_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "race-test", "API_RATE_LIMIT": "10000 per minute",
           "NOW": NOW.isoformat(),
           # The race is about who wins: on a loaded machine a request may queue on the lock
           # longer than the default 3 s and rightly answer "conflict", which is not what
           # this test measures.
           "DATABASE_LOCK_TIMEOUT_SECONDS": "60"}
    log = open(tmp_path / "gunicorn.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "4", "-b", f"127.0.0.1:{port}", "app:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text()) from None
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def call(base, method, path, key, body):
    data = json.dumps(body).encode()
    request = urllib.request.Request(f"{base}/api/v1{path}", data=data, method=method,
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_twenty_mixed_requests_through_gunicorn_make_exactly_one_booking(server, session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    alex = b.agent(session, [svc], loc, name="Alex")
    bo = b.agent(session, [svc], loc, name="Bo", email="bo@example.com")
    customer = b.customer(session)
    session.commit()
    _, key = accounts.create_api_key(session, name="race", scope="write", now=NOW)
    contested = {"service_id": svc.id, "agent_id": alex.id, "start_date": DAY, "start_time": "10:00", "customer_id": customer.id}
    # Six bookings with Bo that the reschedule requests will try to move onto Alex at 10:00.
    movable = []
    for hour in ("09:00", "11:00", "12:00", "13:00", "14:00", "15:00"):
        status, body = call(server, "POST", "/bookings", key, contested | {"agent_id": bo.id, "start_time": hour})
        assert status == 201, body
        movable.append(body["data"]["id"])

    requests = (
        [("POST", "/bookings", contested)] * 8
        + [("POST", "/bookings/bulk", {"bookings": [contested]})] * 6
        + [("PUT", f"/bookings/{i}", {"agent_id": alex.id, "start_time": "10:00"}) for i in movable]
    )
    barrier = threading.Barrier(len(requests))
    answers: list[tuple[str, int, dict]] = []

    def send(method, path, body):
        barrier.wait()
        status, reply = call(server, method, path, key, body)
        answers.append((path.split("/")[2] if path.count("/") > 1 else "create", status, reply))

    threads = [threading.Thread(target=send, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    outcomes = Counter()
    for kind, status, reply in answers:
        if status in (200, 201):
            outcomes["won"] += 1
        elif kind == "bulk":
            assert status == 400 and reply["data"]["failed"][0]["error"]["code"] == "slot_unavailable", reply
            outcomes["lost"] += 1
        else:
            assert status == 409 and reply["error"]["code"] == "slot_unavailable", (status, reply)
            outcomes["lost"] += 1
    print(f"\ngunicorn -w 4, 20 mixed requests: {dict(outcomes)}")
    assert outcomes == Counter({"won": 1, "lost": 19})
    session.expire_all()
    at_ten = session.scalars(select(Booking).where(Booking.agent_id == alex.id, Booking.status.in_(("pending", "approved")))).all()
    assert len(at_ten) == 1 and at_ten[0].start_at == datetime.fromisoformat(f"{DAY}T15:00:00+00:00")
