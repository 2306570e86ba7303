"""Cache generations take 64 bits: they are raised to the current microsecond, so a
value is never reused after a deleted row or a restored backup. PostgreSQL only:
SQLite's INTEGER is 64-bit already.

Revision ID: 0012_generations_bigint
Revises: 0006_agent_role
"""
from alembic import op

revision = "0012_generations_bigint"
down_revision = "0006_agent_role"
branch_labels = None
depends_on = None

COLUMNS = (("cache_versions", "version"), ("agents", "schedule_version"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column in COLUMNS:
            # Generations only need to differ from the ones in caches: start small again.
            op.execute(f"UPDATE {table} SET {column} = 1")
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE INTEGER")
