"""Each office's phone and e-mail, for the pages that tell a customer to get in touch.

Revision ID: 0015_location_contact
Revises: 0012_generations_bigint
"""
import sqlalchemy as sa
from alembic import op

revision = "0015_location_contact"
down_revision = "0012_generations_bigint"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("phone", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("email", sa.String(255), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("email")
        batch.drop_column("phone")
