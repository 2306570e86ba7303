"""The notifications worker: reminders queued and sent by its loop with no cron, more
deliverers added to its list, and the `notifications work` command stopping cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app import worker
from app.domain.models import Booking, OutboxMessage
from app.domain.notifications import queue_message
from tests.conftest import NOW
from tests.messages.conftest import parts, run_rounds

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_loop_queues_and_sends_the_reminder_with_no_cron(app, session, booked, inbox):
    early = NOW - timedelta(hours=3)  # 25 hours before the start: not yet
    assert run_rounds(app, 1, now=early) == 1
    assert not [m for m in inbox.parsed() if m["Subject"].startswith("Reminder")]
    assert run_rounds(app, 2, now=NOW) == 2  # due now; the second round sends nothing more
    reminders = [m for m in inbox.parsed() if m["Subject"].startswith("Reminder")]
    assert [m["To"] for m in reminders] == ["maria@example.com"]  # staff get no reminders
    text, html, ics = parts(reminders[0])
    assert "A reminder of your upcoming booking." in text and booked.booking_code in html
    assert ics["method"] == "REQUEST" and int(ics.walk("VEVENT")[0]["sequence"]) == booked.version
    session.expire_all()
    assert session.get(Booking, booked.id).reminder_sent_at == NOW
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent")).all() == []


def test_another_deliverer_is_one_more_entry_and_a_failing_one_does_not_stop_the_rest(app, session, inbox, monkeypatch):
    calls: list[datetime] = []

    def broken(app, now):
        raise RuntimeError("webhook receiver down")

    monkeypatch.setattr(worker, "DELIVERERS", [broken, *worker.DELIVERERS, lambda app, now: calls.append(now)])
    queue_message(session, topic="account.welcome", recipient="x@example.com", subject="Hi", body="Hi", now=NOW)
    session.commit()
    assert run_rounds(app, 3) == 3
    assert calls == [NOW] * 3
    assert [m["To"] for m in inbox.parsed()] == ["x@example.com"]


def test_a_set_stop_ends_the_loop_before_the_next_round(app):
    stop = threading.Event()
    stop.set()
    assert worker.run_worker(app, stop, interval=0, clock=lambda: NOW) == 0


def test_the_dev_servers_worker_thread_runs_the_same_loop(config, smtp_server, monkeypatch):
    from app import create_app

    inbox, _ = smtp_server
    rounds: list[datetime] = []
    monkeypatch.setattr(worker, "DELIVERERS", [*worker.DELIVERERS, lambda app, now: rounds.append(now)])
    application = create_app({**config, "OUTBOX_WORKER": True, "WORKER_INTERVAL_SECONDS": 0.05})
    try:
        with application.extensions["session_factory"]() as session:
            queue_message(session, topic="account.welcome", recipient="thread@example.com", subject="Hi", body="Hi",
                          now=NOW)
            session.commit()
        assert inbox.wait_for(1, timeout=60)
    finally:
        application.extensions["notifications_worker_stop"].set()
    thread = next(t for t in threading.enumerate() if t.name == "notifications-worker")
    thread.join(timeout=30)
    assert not thread.is_alive() and rounds
    application.extensions["engine"].dispose()


def test_notifications_work_delivers_and_stops_cleanly_on_sigterm(config, session, smtp_server):
    inbox, port = smtp_server
    # Queued at NOW, the clock the worker process is pinned to (NOW in its environment).
    queue_message(session, topic="account.welcome", recipient="worker@example.com", subject="Hi", body="Hi",
                  now=NOW)
    session.commit()
    env = {
        **os.environ, "DATABASE_URL": str(config["DATABASE_URL"]), "SECRET_KEY": "test-secret", "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "PUBLIC_URL": "https://book.example.com",
        "WORKER_INTERVAL_SECONDS": "1", "NOW": NOW.isoformat(),
    }
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "notifications", "work"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()  # printed when the loop starts
        assert "Notifications worker running" in first
        assert inbox.wait_for(1, timeout=60), "the worker did not deliver"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Notifications worker stopped after" in out
    assert [m["To"] for m in inbox.parsed()] == ["worker@example.com"]



def test_two_workers_at_once_send_each_message_exactly_once(app, session, inbox):
    for i in range(30):
        queue_message(session, topic="account.welcome", recipient=f"p{i}@example.com", subject="Hi", body="Hi", now=NOW)
    session.commit()
    start = threading.Barrier(2)

    def work():
        start.wait()
        run_rounds(app, 2)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    delivered = sorted(m["To"] for m in inbox.parsed())
    assert delivered == sorted(f"p{i}@example.com" for i in range(30))
    session.expire_all()
    assert {m.attempts for m in session.scalars(select(OutboxMessage))} == {1}
