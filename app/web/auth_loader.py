"""Flask-Login's user loader over the domain's users table."""
from __future__ import annotations

from flask import Flask

from ..db import get_session
from ..domain.models import User
from ..extensions import login_manager


class LoginUser:
    """Wraps a User for Flask-Login without putting Flask into the domain model."""

    def __init__(self, user: User):
        self.user = user
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return str(self.user.id)


def init_app(app: Flask) -> None:
    login_manager.login_view = None

    @login_manager.user_loader
    def load_user(user_id: str) -> LoginUser | None:
        if not user_id.isdigit():
            return None
        user = get_session().get(User, int(user_id))
        return LoginUser(user) if user is not None and user.active else None
