"""users.role may be 'agent': a login for an agent (agents.user_id links the two).

Revision ID: 0006_agent_role
Revises: 0011_auth_hardening
"""
from alembic import op

revision = "0006_agent_role"
down_revision = "0011_auth_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role_known"), "role IN ('customer', 'staff', 'admin', 'agent')")


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'staff' WHERE role = 'agent'")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role_known"), "role IN ('customer', 'staff', 'admin')")
