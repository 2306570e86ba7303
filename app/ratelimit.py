"""Rate-limit counters in the portal's own database, as a storage backend for the
`limits` library that Flask-Limiter uses. Every gunicorn worker and every app server
shares the counts without another service to run; set RATELIMIT_STORAGE_URI (e.g.
redis://...) to use one of the library's own backends instead.

A request costs one statement: the upsert that counts the hit also returns the window
(count and end), which answers the rate-limit headers Flask-Limiter asks for next.
Windows that have ended are deleted at most once a minute per process.

On PostgreSQL the same statement also sets `synchronous_commit` off for its own
transaction, so a request does not wait for its count to be flushed to disk (about
5 ms per request on a plain disk). A crash can forget the last fraction of a second of
counts; it cannot corrupt them, and every other transaction commits as usual."""
from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, Float, Integer, String, bindparam, case, delete, func, select, text, true
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from .clock import wall_seconds
from .domain.models import RateLimitCounter

_table = RateLimitCounter.__table__
# How long the window an upsert returned may answer get()/get_expiry() for that key in
# the same thread: long enough for the headers of the request that counted it.
ANSWER_SECONDS = 1.0
PURGE_EVERY_SECONDS = 60.0


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["portaldb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine: Engine = options["engine"]
        self._local = threading.local()
        self._next_purge = 0.0
        self._statement: Any = None

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def _upsert(self) -> Any:
        """The counting statement, built once with bound parameters (so SQLAlchemy
        compiles it once too): an expired window starts again."""
        if self._statement is None:
            expired = _table.c.expires_at <= bindparam("now")
            if self.engine.dialect.name == "postgresql":
                relaxed = select(func.set_config("synchronous_commit", "off", true())).subquery("relaxed")
                row = select(bindparam("key", type_=String), bindparam("amount", type_=Integer),
                             bindparam("ends", type_=Float)).select_from(relaxed).where(true())
                stmt = pg_insert(_table).from_select(["key", "count", "expires_at"], row)
            else:
                stmt = sqlite_insert(_table).values(key=bindparam("key"), count=bindparam("amount"),
                                                    expires_at=bindparam("ends"))
            self._statement = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
                index_elements=[_table.c.key],
                set_={
                    "count": case((expired, bindparam("amount")), else_=_table.c.count + bindparam("amount")),
                    "expires_at": case((expired, bindparam("ends")), else_=_table.c.expires_at),
                },
            ).returning(_table.c.count, _table.c.expires_at)
        return self._statement

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` in one atomic upsert; an expired window starts again."""
        now = wall_seconds()
        with self.engine.begin() as conn:
            count, expires_at = conn.execute(
                self._upsert(), {"key": key, "amount": amount, "now": now, "ends": now + expiry}
            ).one()
        self._local.window = (key, int(count), float(expires_at), time.monotonic() + ANSWER_SECONDS)
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY_SECONDS
            self.purge_expired(now)
        return int(count)

    def _just_counted(self, key: str) -> tuple[int, float] | None:
        """The window the last upsert in this thread returned for `key`, if still fresh."""
        window = getattr(self._local, "window", None)
        if window is None or window[0] != key or time.monotonic() > window[3]:
            return None
        return window[1], window[2]

    def get(self, key: str) -> int:
        known = self._just_counted(key)
        if known is not None:
            return known[0] if known[1] > wall_seconds() else 0
        with self.engine.connect() as conn:
            row = conn.execute(select(_table.c.count, _table.c.expires_at).where(_table.c.key == key)).first()
        return int(row.count) if row is not None and row.expires_at > wall_seconds() else 0

    def get_expiry(self, key: str) -> float:
        known = self._just_counted(key)
        if known is not None:
            return known[1]
        with self.engine.connect() as conn:
            expires = conn.execute(select(_table.c.expires_at).where(_table.c.key == key)).scalar()
        return float(expires) if expires is not None else wall_seconds()

    def purge_expired(self, now: float | None = None) -> int:
        """Delete the counters whose window has ended; returns how many went."""
        with self.engine.begin() as conn:
            return conn.execute(delete(_table).where(_table.c.expires_at <= (now or wall_seconds()))).rowcount

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        self._local.window = None
        with self.engine.begin() as conn:
            return conn.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        self._local.window = None
        with self.engine.begin() as conn:
            conn.execute(delete(_table).where(_table.c.key == key))
