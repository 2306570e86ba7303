"""Users, passwords, API keys and customer tokens.

Passwords are hashed with Argon2 (argon2-cffi). API keys and customer tokens are long
random secrets, so a single SHA-256 is enough to store them: nothing to brute-force.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .concurrency import begin_write
from .errors import EmailTaken, FieldErrors, NotFound
from .inputs import CustomerInput
from .models import ApiKey, ApiScope, CustomerToken, Role, User
from .validation import as_email, as_text

_hasher = PasswordHasher()
MIN_PASSWORD = 8
TOKEN_LIFETIME = timedelta(days=30)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True if the password matches; spends the same time when there is no user."""
    if user is None or not user.password_hash:
        _hasher.hash(password)  # equal work either way, so timing tells nothing
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def create_user(
    session: Session,
    *,
    email: object,
    password: object,
    role: object = Role.CUSTOMER,
    first_name: object = "",
    last_name: object = "",
    phone: object = "",
    now: datetime,
) -> User:
    """Create a user who can log in. Raises ValidationFailed or EmailTaken."""
    errors = FieldErrors()
    clean_email = as_email(errors, "email", email)
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        errors.add("password", f"Use at least {MIN_PASSWORD} characters.")
    if role not in {r.value for r in Role}:
        errors.add("role", "Must be customer, staff or admin.")
    first = as_text(errors, "first_name", first_name, max_length=100)
    last = as_text(errors, "last_name", last_name, max_length=100)
    tel = as_text(errors, "phone", phone, max_length=40)
    errors.raise_if_any("The user could not be created.")
    assert clean_email and isinstance(password, str)
    begin_write(session)
    if find_user_by_email(session, clean_email) is not None:
        session.rollback()
        raise EmailTaken(f"A user with the e-mail {clean_email} already exists.")
    user = User(
        email=clean_email,
        password_hash=hash_password(password),
        role=str(role),
        first_name=first or "",
        last_name=last or "",
        phone=tel or "",
        created_at=now,
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise EmailTaken(f"A user with the e-mail {clean_email} already exists.") from None
    return user


def find_or_create_customer(session: Session, data: CustomerInput, errors: FieldErrors, path: str, *, now: datetime) -> User | None:
    """The customer with this e-mail (any case), or a new one. Must run inside the
    caller's write transaction; does not commit."""
    first = as_text(errors, f"{path}.first_name", data.first_name, max_length=100, required=True)
    last = as_text(errors, f"{path}.last_name", data.last_name, max_length=100, required=True)
    email = as_email(errors, f"{path}.email", data.email)
    phone = as_text(errors, f"{path}.phone", data.phone, max_length=40)
    if not (first and last and email) or phone is None:
        return None
    existing = find_user_by_email(session, email)
    if existing is not None:
        if existing.role != Role.CUSTOMER:
            errors.add(f"{path}.email", "That e-mail belongs to a staff account.")
            return None
        return existing
    customer = User(email=email, role=Role.CUSTOMER, first_name=first, last_name=last, phone=phone, created_at=now)
    session.add(customer)
    session.flush()
    return customer


# --- API keys and tokens ------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(session: Session, *, name: object, scope: object, now: datetime, created_by_id: int | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the key itself, which is never stored."""
    errors = FieldErrors()
    clean_name = as_text(errors, "name", name, max_length=120, required=True)
    if scope not in {s.value for s in ApiScope}:
        errors.add("scope", "Must be read or write.")
    errors.raise_if_any("The API key could not be created.")
    secret = "bk_" + secrets.token_urlsafe(32)
    key = ApiKey(
        name=clean_name, prefix=secret[:8], key_hash=_digest(secret), scope=str(scope), created_at=now, created_by_id=created_by_id
    )
    session.add(key)
    session.commit()
    return key, secret


def authenticate_api_key(session: Session, secret: str, *, now: datetime) -> ApiKey | None:
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == _digest(secret))).first()
    if key is None or key.revoked_at is not None:
        return None
    key.last_used_at = now
    session.commit()
    return key


def revoke_api_key(session: Session, key_id: int, *, now: datetime) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key with ID {key_id} was not found")
    if key.revoked_at is None:
        key.revoked_at = now
        session.commit()
    return key


def issue_token(session: Session, user: User, *, now: datetime) -> tuple[CustomerToken, str]:
    secret = secrets.token_urlsafe(32)
    token = CustomerToken(user_id=user.id, token_hash=_digest(secret), created_at=now, expires_at=now + TOKEN_LIFETIME)
    session.add(token)
    session.commit()
    return token, secret


def authenticate_token(session: Session, secret: str, *, now: datetime) -> User | None:
    token = session.scalars(select(CustomerToken).where(CustomerToken.token_hash == _digest(secret))).first()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    return user if user is not None and user.active else None


def revoke_token(session: Session, secret: str, *, now: datetime) -> bool:
    token = session.scalars(select(CustomerToken).where(CustomerToken.token_hash == _digest(secret))).first()
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = now
    session.commit()
    return True
