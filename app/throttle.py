"""Throttles on guessing: logins, password-reset requests, discount codes and API
credentials. They ask the same Flask-Limiter limiter the API's budgets use (its public
`limiter.limiter` strategy), so every count lives in one storage shared by all workers.

Failures are counted where a success must stay cheap (logins, codes, credentials):
`retry_after()` before the attempt, `hit()` after it failed. Requests that cost us
something whatever the answer (a reset e-mail) are counted each time with `spend()`."""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from sqlalchemy.orm import Session

from .clock import wall_seconds
from .domain import accounts
from .domain.errors import DomainError
from .domain.models import User
from .extensions import limiter


class Throttled(TooManyRequests):
    """Too many attempts; `retry_after` is in seconds."""

    def __init__(self, retry_after: int, description: str | None = None) -> None:
        super().__init__(description or "Too many attempts. Please wait a little and try again.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Throttle:
    setting: str  # the configuration name of the rate, e.g. "LOGIN_ACCOUNT_RATE_LIMIT"
    scope: str  # names this throttle's counts in the storage

    def _items(self) -> list[RateLimitItem]:
        return parse_many(current_app.config[self.setting])

    def retry_after(self, who: str) -> int | None:
        """Seconds until `who` may try again, or None if they may now."""
        if not limiter.enabled:
            return None
        for item in self._items():
            if not limiter.limiter.test(item, self.scope, _key(who)):
                reset = limiter.limiter.get_window_stats(item, self.scope, _key(who)).reset_time
                return max(1, math.ceil(reset - wall_seconds()))
        return None

    def check(self, who: str) -> None:
        """Raise Throttled if `who` has used up this throttle."""
        wait = self.retry_after(who)
        if wait is not None:
            raise Throttled(wait)

    def hit(self, who: str) -> None:
        """Count one failed attempt by `who`."""
        if limiter.enabled:
            for item in self._items():
                limiter.limiter.hit(item, self.scope, _key(who))

    def spend(self, who: str) -> bool:
        """Count one attempt; False if it went over the limit (the caller refuses it)."""
        if not limiter.enabled:
            return True
        return all([limiter.limiter.hit(item, self.scope, _key(who)) for item in self._items()])


    def take(self, who: str) -> None:
        """Count one attempt; raise Throttled if it went over the limit."""
        if not self.spend(who):
            raise Throttled(self.retry_after(who) or 1)

    def reserve(self, who: str) -> None:
        """Count an attempt before making it, with the storage's one atomic increment,
        and raise Throttled if it did not fit: thirty attempts at once cannot all pass a
        check made before any of them was counted. refund() gives a success's count back."""
        if not self.spend(who):
            self.refund(who)  # a refused attempt was not made
            raise Throttled(self.retry_after(who) or 1)

    def refund(self, who: str) -> None:
        """Take back one count of `who` (an attempt that succeeded, or was not made)."""
        if limiter.enabled:
            for item in self._items():
                limiter.limiter.hit(item, self.scope, _key(who), cost=-1)


def _key(who: str) -> str:
    # E-mail addresses and the like go into the storage as digests: short and not personal.
    return hashlib.sha256(who.strip().lower().encode()).hexdigest()[:32]


def too_many_codes(wait: int) -> str:
    return f"Too many codes that did not work; try again in {-(-wait // 60)} minutes."


@contextmanager
def code_guesses(who: str, code: str | None) -> Iterator[None]:
    """The one guard on guessing discount codes, around anything that checks a code (the
    booking form's price and submit, the back office's form, the API's price and
    booking): with a code, raise Throttled while `who` has used up CODE_CHECKS; a wrong
    code (discount_code_invalid) raised inside counts one guess against `who`. Right
    codes and used-up codes cost nothing, so a success stays cheap."""
    if code:
        CODE_CHECKS.check(who)
    try:
        yield
    except DomainError as error:
        if error.code == "discount_code_invalid":
            CODE_CHECKS.hit(who)
        raise


def client_address() -> str:
    """The client's address as the limiter sees it (the real one behind PROXY_FIX)."""
    return get_remote_address()


class AccountAndAddress:
    """One budget counted twice: against the account (or other owner) and against the
    address it came from. A fresh account from the same address brings no fresh budget."""

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    def _whos(self, who: str) -> list[str]:
        address = "addr:" + client_address()
        return [who] if who == address else [who, address]

    def retry_after(self, who: str) -> int | None:
        waits = [w for w in (self.throttle.retry_after(k) for k in self._whos(who)) if w is not None]
        return max(waits) if waits else None

    def check(self, who: str) -> None:
        wait = self.retry_after(who)
        if wait is not None:
            raise Throttled(wait)

    def hit(self, who: str) -> None:
        for key in self._whos(who):
            self.throttle.hit(key)


LOGIN_BY_ADDRESS = Throttle("LOGIN_RATE_LIMIT", "login-failures-address")
LOGIN_BY_ACCOUNT = Throttle("LOGIN_ACCOUNT_RATE_LIMIT", "login-failures-account")
RESET_BY_ADDRESS = Throttle("PASSWORD_RESET_RATE_LIMIT", "reset-address")
RESET_BY_EMAIL = Throttle("PASSWORD_RESET_EMAIL_RATE_LIMIT", "reset-email")
CODE_CHECKS = AccountAndAddress(Throttle("CODE_CHECK_RATE_LIMIT", "code-failures"))
AUTH_FAILURES = Throttle("AUTH_FAILURE_RATE_LIMIT", "auth-failures-address")
REGISTER_BY_ADDRESS = Throttle("REGISTER_RATE_LIMIT", "register-address")
REGISTER_TOTAL = Throttle("REGISTER_TOTAL_RATE_LIMIT", "register-total")


def take_registration() -> None:
    """Count one account creation (an Argon2 hash each) against the client's address and
    against every address together; raise Throttled past either budget."""
    REGISTER_BY_ADDRESS.take(client_address())
    REGISTER_TOTAL.take("all")


def _account_at_address(email: str, address: str) -> str:
    return f"{email.strip().lower()}|{address}"


def reserve_login(email: str) -> None:
    """Count a password attempt for `email` before it is checked, against the client's
    address and against that account from that address; raise Throttled if either is
    used up. Counting per account *and address* stops a guesser without locking the
    owner out: ten wrong passwords from elsewhere leave the owner's own address free
    (and a reset link works whatever the counts)."""
    address = client_address()
    LOGIN_BY_ADDRESS.reserve(address)
    try:
        LOGIN_BY_ACCOUNT.reserve(_account_at_address(email, address))
    except Throttled:
        LOGIN_BY_ADDRESS.refund(address)
        raise


def refund_login(email: str) -> None:
    """The attempt reserve_login counted succeeded (or never checked a password): not a guess."""
    address = client_address()
    LOGIN_BY_ADDRESS.refund(address)
    LOGIN_BY_ACCOUNT.refund(_account_at_address(email, address))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """A password login under the login throttles, for every page that signs people in
    (the log-in page and the booking form's inline sign-in). Failed attempts count per
    address and per account at that address, and once either is over its limit even
    the right password is refused from there (raises Throttled)."""
    reserve_login(email)
    user = accounts.authenticate_login(session, email, password)
    if user is not None:
        refund_login(email)
    return user


def init_app(app: Flask) -> None:
    @app.errorhandler(Throttled)
    def _throttled(exc: Throttled) -> Response | tuple[str, int, dict[str, str]]:
        headers = {"Retry-After": str(exc.retry_after)}
        if request.path.startswith("/api/"):
            from .api.responses import error

            return error("rate_limited", exc.description or "Too many attempts.", 429, headers=headers)
        minutes = max(1, math.ceil(exc.retry_after / 60))
        return render_template("errors/429.html", message=exc.description, minutes=minutes), 429, headers
