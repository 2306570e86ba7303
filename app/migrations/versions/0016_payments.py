"""Card payments (issue 19): payment policies, one row per charge/fee/refund, saved cards,
Stripe customers and handled Stripe events; bookings may be `payment_pending` (a status
one character too long for the old column), and such a booking holds its slot, so the
double-booking backstops are installed again with it (app/domain/concurrency.py, v2).

Revision ID: 0016_payments
Revises: 0017_sms
"""
import sqlalchemy as sa
from alembic import op

from app.domain.concurrency import drop_backstops, install_backstops
from app.domain.models.base import Money, UTCDateTime

revision = "0016_payments"
down_revision = "0017_sms"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'approved', 'cancelled', 'completed', 'no_show')"
NEW_STATUSES = "status IN ('pending', 'approved', 'cancelled', 'completed', 'no_show', 'payment_pending')"
AMOUNT_TYPES = "('percent', 'fixed')"


def upgrade() -> None:
    bind = op.get_bind()
    # SQLite's batch mode copies the table, which drops its triggers: take the backstops
    # off first and put them back (now counting payment_pending) afterwards.
    drop_backstops(bind)
    with op.batch_alter_table("bookings") as batch:
        batch.alter_column("status", existing_type=sa.String(12), type_=sa.String(16), existing_nullable=False)
        batch.drop_constraint(op.f("ck_bookings_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_bookings_status_known"), NEW_STATUSES)
    install_backstops(bind)

    op.create_table(
        "payment_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("deposit_type", sa.String(10), nullable=False),
        sa.Column("deposit_value", Money(), nullable=False),
        sa.Column("late_cancel_fee_type", sa.String(10), nullable=False),
        sa.Column("late_cancel_fee_value", Money(), nullable=False),
        sa.Column("no_show_fee_type", sa.String(10), nullable=False),
        sa.Column("no_show_fee_value", Money(), nullable=False),
        sa.CheckConstraint("mode IN ('in_person', 'full', 'deposit', 'card_on_file')", name=op.f("ck_payment_policies_mode_known")),
        sa.CheckConstraint(f"deposit_type IN {AMOUNT_TYPES}", name=op.f("ck_payment_policies_deposit_type_known")),
        sa.CheckConstraint(f"late_cancel_fee_type IN {AMOUNT_TYPES}", name=op.f("ck_payment_policies_late_cancel_fee_type_known")),
        sa.CheckConstraint(f"no_show_fee_type IN {AMOUNT_TYPES}", name=op.f("ck_payment_policies_no_show_fee_type_known")),
        sa.CheckConstraint(
            "deposit_value >= 0 AND late_cancel_fee_value >= 0 AND no_show_fee_value >= 0",
            name=op.f("ck_payment_policies_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_payment_policies_service_id_services"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_policies")),
        sa.UniqueConstraint("service_id", name=op.f("uq_payment_policies_service_id")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("refund_of_id", sa.Integer(), nullable=True),
        sa.Column("stripe_setup_intent_id", sa.String(64), nullable=True),
        sa.Column("stripe_payment_intent_id", sa.String(64), nullable=True),
        sa.Column("stripe_refund_id", sa.String(64), nullable=True),
        sa.Column("stripe_payment_method_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(255), nullable=False),
        sa.Column("failure_message", sa.String(255), nullable=False),
        sa.Column("hold_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('deposit', 'full', 'balance', 'no_show_fee', 'late_cancel_fee', 'refund')", name=op.f("ck_payments_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'requires_action', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_payments_status_known"),
        ),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_payments_booking_id_bookings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["refund_of_id"], ["payments.id"], name=op.f("fk_payments_refund_of_id_payments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payments_idempotency_key")),
        sa.UniqueConstraint("stripe_payment_intent_id", name=op.f("uq_payments_stripe_payment_intent_id")),
        sa.UniqueConstraint("stripe_refund_id", name=op.f("uq_payments_stripe_refund_id")),
    )
    op.create_index(op.f("ix_payments_booking_id"), "payments", ["booking_id"])
    op.create_index("ix_payments_status_hold", "payments", ["status", "hold_until"])
    op.create_index(
        "uq_payments_booking_kind", "payments", ["booking_id", "kind"], unique=True,
        sqlite_where=sa.text("kind <> 'refund'"), postgresql_where=sa.text("kind <> 'refund'"),
    )
    op.create_table(
        "payment_customers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stripe_customer_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payment_customers_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_payment_customers")),
        sa.UniqueConstraint("stripe_customer_id", name=op.f("uq_payment_customers_stripe_customer_id")),
    )
    op.create_table(
        "payment_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("stripe_payment_method_id", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(20), nullable=False),
        sa.Column("last4", sa.String(4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_payment_cards_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_cards")),
        sa.UniqueConstraint("stripe_payment_method_id", name=op.f("uq_payment_cards_stripe_payment_method_id")),
    )
    op.create_index(op.f("ix_payment_cards_user_id"), "payment_cards", ["user_id"])
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )


def downgrade() -> None:
    op.drop_table("stripe_events")
    op.drop_index(op.f("ix_payment_cards_user_id"), table_name="payment_cards")
    op.drop_table("payment_cards")
    op.drop_table("payment_customers")
    op.drop_index("uq_payments_booking_kind", table_name="payments")
    op.drop_index("ix_payments_status_hold", table_name="payments")
    op.drop_index(op.f("ix_payments_booking_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_table("payment_policies")
    bind = op.get_bind()
    op.execute("UPDATE bookings SET status = 'cancelled' WHERE status = 'payment_pending'")
    drop_backstops(bind)
    with op.batch_alter_table("bookings") as batch:
        batch.drop_constraint(op.f("ck_bookings_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_bookings_status_known"), OLD_STATUSES)
        batch.alter_column("status", existing_type=sa.String(16), type_=sa.String(12), existing_nullable=False)
    install_backstops(bind)
