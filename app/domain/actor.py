"""Who is making a change: recorded in history and used for permission checks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .models import ApiKey, ApiScope, Role, User

if TYPE_CHECKING:
    from .accounts import KeyInfo


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "api_key" or "system"
    id: int | None
    label: str
    role: str | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls("user", user.id, f"{user.full_name} <{user.email}>", user.role)

    @classmethod
    def for_api_key(cls, key: ApiKey | KeyInfo) -> Actor:
        # Integrations act as staff; a key with the admin scope acts as an admin
        # (webhooks, admin-only status moves; see README, "Permissions").
        role = Role.ADMIN if key.scope == ApiScope.ADMIN else Role.STAFF
        return cls("api_key", key.id, f"API key {key.name} ({key.prefix}…)", role)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls("system", None, label, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER
