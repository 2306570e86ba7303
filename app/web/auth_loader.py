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
        # The session version rides along: after a password change, sessions that
        # carry the old number no longer load a user.
        return f"{self.user.id}:{self.user.session_version}"


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "error"

    @login_manager.user_loader
    def load_user(user_id: str) -> LoginUser | None:
        uid, _, version = user_id.partition(":")
        if not uid.isdigit() or not version.isdigit():
            return None
        user = get_session().get(User, int(uid))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return LoginUser(user)
