"""Flask extensions, created unbound and attached in create_app()."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
# One limiter for the API's budgets and the throttles on guessing (app/throttle.py), so
# every count lives in the same storage (RATELIMIT_STORAGE_URI).
limiter = Limiter(key_func=get_remote_address, strategy="fixed-window", headers_enabled=True)
