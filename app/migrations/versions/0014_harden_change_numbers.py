"""Bookings get a change number, assigned at commit in commit order (app/domain/changes.py),
and an index on (updated_at, id) for the sync cursor. On PostgreSQL the numbers come from
the sequence booking_change_numbers; on SQLite (one writer at a time) from max + 1.

Revision ID: 0014_harden_change_numbers
Revises: 0015_location_contact (written on 0012_generations_bigint; chained after main's 0015 when main was merged)
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_harden_change_numbers"
down_revision = "0015_location_contact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("change_number", sa.BigInteger(), server_default="0", nullable=False))
    # Existing bookings in the order the old cursor saw them.
    op.execute("""
        UPDATE bookings SET change_number = ranked.n
        FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY updated_at, id) AS n FROM bookings) AS ranked
        WHERE ranked.id = bookings.id
    """)
    op.create_index("ix_bookings_change_number", "bookings", ["change_number"])
    op.create_index("ix_bookings_updated_at", "bookings", ["updated_at", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE booking_change_numbers AS BIGINT")
        op.execute("SELECT setval('booking_change_numbers', (SELECT COALESCE(MAX(change_number), 0) + 1 FROM bookings), false)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE booking_change_numbers")
    op.drop_index("ix_bookings_updated_at", table_name="bookings")
    op.drop_index("ix_bookings_change_number", table_name="bookings")
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("change_number")
