"""A warm read costs a few statements and writes nothing but its rate-limit count."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import event, select

from app.clock import wall_seconds
from app.domain.models import ApiKey, RateLimitCounter
from tests.api.conftest import DAY
from tests.conftest import day_after


def statements(app, send) -> list[str]:
    seen: list[str] = []

    def hook(_conn, _cursor, statement, *_args):
        seen.append(statement.split()[0].upper() + " " + statement)

    engine = app.extensions["engine"]
    event.listen(engine, "before_cursor_execute", hook)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    return seen


def test_warm_free_times_cost_two_statements_for_one_day_or_fourteen(app, read_api, catalog):
    for days in (1, 14):
        path = f"/availability?service_id={catalog['service']}&date={DAY}&days={days}"
        assert read_api.get(path).status_code == 200  # cold: fills the caches
        seen = statements(app, lambda path=path: read_api.get(path))
        assert len(seen) == 2, seen  # the versions (cache.py) and the counting upsert
        writes = [s for s in seen if not s.startswith("SELECT")]
        assert len(writes) == 1 and "rate_limits" in writes[0], writes  # the one counting upsert


def test_rate_limit_headers_come_from_the_counting_statement(app, read_api, catalog):
    app.config["API_RATE_LIMIT"] = "50 per minute"
    first = read_api.get("/services")
    seen = statements(app, lambda: read_api.get("/services"))
    assert sum("rate_limits" in s for s in seen) == 1
    second = read_api.get("/services")
    assert int(first.headers["X-RateLimit-Remaining"]) == 49 and int(second.headers["X-RateLimit-Remaining"]) == 47
    assert int(second.headers["X-RateLimit-Reset"]) >= int(first.headers["X-RateLimit-Reset"]) > 0


def test_an_api_key_records_its_use_at_most_once_a_minute(app, read_api, catalog, session):
    read_api.get("/services")
    first = session.scalar(select(ApiKey.last_used_at))
    assert first is not None
    seen = statements(app, lambda: read_api.get("/services"))
    assert not any("api_keys" in s and not s.startswith("SELECT") for s in seen)
    session.expire_all()
    assert session.scalar(select(ApiKey.last_used_at)) == first
    # A minute on, the next request records it again.
    key = session.scalars(select(ApiKey)).one()
    key.last_used_at = first - timedelta(minutes=2)
    session.commit()
    read_api.get("/services")
    session.expire_all()
    assert session.scalar(select(ApiKey.last_used_at)) > first - timedelta(seconds=1)


def test_ended_rate_limit_windows_are_purged(read_api, catalog, session):
    ended = wall_seconds() - 10  # rate-limit windows run on the machine's clock (app/clock.py)
    session.add_all([RateLimitCounter(key=f"old-{i}", count=3, expires_at=ended) for i in range(5)])
    session.commit()
    read_api.get("/services")  # this process's first count: it purges (then at most once a minute)
    session.expire_all()
    keys = set(session.scalars(select(RateLimitCounter.key)))
    assert keys and not any(k.startswith("old-") for k in keys), keys


def test_days_answered_from_the_cache_still_follow_the_clock(app, read_api, catalog):
    path = f"/availability?service_id={catalog['service']}&date={DAY}&days=2"
    app.config["NOW"] = datetime.fromisoformat(f"{day_after(-1)}T12:00:00+00:00")  # the day before, in New York
    before = read_api.get(path).get_json()["data"]
    assert read_api.get(path).get_json()["data"] == before  # warm: the same answer from the cache
    app.config["NOW"] = datetime.fromisoformat(f"{DAY}T15:01:00+00:00")  # 10:01 on the day, in New York
    later = read_api.get(path).get_json()["data"]
    earlier_times = [t for t in before["available_slots"] if t <= "10:00"]
    assert earlier_times and not any(t in later["available_slots"] for t in earlier_times)
    assert later["available_slots"] == [t for t in before["available_slots"] if t > "10:00"]
    assert later["days"][0]["slots"] == [s for s in before["days"][0]["slots"] if s["time"] > "10:00"]
    assert later["days"][1] == before["days"][1]  # the next day is not cut by the clock


def test_the_counting_statement_relaxes_nothing_beyond_its_own_transaction(db_url):
    """On PostgreSQL the count is committed without waiting for the disk; the next
    transaction on the same pooled connection (a booking, say) waits as usual."""
    from sqlalchemy.pool import QueuePool

    from app.db import make_engine
    from app.ratelimit import DatabaseStorage

    engine = make_engine(db_url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    storage = DatabaseStorage(engine=engine)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:  # the pool's one connection waits for the disk
                conn.exec_driver_sql("SET synchronous_commit = on")  # (the test database need not)
                conn.commit()
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3] and storage.get("k") == 3
        if engine.dialect.name == "postgresql":
            for _ in range(2):
                with engine.connect() as conn:  # the one connection of the pool, again
                    assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"
                    conn.commit()
                storage.incr("k", 60)
    finally:
        engine.dispose()
