"""calendar_feeds: private iCalendar subscription links for agents and customers.

Revision ID: 0009_calendar_feeds
Revises: 0007_schedule_version
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_calendar_feeds"
down_revision = "0007_schedule_version"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(agent_id IS NULL) <> (user_id IS NULL)", name=op.f("ck_calendar_feeds_one_owner")),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_calendar_feeds_agent_id_agents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("agent_id", name=op.f("uq_calendar_feeds_agent_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feeds_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
