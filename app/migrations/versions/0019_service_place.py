"""Where a service is done: at the customer's place (needs their street address) or at
the office (a workshop, a salon chair: no address asked).

Revision ID: 0019_service_place
Revises: 0013_outbox_cancelled_deliveries
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_service_place"
down_revision = "0013_outbox_cancelled_deliveries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("at_customer", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("services") as batch:
        batch.drop_column("at_customer")
