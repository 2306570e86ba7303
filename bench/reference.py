"""The ceiling for a Flask endpoint that reads the database once: one indexed SQLite
SELECT by primary key, returned as JSON. Served and loaded exactly like the portal."""
from __future__ import annotations

import os
import random
import sqlite3
import threading

from flask import Flask, jsonify

app = Flask(__name__)
_local = threading.local()
_path = os.environ.get("BENCH_DB", "").removeprefix("sqlite:///")


def _connection() -> sqlite3.Connection:
    if not hasattr(_local, "conn"):
        _local.conn = sqlite3.connect(_path)
        _local.top = _local.conn.execute("SELECT max(id) FROM bookings").fetchone()[0] or 1
    return _local.conn


@app.get("/ref")
def ref():
    conn = _connection()
    row = conn.execute(
        "SELECT id, booking_code, agent_id, start_at, end_at FROM bookings WHERE id = ?", (random.randint(1, _local.top),)
    ).fetchone()
    return jsonify(dict(zip(("id", "booking_code", "agent_id", "start_at", "end_at"), row or ())))
