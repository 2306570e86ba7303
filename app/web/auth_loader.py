"""Flask-Login's user loader over the domain's users table and its login sessions."""
from __future__ import annotations


from flask import Flask
from flask_login import current_user, login_user, logout_user

from ..clock import now
from ..db import get_session
from ..domain import accounts
from ..domain.models import User
from ..extensions import login_manager


class LoginUser:
    """Wraps a User for Flask-Login without putting Flask into the domain model."""

    def __init__(self, user: User, login_id: str):
        self.user = user
        self.login_id = login_id
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        # What the session and remember cookies carry: the user, their session version
        # (raised when all their sessions end) and this login's server-side id (ended
        # by logging out). A cookie saved before either happened loads nobody.
        return f"{self.user.id}:{self.user.session_version}:{self.login_id}"


def log_in(user: User, *, remember: bool = False) -> None:
    """Start a server-side login for the user and give this browser its cookies."""
    login_id = accounts.start_login_session(get_session(), user, now=now())
    login_user(LoginUser(user, login_id), remember=remember)


def log_out() -> None:
    """End this browser's login on the server, then drop its cookies."""
    if current_user.is_authenticated:
        accounts.end_login_session(get_session(), current_user.login_id, now=now())
    logout_user()


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 12 else None


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "error"

    @login_manager.user_loader
    def load_user(cookie_id: str) -> LoginUser | None:
        uid, version, login_id = (cookie_id.split(":") + ["", ""])[:3]
        user_id, session_version = _number(uid), _number(version)
        if user_id is None or session_version is None or not login_id:
            return None
        user = accounts.user_for_login_session(get_session(), user_id, session_version, login_id)
        return LoginUser(user, login_id) if user is not None else None
