"""Cached availability is never stale across processes: two gunicorn servers (two
workers each) on one database; one books, the other is asked for free times right
after, and must not offer the booked time. Run once with each server's own in-process
cache and once with a shared Redis (when redis-server is installed)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.domain import accounts
from tests import builders as b
from tests.redis_server import answers, free_port, redis_server
from tests.conftest import DAY, NOW

ROOT = Path(__file__).resolve().parents[2]


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.1)


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:create_app()"],
            cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: answers(port) or proc.poll() is not None, "gunicorn")
            if proc.poll() is not None:
                raise RuntimeError(log.read_text())
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(params=["in-process", "redis"])
def cache_env(request, tmp_path) -> Iterator[dict[str, str]]:
    if request.param == "in-process":
        yield {}
        return
    with redis_server(tmp_path) as url:
        if url is None:
            pytest.skip("redis-server is not installed")
        yield {"CACHE_URL": url}


def call(base: str, method: str, path: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/api/v1{path}", data=data, method=method,
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def free_times(base: str, key: str, service_id: int, agent_id: int) -> list[str]:
    status, body = call(base, "GET", f"/availability?service_id={service_id}&date={DAY}&agent_id={agent_id}", key)
    assert status == 200, body
    return body["data"]["available_slots"]


def test_a_booking_made_through_one_server_is_gone_from_the_other_at_once(db_url, session, tmp_path, cache_env):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    alex = b.agent(session, [svc], loc, name="Alex")
    customer = b.customer(session)
    session.commit()
    api_key, key = accounts.create_api_key(session, name="cache", scope="write", now=NOW)
    env = {"DATABASE_URL": db_url, "SECRET_KEY": "cache-test", "API_RATE_LIMIT": "10000 per minute",
           "NOW": NOW.isoformat(), **cache_env}
    with gunicorn(env, tmp_path / "writer.log") as writer, gunicorn(env, tmp_path / "reader.log") as reader:
        # Warm every worker's cache on both servers (each answer comes from one of two workers).
        for _ in range(6):
            assert "10:00" in free_times(reader, key, svc.id, alex.id)
            assert "10:00" in free_times(writer, key, svc.id, alex.id)

        for hour in ("10:00", "11:00", "12:00"):
            status, body = call(writer, "POST", "/bookings", key, {
                "service_id": svc.id, "agent_id": alex.id, "start_date": DAY, "start_time": hour, "customer_id": customer.id})
            assert status == 201, body
            booking_id = body["data"]["id"]
            for _ in range(4):  # both workers of the reader, right after the commit
                assert hour not in free_times(reader, key, svc.id, alex.id)

        status, body = call(writer, "PUT", f"/bookings/{booking_id}", key, {"start_time": "15:00"})
        assert status == 200, body
        for _ in range(4):
            times = free_times(reader, key, svc.id, alex.id)
            assert "12:00" in times and "15:00" not in times

        status, body = call(writer, "DELETE", f"/bookings/{booking_id}", key)
        assert status == 200, body
        for _ in range(4):
            assert "15:00" in free_times(reader, key, svc.id, alex.id)

        # The key is cached by every worker too; revoked here (a third process), it is
        # refused by every worker of both servers at once.
        accounts.revoke_api_key(session, api_key.id, now=NOW)
        for base in (reader, writer, reader, writer, reader, writer):
            status, body = call(base, "GET", f"/availability?service_id={svc.id}&date={DAY}", key)
            assert status == 401, body
