"""People who log in or are booked for (one table, three roles), and the credentials
the API accepts: API keys for integrations, bearer tokens for customers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .enums import ApiScope, Role, sql_in


def full_name_of(first_name: str, last_name: str, email: str | None, phone: str = "") -> str:
    """A person's name as pages write it (their e-mail when they gave no name, their
    phone when they have no e-mail either), for callers that read these columns
    without loading the user."""
    return f"{first_name} {last_name}".strip() or email or phone


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {sql_in(list(Role))}", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    # NULL for a phone-only customer that staff booked (issue 22): no account, no e-mails;
    # NULLs never clash under the unique constraint.
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default=Role.CUSTOMER)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(40), default="")
    zip: Mapped[str] = mapped_column(String(20), default="")
    sms_notifications: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Raised when the password changes: browser sessions and reset links that carry an
    # older number stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The messages the customer chose; confirmations and password resets always go out.
    notify_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_changes: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The office's own notes on the customer (app/domain/customer_record.py): staff only.
    staff_notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def full_name(self) -> str:
        return full_name_of(self.first_name, self.last_name, self.email, self.phone)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    # What the role allows, for pages and templates (which never compare role strings).

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_agent(self) -> bool:
        """An agent's login: their own day and its outcomes, nothing else of the office."""
        return self.role == Role.AGENT

    @property
    def can_refund(self) -> bool:
        """Refunds move money back out: admins only."""
        return self.is_admin


class ApiKey(Base):
    """Requests find keys in the read-path cache (cache.py) under the api_keys
    generation, which ORM flushes raise: create, revoke or change keys through the ORM,
    never with plain SQL (only `last_used_at`, which nothing cached depends on, is)."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(f"scope IN {sql_in(list(ApiScope))}", name="scope_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The first characters of the key, shown in lists so admins can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CustomerToken(Base):
    __tablename__ = "customer_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginSession(Base):
    """One browser login (session cookie and its remember cookie). Logging out ends the
    row, so a copy of either cookie saved before is refused from then on."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random id the cookies carry.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
