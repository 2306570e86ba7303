"""locations.currency: the money an office charges in (NULL: the business's currency).

Revision ID: 0005_locale_currency
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_locale_currency"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("currency", sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("currency")
