"""Webhook deliveries may be `cancelled`: switching an endpoint off cancels what is
queued for it, instead of sending it anyway.

Revision ID: 0013_outbox_cancelled_deliveries
Revises: 0014_harden_change_numbers (written on 0012_generations_bigint; main's 0015
and 0014 came first, so this one follows them and the chain keeps one head)
"""
from alembic import op

revision = "0013_outbox_cancelled_deliveries"
down_revision = "0014_harden_change_numbers"
branch_labels = None
depends_on = None

NAME = "ck_webhook_deliveries_status_known"


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), "status IN ('pending', 'delivered', 'failed', 'cancelled')")


def downgrade() -> None:
    op.execute("UPDATE webhook_deliveries SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), "status IN ('pending', 'delivered', 'failed')")
