"""Text messages: the sms_messages table (the outbox's SMS channel and its delivery
reports), each location's country (how phone numbers without a country code are read)
and the booking's own mark for its text reminder.

Revision ID: 0017_sms
Revises: 0019_service_place
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_sms"
down_revision = "0019_service_place"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("booking_id", sa.Integer(), sa.ForeignKey("bookings.id", name=op.f("fk_sms_messages_booking_id_bookings")), nullable=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("users.id", name=op.f("fk_sms_messages_customer_id_users")), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("to", sa.String(20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(5), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(64), nullable=True),
        sa.Column("delivery_status", sa.String(20), nullable=False),
        sa.Column("delivery_error", sa.String(10), nullable=False),
        sa.Column("delivery_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
        sa.UniqueConstraint("provider_id", name=op.f("uq_sms_messages_provider_id")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_sms_messages_status_known")),
    )
    op.create_index("ix_sms_messages_booking_id", "sms_messages", ["booking_id"])
    op.create_index("ix_sms_messages_status_next", "sms_messages", ["status", "next_attempt_at"])
    op.create_index("ix_sms_messages_customer_created", "sms_messages", ["customer_id", "created_at"])
    with op.batch_alter_table("locations") as batch:
        batch.add_column(sa.Column("country", sa.String(2), nullable=True))
    with op.batch_alter_table("bookings") as batch:
        batch.add_column(sa.Column("sms_reminder_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch:
        batch.drop_column("sms_reminder_sent_at")
    with op.batch_alter_table("locations") as batch:
        batch.drop_column("country")
    op.drop_table("sms_messages")
