"""The office's notes on a customer, shown on the customer record (issue 22).

Revision ID: 0022_customer_notes
Revises: 0016_payments
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_customer_notes"
down_revision = "0016_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("staff_notes", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("staff_notes")
