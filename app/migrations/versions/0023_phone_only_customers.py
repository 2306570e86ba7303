"""Phone-only customers (issue 22): staff may book a customer who gave no e-mail, so
users.email may be NULL. The unique constraint stays: NULLs never clash on SQLite or
PostgreSQL, so any number of customers may be without an e-mail.

Revision ID: 0023_phone_only_customers
Revises: 0022_customer_notes
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_phone_only_customers"
down_revision = "0022_customer_notes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("email", existing_type=sa.String(255), nullable=True)


def downgrade() -> None:
    # A customer without an e-mail cannot be kept when the column is NOT NULL again:
    # such rows must be given an address (or removed) before downgrading.
    with op.batch_alter_table("users") as batch:
        batch.alter_column("email", existing_type=sa.String(255), nullable=False)
