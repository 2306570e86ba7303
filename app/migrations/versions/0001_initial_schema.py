"""Initial schema, with the database backstops against double booking and overused
discount codes (app/domain/concurrency.py, version 1 of those definitions).

Revision ID: 0001
Revises:
Create Date: 2026-11-21 19:14:32.173935
"""
import sqlalchemy as sa
from alembic import op

from app.domain.concurrency import drop_backstops, install_backstops


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('custom_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('field_type', sa.String(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('help_text', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("field_type IN ('single_line', 'multi_line', 'date', 'datetime', 'checkbox', 'radio', 'dropdown', 'checkboxes')", name=op.f('ck_custom_fields_field_type_known')),
    sa.CheckConstraint("visibility IN ('customer', 'staff')", name=op.f('ck_custom_fields_visibility_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_fields'))
    )
    op.create_table('discount_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('amount_type', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=True),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses_count', sa.Integer(), nullable=False),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.CheckConstraint("amount_type IN ('percent', 'fixed')", name=op.f('ck_discount_codes_amount_type_known')),
    sa.CheckConstraint("kind IN ('discount', 'giftcard', 'reward')", name=op.f('ck_discount_codes_kind_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_discount_codes_amount_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_discount_codes_code'))
    )
    op.create_table('extras',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('max_quantity', sa.Integer(), nullable=False),
    sa.Column('recurring', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_extras_price_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extras'))
    )
    op.create_table('frequencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('interval_unit', sa.String(length=10), nullable=True),
    sa.Column('interval_count', sa.Integer(), nullable=False),
    sa.Column('discount_percent', sa.BigInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("interval_unit IS NULL OR interval_unit IN ('week', 'month')", name=op.f('ck_frequencies_interval_unit_known')),
    sa.CheckConstraint('discount_percent >= 0 AND discount_percent <= 10000', name=op.f('ck_frequencies_percent_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_frequencies'))
    )
    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations'))
    )
    op.create_table('pricing_parameters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=False),
    sa.Column('max_quantity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('min_quantity >= 0 AND max_quantity <= 250000', name=op.f('ck_pricing_parameters_quantity_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pricing_parameters'))
    )
    op.create_table('services',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('pricing_mode', sa.String(length=10), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('max_days_ahead', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("pricing_mode IN ('fixed', 'hourly')", name=op.f('ck_services_pricing_mode_known')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_services_capacity_positive')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_services_duration_positive')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_services_price_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('zip', sa.String(length=20), nullable=False),
    sa.Column('sms_notifications', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('customer', 'staff', 'admin')", name=op.f('ck_users_role_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agents_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents'))
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("scope IN ('read', 'write')", name=op.f('ck_api_keys_scope_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('booking_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('frequency_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['users.id'], name=op.f('fk_booking_series_customer_id_users')),
    sa.ForeignKeyConstraint(['frequency_id'], ['frequencies.id'], name=op.f('fk_booking_series_frequency_id_frequencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series'))
    )
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_customer_id'), ['customer_id'], unique=False)

    op.create_table('custom_field_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('allows_other', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['custom_fields.id'], name=op.f('fk_custom_field_options_field_id_custom_fields'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_field_options'))
    )
    op.create_table('custom_field_services',
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['custom_fields.id'], name=op.f('fk_custom_field_services_field_id_custom_fields'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_custom_field_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('field_id', 'service_id', name=op.f('pk_custom_field_services'))
    )
    op.create_table('customer_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_customer_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_customer_tokens_token_hash'))
    )
    with op.batch_alter_table('customer_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('discount_code_services',
    sa.Column('discount_code_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['discount_code_id'], ['discount_codes.id'], name=op.f('fk_discount_code_services_discount_code_id_discount_codes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_discount_code_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('discount_code_id', 'service_id', name=op.f('pk_discount_code_services'))
    )
    op.create_table('extra_services',
    sa.Column('extra_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['extra_id'], ['extras.id'], name=op.f('fk_extra_services_extra_id_extras'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_extra_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('extra_id', 'service_id', name=op.f('pk_extra_services'))
    )
    op.create_table('parameter_services',
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parameter_id'], ['pricing_parameters.id'], name=op.f('fk_parameter_services_parameter_id_pricing_parameters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_parameter_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('parameter_id', 'service_id', name=op.f('pk_parameter_services'))
    )
    op.create_table('service_locations',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_service_locations_location_id_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_service_locations_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'location_id', name=op.f('pk_service_locations'))
    )
    op.create_table('agent_locations',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_locations_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_agent_locations_location_id_locations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'location_id', name=op.f('pk_agent_locations'))
    )
    op.create_table('agent_services',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_agent_services_agent_id_agents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_agent_services_service_id_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id', 'service_id', name=op.f('pk_agent_services'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_code', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('frequency_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('occurrence_index', sa.Integer(), nullable=False),
    sa.Column('original_booking_id', sa.Integer(), nullable=True),
    sa.Column('requested_agent_id', sa.Integer(), nullable=True),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occupied_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occupied_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('arrival_window', sa.Integer(), nullable=False),
    sa.Column('slot_key', sa.String(length=64), nullable=False),
    sa.Column('seat', sa.Integer(), nullable=False),
    sa.Column('slot_capacity', sa.Integer(), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('frequency_discount', sa.BigInteger(), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('gift_card', sa.BigInteger(), nullable=False),
    sa.Column('tip', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('price_overridden', sa.Boolean(), nullable=False),
    sa.Column('discount_code_id', sa.Integer(), nullable=True),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('customer_notes', sa.Text(), nullable=False),
    sa.Column('staff_notes', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('zip', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('sms_notifications', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.String(length=255), nullable=False),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("payment_method IN ('cash', 'check', 'stripe', 'paypal')", name=op.f('ck_bookings_payment_method_known')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'cancelled', 'completed', 'no_show')", name=op.f('ck_bookings_status_known')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_bookings_duration_positive')),
    sa.CheckConstraint('occupied_start <= start_at AND start_at < end_at AND end_at <= occupied_end', name=op.f('ck_bookings_times_ordered')),
    sa.CheckConstraint('seat >= 1 AND seat <= slot_capacity', name=op.f('ck_bookings_seat_within_capacity')),
    sa.CheckConstraint('total >= 0', name=op.f('ck_bookings_total_not_negative')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_bookings_agent_id_agents')),
    sa.ForeignKeyConstraint(['customer_id'], ['users.id'], name=op.f('fk_bookings_customer_id_users')),
    sa.ForeignKeyConstraint(['discount_code_id'], ['discount_codes.id'], name=op.f('fk_bookings_discount_code_id_discount_codes')),
    sa.ForeignKeyConstraint(['frequency_id'], ['frequencies.id'], name=op.f('fk_bookings_frequency_id_frequencies')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_bookings_location_id_locations')),
    sa.ForeignKeyConstraint(['original_booking_id'], ['bookings.id'], name=op.f('fk_bookings_original_booking_id_bookings')),
    sa.ForeignKeyConstraint(['requested_agent_id'], ['agents.id'], name=op.f('fk_bookings_requested_agent_id_agents')),
    sa.ForeignKeyConstraint(['series_id'], ['booking_series.id'], name=op.f('fk_bookings_series_id_booking_series')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_bookings_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('booking_code', name=op.f('uq_bookings_booking_code'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_agent_occupied', ['agent_id', 'occupied_start'], unique=False)
        batch_op.create_index('ix_bookings_customer_start', ['customer_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_bookings_start_at', ['start_at'], unique=False)

    op.create_table('time_off',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.CheckConstraint('start_at < end_at', name=op.f('ck_time_off_start_before_end')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_time_off_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off'))
    )
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.create_index('ix_time_off_agent_start', ['agent_id', 'start_at'], unique=False)

    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.CheckConstraint('start_time < end_time', name=op.f('ck_working_hours_start_before_end')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_working_hours_weekday_range')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_working_hours_agent_id_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours'))
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_working_hours_agent_id'), ['agent_id'], unique=False)

    op.create_table('booking_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=255), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_events_booking_id_bookings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_events'))
    )
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_events_booking_id'), ['booking_id'], unique=False)

    op.create_table('booking_field_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('field_type', sa.String(length=20), nullable=False),
    sa.Column('staff_only', sa.Boolean(), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_field_values_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['field_id'], ['custom_fields.id'], name=op.f('fk_booking_field_values_field_id_custom_fields')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_field_values'))
    )
    with op.batch_alter_table('booking_field_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_field_values_booking_id'), ['booking_id'], unique=False)

    op.create_table('booking_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('pricing_mode', sa.String(length=10), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('workers', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_lines_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_booking_lines_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_lines'))
    )
    with op.batch_alter_table('booking_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_lines_booking_id'), ['booking_id'], unique=False)

    op.create_table('discount_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('discount_code_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_discount_redemptions_booking_id_bookings')),
    sa.ForeignKeyConstraint(['customer_id'], ['users.id'], name=op.f('fk_discount_redemptions_customer_id_users')),
    sa.ForeignKeyConstraint(['discount_code_id'], ['discount_codes.id'], name=op.f('fk_discount_redemptions_discount_code_id_discount_codes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_redemptions'))
    )
    with op.batch_alter_table('discount_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discount_redemptions_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discount_redemptions_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_discount_redemptions_discount_code_id'), ['discount_code_id'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_outbox_booking_id_bookings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next', ['status', 'next_attempt_at'], unique=False)

    op.create_table('booking_extras',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('extra_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('recurring', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['extra_id'], ['extras.id'], name=op.f('fk_booking_extras_extra_id_extras')),
    sa.ForeignKeyConstraint(['line_id'], ['booking_lines.id'], name=op.f('fk_booking_extras_line_id_booking_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_extras'))
    )
    with op.batch_alter_table('booking_extras', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_extras_line_id'), ['line_id'], unique=False)

    op.create_table('booking_parameters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['booking_lines.id'], name=op.f('fk_booking_parameters_line_id_booking_lines'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parameter_id'], ['pricing_parameters.id'], name=op.f('fk_booking_parameters_parameter_id_pricing_parameters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_parameters'))
    )
    with op.batch_alter_table('booking_parameters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_parameters_line_id'), ['line_id'], unique=False)
    install_backstops(op.get_bind())


def downgrade() -> None:
    drop_backstops(op.get_bind())
    with op.batch_alter_table('booking_parameters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_parameters_line_id'))

    op.drop_table('booking_parameters')
    with op.batch_alter_table('booking_extras', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_extras_line_id'))

    op.drop_table('booking_extras')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next')
        batch_op.drop_index(batch_op.f('ix_outbox_booking_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('discount_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discount_redemptions_discount_code_id'))
        batch_op.drop_index(batch_op.f('ix_discount_redemptions_customer_id'))
        batch_op.drop_index(batch_op.f('ix_discount_redemptions_booking_id'))

    op.drop_table('discount_redemptions')
    with op.batch_alter_table('booking_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_lines_booking_id'))

    op.drop_table('booking_lines')
    with op.batch_alter_table('booking_field_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_field_values_booking_id'))

    op.drop_table('booking_field_values')
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_events_booking_id'))

    op.drop_table('booking_events')
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_working_hours_agent_id'))

    op.drop_table('working_hours')
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.drop_index('ix_time_off_agent_start')

    op.drop_table('time_off')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_start_at')
        batch_op.drop_index(batch_op.f('ix_bookings_series_id'))
        batch_op.drop_index('ix_bookings_customer_start')
        batch_op.drop_index('ix_bookings_agent_occupied')

    op.drop_table('bookings')
    op.drop_table('agent_services')
    op.drop_table('agent_locations')
    op.drop_table('service_locations')
    op.drop_table('parameter_services')
    op.drop_table('extra_services')
    op.drop_table('discount_code_services')
    with op.batch_alter_table('customer_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_tokens_user_id'))

    op.drop_table('customer_tokens')
    op.drop_table('custom_field_services')
    op.drop_table('custom_field_options')
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_customer_id'))

    op.drop_table('booking_series')
    op.drop_table('api_keys')
    op.drop_table('agents')
    op.drop_table('users')
    op.drop_table('settings')
    op.drop_table('services')
    op.drop_table('pricing_parameters')
    op.drop_table('locations')
    op.drop_table('frequencies')
    op.drop_table('extras')
    op.drop_table('discount_codes')
    op.drop_table('custom_fields')
