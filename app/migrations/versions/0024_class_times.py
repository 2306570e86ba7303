"""Fixed class start times for group services (issue 21; app/domain/class_times.py).

Revision ID: 0024_class_times
Revises: 0023_phone_only_customers
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_class_times"
down_revision = "0023_phone_only_customers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("class_times", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("class_times")
