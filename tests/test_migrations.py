"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.db import make_engine
from app.domain.concurrency import PG_BACKSTOPS, SQLITE_BACKSTOPS
from app.domain.models import Base

BACKSTOP_NAMES = {b.name for b in PG_BACKSTOPS + SQLITE_BACKSTOPS}


def test_models_and_migrations_agree(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": lambda name, type_, parent: name not in BACKSTOP_NAMES}
        )
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
