"""One clock (app/clock.py): no code reads the machine's clock behind it, the `NOW`
setting pins it in every kind of process, and what expires does so on that clock."""
from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.clock import app_now, now, wall
from app.config import ConfigError, from_environment
from app.domain import accounts
from app.domain.models import OutboxMessage
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

ROOT = Path(__file__).resolve().parent.parent
# Calls that read the machine's clock: datetime.now/utcnow/today, date.today, time.time(_ns).
WALL_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "time_ns")}


def _wall_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            if (node.func.value.id, node.func.attr) in WALL_READS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    return found


def test_no_code_reads_the_machines_clock_but_app_clock():
    sources = [p for p in (ROOT / "app").rglob("*.py") if p != ROOT / "app" / "clock.py" and "migrations" not in p.parts]
    assert len(sources) > 50
    offenders = [hit for path in sources for hit in _wall_reads(path)]
    assert offenders == [], "read app.clock.now() (or a `now` passed in) instead:\n" + "\n".join(offenders)
    # The check itself finds what it is looking for.
    assert "datetime.now()" in " ".join(_wall_reads(ROOT / "app" / "clock.py"))


def test_now_is_the_pinned_instant_inside_an_app_and_the_machines_outside(app):
    assert app.config["NOW"] == NOW
    with app.app_context():
        assert now() == NOW
    assert app_now(app) == NOW
    assert abs(now() - wall()) < timedelta(minutes=1)


def test_the_now_setting_is_read_from_the_environment_with_its_zone():
    assert from_environment({"NOW": "2026-11-23T12:00:00-05:00"})["NOW"] == NOW
    for bad in ("2026-11-23T12:00:00", "tomorrow", "2026-13-01T00:00:00Z"):
        with pytest.raises(ConfigError, match="NOW"):
            from_environment({"NOW": bad})


def test_a_reset_link_expires_two_hours_after_it_was_sent_on_the_apps_clock(app, client, session):
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    assert submit(client, "/forgot-password", {"email": "casey@example.com"}).status_code == 302
    link = session.scalars(select(OutboxMessage.payload)).one()["link"]
    path = link[link.index("/reset-password/"):]
    app.config["NOW"] = NOW + timedelta(hours=1, minutes=59)
    page = client.get(path)
    assert page.status_code == 200 and csrf_from(page.get_data(as_text=True))
    app.config["NOW"] = NOW + timedelta(hours=2, minutes=1)
    expired = client.get(path)
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/forgot-password")
