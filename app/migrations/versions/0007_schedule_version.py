"""Cache validation: agents.schedule_version and cache_versions; the SQLite overlap
triggers bounded by the longest possible booking, so a write reads the agent's last two
days of bookings instead of all of them.

Revision ID: 0007_schedule_version
Revises: 0010_message_prefs
"""
import sqlalchemy as sa
from alembic import op

from app.domain.concurrency import SQLITE_BACKSTOPS
from app.domain.models.enums import ACTIVE_STATUSES, sql_in

revision = "0007_schedule_version"
down_revision = "0010_message_prefs"
branch_labels = None
depends_on = None

_OVERLAP_TRIGGERS = ("tr_bookings_no_overlap_insert", "tr_bookings_no_overlap_update")
_ACTIVE = sql_in(list(ACTIVE_STATUSES))
# The triggers as 0001 made them, for the downgrade.
_UNBOUNDED = (
    "SELECT RAISE(ABORT, 'slot_unavailable') WHERE EXISTS ("
    " SELECT 1 FROM bookings b WHERE b.agent_id = NEW.agent_id"
    f" AND b.status IN {_ACTIVE} AND b.id IS NOT NEW.id"
    " AND b.occupied_start < NEW.occupied_end AND b.occupied_end > NEW.occupied_start"
    " AND (b.slot_key <> NEW.slot_key OR b.seat = NEW.seat));"
)


def upgrade() -> None:
    op.add_column("agents", sa.Column("schedule_version", sa.Integer(), server_default="1", nullable=False))
    cache_versions = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.bulk_insert(cache_versions, [{"name": "catalog", "version": 1}])
    if op.get_bind().dialect.name == "sqlite":
        for backstop in SQLITE_BACKSTOPS:
            if backstop.name in _OVERLAP_TRIGGERS:
                op.execute(backstop.drop)
                op.execute(backstop.create)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name, event in zip(_OVERLAP_TRIGGERS, ("INSERT", "UPDATE"), strict=True):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON bookings WHEN NEW.status IN {_ACTIVE} BEGIN {_UNBOUNDED} END")
    op.drop_table("cache_versions")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("schedule_version")
