"""users.notify_reminders, users.notify_changes: the messages a customer chose.

Confirmations (received, confirmed, cancelled) and password resets always go out;
reminders and change notices (moved, changed) are per customer, on by default.

Revision ID: 0010_message_prefs
Revises: 0008_webhooks
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_message_prefs"
down_revision = "0008_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("notify_reminders", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("notify_changes", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("notify_changes")
        batch_op.drop_column("notify_reminders")
