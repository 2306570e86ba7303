"""The domain's SQLAlchemy models, one module per aggregate."""
from .api import IdempotencyRecord, RateLimitCounter
from .audit import AuditEvent
from .agents import Agent, TimeOff, WorkingHours, agent_locations, agent_services
from .base import Base, FixedDecimal, UTCDateTime, utcnow
from .bookings import (
    Booking,
    BookingEvent,
    BookingExtra,
    BookingFieldValue,
    BookingLine,
    BookingParameter,
    BookingSeries,
)
from .catalog import (
    CustomField,
    CustomFieldOption,
    Extra,
    Frequency,
    Location,
    PricingParameter,
    Service,
    extra_services,
    field_services,
    parameter_services,
    service_locations,
)
from .discounts import DiscountCode, DiscountRedemption, discount_code_services
from .enums import (
    ACTIVE_STATUSES,
    AmountType,
    ApiScope,
    BookingStatus,
    DeliveryStatus,
    DiscountKind,
    FieldType,
    FieldVisibility,
    OutboxStatus,
    PaymentKind,
    PaymentMethod,
    PaymentMode,
    PaymentStatus,
    PricingMode,
    Role,
    SLOT_HOLDING_STATUSES,
)
from .feeds import CalendarFeed
from .outbox import OutboxMessage
from .payments import Payment, PaymentCard, PaymentCustomer, PaymentPolicy, StripeEvent
from .settings import CacheVersion, Setting
from .sms import SmsMessage
from .users import ApiKey, CustomerToken, LoginSession, User
from .webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [name for name in dir() if not name.startswith("_")]
