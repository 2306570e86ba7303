"""Business settings an admin can change at run time."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...clock import wall_microseconds
from .base import Base


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# Generation numbers are raised to max(old + 1, microseconds since the epoch), so a value
# is never used twice: not after the row is deleted, nor after a backup is restored
# (concurrency.py). That needs 64 bits; SQLite's INTEGER has them already.
GENERATION = Integer().with_variant(BigInteger(), "postgresql")


def new_generation() -> int:
    """A generation no earlier value can equal: microseconds since the epoch."""
    return wall_microseconds()


class CacheVersion(Base):
    """A generation number per cached kind of data ("catalog": services, locations,
    agents, hours and settings; "api_keys"), raised in the transaction that changes that
    data."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(GENERATION, default=1)
