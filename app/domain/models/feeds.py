"""Private calendar subscription links: one per agent or customer, revocable."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    """The secret in a feed's URL is derived from `nonce` with the app's SECRET_KEY
    (so the owner's page can show the link again); only its SHA-256 is stored, and a
    copy of the database alone opens no feed. A new nonce replaces the link; deleting
    the row revokes it."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (CheckConstraint("(agent_id IS NULL) <> (user_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
