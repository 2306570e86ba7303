"""Rate-limit counters in the portal's own database, as a storage backend for the
`limits` library that Flask-Limiter uses. Every gunicorn worker and every app server
shares the counts without another service to run; set RATELIMIT_STORAGE_URI (e.g.
redis://...) to use one of the library's own backends instead."""
from __future__ import annotations

import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from .domain.models import RateLimitCounter

_table = RateLimitCounter.__table__


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["portaldb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.engine: Engine = options["engine"]

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` in one atomic upsert; an expired window starts again."""
        now = time.time()
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        expired = _table.c.expires_at <= now
        stmt = insert(_table).values(key=key, count=amount, expires_at=now + expiry)
        stmt = stmt.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "count": case((expired, amount), else_=_table.c.count + amount),
                "expires_at": case((expired, now + expiry), else_=_table.c.expires_at),
            },
        ).returning(_table.c.count)
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).scalar_one())

    def get(self, key: str) -> int:
        with self.engine.connect() as conn:
            row = conn.execute(select(_table.c.count, _table.c.expires_at).where(_table.c.key == key)).first()
        return int(row.count) if row is not None and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        with self.engine.connect() as conn:
            expires = conn.execute(select(_table.c.expires_at).where(_table.c.key == key)).scalar()
        return float(expires) if expires is not None else time.time()

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(_table).where(_table.c.key == key))
