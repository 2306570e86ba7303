"""Users, passwords, API keys and customer tokens.

Passwords are hashed with Argon2 (argon2-cffi). API keys and customer tokens are long
random secrets, so a single SHA-256 is enough to store them: nothing to brute-force.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .cache import lookup, remember, versions
from .concurrency import begin_write
from .errors import EmailTaken, FieldErrors, NotFound
from .inputs import CustomerInput
from .models import ApiKey, ApiScope, CalendarFeed, CustomerToken, LoginSession, Role, User
from .notifications import queue_message
from .phones import as_phone, region_for, unchanged
from .validation import as_email, as_text

_hasher = PasswordHasher()
MIN_PASSWORD = 8
TOKEN_LIFETIME = timedelta(days=30)
# Flask-Login's remember cookie lasts a year: a login older than that cannot be resumed.
LOGIN_LIFETIME = timedelta(days=366)
# How stale an API key's last_used_at may be: one write a minute, not one per request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


_dummy_hash: str | None = None


def _hash_for_nobody() -> str:
    """A real Argon2 hash with the hasher's own parameters, made once per process."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def verify_password(user: User | None, password: str) -> bool:
    """True if the password matches. Without a user (or a password) it verifies against
    a dummy hash instead: the same Argon2 work, so the time taken does not tell who
    has an account."""
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        ok = _hasher.verify(stored or _hash_for_nobody(), password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not None


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
    names_required: bool = False,
) -> User:
    """Create a user who can log in. Raises ValidationFailed (every field's problem at
    once) or EmailTaken."""
    errors = FieldErrors()
    clean_email = as_email(errors, "email", email)
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        errors.add("password", f"Use at least {MIN_PASSWORD} characters.")
    if role not in {r.value for r in Role}:
        errors.add("role", "Must be customer, staff or admin.")
    first = as_text(errors, "first_name", first_name, max_length=100, single_line=True, required=names_required)
    last = as_text(errors, "last_name", last_name, max_length=100, single_line=True, required=names_required)
    tel = as_phone(errors, "phone", phone, region=region_for(session))
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


NEEDS_CONTACT = "Give an e-mail or a phone number."
# A card is saved with Stripe under the customer's e-mail, by the customer (issue 22).
CARD_NEEDS_EMAIL = "Paying by card needs the customer's e-mail address; choose cash or check, or add an e-mail first."


def find_or_create_customer(session: Session, data: CustomerInput, errors: FieldErrors, path: str, *, now: datetime,
                            phone_only: bool = False) -> User | None:
    """The customer with this e-mail (any case), or a new one. Must run inside the
    caller's write transaction; does not commit.

    `phone_only` (staff booking a caller, issue 22): without an e-mail the phone is
    required, and the customer is the e-mail-less one with the same number and name
    (any case), or a new one with no e-mail: no account, no e-mails."""
    first = as_text(errors, f"{path}.first_name", data.first_name, max_length=100, required=True, single_line=True)
    last = as_text(errors, f"{path}.last_name", data.last_name, max_length=100, required=True, single_line=True)
    email = as_email(errors, f"{path}.email", data.email, required=not phone_only)
    phone = as_phone(errors, f"{path}.phone", data.phone, region=region_for(session))
    if phone_only and email == "" and phone == "":
        errors.add(f"{path}.email", NEEDS_CONTACT)
        return None
    if not (first and last) or email is None or phone is None:
        return None
    if not email:
        return _phone_only_customer(session, first, last, phone, now=now)
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


def _phone_only_customer(session: Session, first: str, last: str, phone: str, *, now: datetime) -> User:
    """The e-mail-less customer with this number (E.164) and name (any case), or a new one."""
    same_number = session.scalars(
        select(User).where(User.email.is_(None), User.role == Role.CUSTOMER, User.phone == phone).order_by(User.id)
    )
    for known in same_number:
        if (known.first_name.casefold(), known.last_name.casefold()) == (first.casefold(), last.casefold()):
            return known
    customer = User(email=None, role=Role.CUSTOMER, first_name=first, last_name=last, phone=phone, created_at=now)
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
        errors.add("scope", "Must be read, write or admin.")
    errors.raise_if_any("The API key could not be created.")
    secret = "bk_" + secrets.token_urlsafe(32)
    key = ApiKey(
        name=clean_name, prefix=secret[:8], key_hash=_digest(secret), scope=str(scope), created_at=now, created_by_id=created_by_id
    )
    session.add(key)
    session.commit()
    return key, secret


@dataclass(frozen=True)
class KeyInfo:
    """What a request needs of a live API key; kept in the read-path cache under the
    API keys' version (cache.py), so creating, revoking or changing any key is seen by
    the very next request of every process."""

    id: int
    name: str
    prefix: str
    scope: str
    last_used_at: datetime | None


def authenticate_api_key(session: Session, secret: str, *, now: datetime) -> KeyInfo | None:
    """The live key with this secret, or None. Warm, this reads only the versions every
    read request reads anyway. `last_used_at` is written at most once a minute per key,
    with a plain UPDATE (not a change of the key as the cache sees it), so a read
    request does not become a write."""
    digest = _digest(secret)
    key = ("api_key", versions(session).api_keys, digest)
    info: KeyInfo | None = lookup(session, key)
    if info is None:
        row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).first()
        if row is None or row.revoked_at is not None:
            return None  # unknown keys are not cached: made-up ones would crowd out real ones
        info = remember(session, key, KeyInfo(row.id, row.name, row.prefix, row.scope, row.last_used_at))
    if info.last_used_at is None or now - info.last_used_at >= LAST_USED_GRANULARITY:
        session.execute(update(ApiKey).where(ApiKey.id == info.id).values(last_used_at=now))
        session.commit()
        info = replace(info, last_used_at=now)
        remember(session, key, info)
    return info


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


def end_all_sessions(session: Session, user: User, *, now: datetime) -> None:
    """End everything that keeps this user signed in or lets a link act for them:
    browser sessions (older session versions stop loading), remember cookies, reset
    links, every bearer token and their calendar feed link. Token rows stay revoked and
    the feed is deleted, so reactivating the account brings none back. Does not commit."""
    user.session_version = (user.session_version or 1) + 1
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    session.execute(
        update(CustomerToken).where(CustomerToken.user_id == user.id, CustomerToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)).values(ended_at=now)
    )


def start_login_session(session: Session, user: User, *, now: datetime) -> str:
    """A new browser login for the user; returns the random id its cookies carry."""
    secret = secrets.token_urlsafe(32)
    # The user's ended logins and those older than any remember cookie are of no use now.
    session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id, or_(LoginSession.ended_at.is_not(None), LoginSession.created_at < now - LOGIN_LIFETIME)))
    session.add(LoginSession(user_id=user.id, token_hash=_digest(secret), created_at=now))
    session.commit()
    return secret


def user_for_login_session(session: Session, user_id: int, version: int, secret: str) -> User | None:
    """The active user a browser's cookies name, if that login has not ended and the
    user's sessions have not been ended since (password change, deactivation)."""
    return session.scalars(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, User.active.is_(True), User.session_version == version,
               LoginSession.token_hash == _digest(secret), LoginSession.ended_at.is_(None))
    ).first()


def end_login_session(session: Session, secret: str, *, now: datetime) -> None:
    """Log out one browser: its session and remember cookies stop working."""
    session.execute(
        update(LoginSession).where(LoginSession.token_hash == _digest(secret), LoginSession.ended_at.is_(None)).values(ended_at=now)
    )
    session.commit()


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


# --- customers' own accounts (web pages) -------------------------------------------------

RESET_MAX_AGE = 2 * 3600
PROFILE_FIELDS = {"first_name": 100, "last_name": 100, "phone": 40, "address": 255, "city": 100, "state": 40, "zip": 20}


def register_customer(
    session: Session, *, email: object, password: object, first_name: object, last_name: object, phone: object = "", now: datetime
) -> User:
    """A new customer account, at once: for staff, tests and a confirmed registration
    (`confirm_registration`); the pages start with `request_registration`. An e-mail
    already known (also one staff booked for, without a password) is refused: its owner
    sets a password by "forgot password", which proves they read that mailbox. Raises
    ValidationFailed or EmailTaken."""
    return create_user(
        session, email=email, password=password, role=Role.CUSTOMER, first_name=first_name, last_name=last_name, phone=phone, now=now,
        names_required=True,
    )


# A confirmation link lasts a day (a reset link two hours: it acts on an account that
# exists; this one only creates an account that does not yet).
REGISTRATION_MAX_AGE = 24 * 3600
# How much of a booking form a confirmation link carries back (JSON characters): the
# choices, not a long note; a longer form comes back empty rather than making the link
# too long for a mail client.
MAX_RESUME = 1500


@dataclass(frozen=True)
class Registration:
    """What a confirmation link carries: the details given at registration, and where
    the person was going (a local path, and the booking form's choices to restore)."""

    email: str
    first_name: str
    last_name: str
    phone: str
    next_path: str
    resume: tuple[tuple[str, str], ...]


def resumable(choices: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The booking form's choices if they are short enough to carry (MAX_RESUME), else none."""
    pairs = [(str(name), str(value)) for name, value in choices]
    return pairs if len(json.dumps(pairs)) <= MAX_RESUME else []


def _registration_serializer(secret: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="registration", signer=_ClockSigner, signer_kwargs={"now": now})


def check_registration(
    session: Session, *, email: object, first_name: object, last_name: object, phone: object = "",
) -> tuple[str, str, str, str]:
    """The e-mail, names and phone of a registration, cleaned (the phone in E.164, read in
    the business's region, as every phone). Raises ValidationFailed (every field's
    problem at once), before any e-mail is sent."""
    errors = FieldErrors()
    clean_email = as_email(errors, "email", email)
    first = as_text(errors, "first_name", first_name, max_length=100, single_line=True, required=True)
    last = as_text(errors, "last_name", last_name, max_length=100, single_line=True, required=True)
    tel = as_phone(errors, "phone", phone, region=region_for(session)) or ""
    errors.raise_if_any("Please check the highlighted fields.")
    assert clean_email and first and last
    return clean_email, first, last, tel


def request_registration(
    session: Session, *, email: object, first_name: object, last_name: object, phone: object = "", next_path: str = "",
    resume: Sequence[tuple[str, str]] = (), secret: str, confirm_link_for: Callable[[str], str],
    reset_link_for: Callable[[str], str], login_link: str, may_send: Callable[[str], bool] = lambda email: True, now: datetime,
) -> None:
    """Start a new customer account, answering in the mailbox only, so that what the
    caller shows cannot tell who has an account (as a password reset). A new address
    gets a signed link, valid REGISTRATION_MAX_AGE, that creates the account once
    (`confirm_registration`); an address with an account gets a reminder with a sign-in
    and a reset link; a deactivated one gets nothing. `may_send(email)` is the
    mailbox's own budget: past it nothing is sent, with the same answer. Raises
    ValidationFailed for details that are invalid whoever owns the address."""
    clean_email, first, last, tel = check_registration(session, email=email, first_name=first_name, last_name=last_name, phone=phone)
    if not may_send(clean_email):
        return
    user = find_user_by_email(session, clean_email)
    if user is not None:
        if user.active:
            _queue_account_reminder(session, user, secret=secret, link_for=reset_link_for, login_link=login_link, now=now)
        return
    pairs = [list(pair) for pair in resumable(resume)]
    token = _registration_serializer(secret, now).dumps({
        "email": clean_email, "first_name": first, "last_name": last, "phone": tel, "next": next_path[:500], "resume": pairs,
    })
    link = confirm_link_for(token)
    name = f"{first} {last}"
    queue_message(
        session,
        topic="account.confirm",
        recipient=clean_email,
        subject="Confirm your e-mail address",
        body=f"Hello {name},\n\nTo create your account{' and finish your booking' if pairs else ''}, open this link within "
        f"24 hours and choose a password:\n\n{link}\n\nIf you did not ask for an account, ignore this message; "
        "nothing is created without it.\n",
        payload={"link": link, "name": name},
        now=now,
    )
    session.commit()


def registration_for_token(token: str, *, secret: str, now: datetime) -> Registration | None:
    """What a confirmation link is for, if it is genuine and fresh (at `now`)."""
    try:
        data = _registration_serializer(secret, now).loads(token, max_age=REGISTRATION_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    return Registration(
        email=str(data.get("email", "")), first_name=str(data.get("first_name", "")), last_name=str(data.get("last_name", "")),
        phone=str(data.get("phone", "")), next_path=str(data.get("next", "")),
        resume=tuple((str(name), str(value)) for name, value in data.get("resume", [])),
    )


def _link_and_password(found: object, password: object, *, invalid: str, failed: str) -> str:
    """The password a link's page was given, if the link named something (`found`) and
    the password is long enough. Raises ValidationFailed with either problem or both."""
    errors = FieldErrors()
    if found is None:
        errors.add("token", invalid)
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        errors.add("password", f"Use at least {MIN_PASSWORD} characters.")
    errors.raise_if_any(failed)
    assert isinstance(password, str)
    return password


def confirm_registration(session: Session, token: str, password: object, *, secret: str, now: datetime) -> tuple[User, Registration]:
    """Create the account a confirmation link is for, with the password chosen now.
    Works once: the address then has an account. Raises ValidationFailed (a link not
    genuine or expired, a short password) or EmailTaken (used, or the address got an
    account meanwhile)."""
    registration = registration_for_token(token, secret=secret, now=now)
    password = _link_and_password(registration, password, invalid="This link is not valid any more (it lasts 24 hours); please "
                                  "register again.", failed="The account was not created.")
    assert registration is not None
    user = register_customer(session, email=registration.email, password=password, first_name=registration.first_name,
                             last_name=registration.last_name, phone=registration.phone, now=now)
    return user, registration


def _queue_account_reminder(session: Session, user: User, *, secret: str, link_for: Callable[[str], str], login_link: str,
                            now: datetime) -> None:
    """Someone tried to register an address that has an account: tell that mailbox, with
    a way to sign in and a reset link."""
    link = link_for(_reset_serializer(secret, now).dumps({"uid": user.id, "v": user.session_version}))
    queue_message(
        session,
        topic="account.exists",
        recipient=user.email,
        subject="You already have an account",
        body=f"Hello {user.full_name},\n\nSomeone, perhaps you, tried to create a new account with this address. You already "
        f"have one: sign in at\n\n{login_link}\n\nor, if you forgot the password, choose a new one within two hours here:\n\n"
        f"{link}\n\nIf this was not you, ignore this message; nothing has changed.\n",
        payload={"link": link, "name": user.full_name},
        now=now,
    )
    session.commit()


def authenticate_login(session: Session, email: object, password: object) -> User | None:
    """The active user with this e-mail and password, or None (same work either way)."""
    user = find_user_by_email(session, email) if isinstance(email, str) else None
    ok = verify_password(user, password if isinstance(password, str) else "")
    return user if ok and user is not None and user.active else None


def update_profile(session: Session, user_id: int, values: dict[str, object], *, now: datetime) -> User:
    """Change a user's own contact details. Raises ValidationFailed."""
    errors = FieldErrors()
    clean: dict[str, object] = {}
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    for name, limit in PROFILE_FIELDS.items():
        if name == "phone" and name in values:
            region = region_for(session)
            clean[name] = user.phone if unchanged(values[name], user.phone, region) else \
                as_phone(errors, name, values[name], region=region)
        elif name in values:
            clean[name] = as_text(errors, name, values[name], max_length=limit, required=name in ("first_name", "last_name"),
                                  single_line=True)
    if "sms_notifications" in values:
        clean["sms_notifications"] = bool(values["sms_notifications"])
    if clean.get("sms_notifications") and not clean.get("phone", user.phone) and "phone" not in errors.errors:
        errors.add("phone", "Give a mobile number to get text messages.")
    errors.raise_if_any("Please check the highlighted fields.")
    for name, value in clean.items():
        setattr(user, name, value)
    session.commit()
    return user


def change_password(session: Session, user_id: int, *, current: object, new: object, now: datetime) -> User:
    """Set a new password after checking the current one; other sessions end.
    Raises ValidationFailed."""
    user = session.get(User, user_id)
    errors = FieldErrors()
    if user is None or not verify_password(user, current if isinstance(current, str) else ""):
        errors.add("current_password", "That is not your current password.")
    if not isinstance(new, str) or len(new) < MIN_PASSWORD:
        errors.add("new_password", f"Use at least {MIN_PASSWORD} characters.")
    errors.raise_if_any("The password was not changed.")
    assert user is not None and isinstance(new, str)
    _set_password(session, user, new, now=now)
    session.commit()
    return user


def _set_password(session: Session, user: User, password: str, *, now: datetime) -> None:
    user.password_hash = hash_password(password)
    end_all_sessions(session, user, now=now)


class _ClockSigner(TimestampSigner):
    """itsdangerous's timestamp signer on the caller's clock instead of the machine's,
    so a reset link's age is measured on the same clock as everything else."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp())


def _reset_serializer(secret: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="password-reset", signer=_ClockSigner, signer_kwargs={"now": now})


def queue_password_reset(session: Session, email: object, *, secret: str, link_for: Callable[[str], str], now: datetime) -> None:
    """E-mail a reset link if the address belongs to an active account. Says nothing
    either way, so the answer does not reveal who has an account."""
    user = find_user_by_email(session, email) if isinstance(email, str) else None
    if user is None or not user.active:
        return
    token = _reset_serializer(secret, now).dumps({"uid": user.id, "v": user.session_version})
    link = link_for(token)
    queue_message(
        session,
        topic="account.password_reset",
        recipient=user.email,
        subject="Reset your password",
        body=f"Hello {user.full_name},\n\nTo choose a new password, open this link within two hours:\n\n"
        f"{link}\n\nIf you did not ask for this, ignore this message; your password stays as it is.\n",
        payload={"link": link, "name": user.full_name},
        now=now,
    )
    session.commit()


def user_for_reset_token(session: Session, token: str, *, secret: str, now: datetime) -> User | None:
    """The user a reset link is for, if it is genuine, fresh (at `now`) and unused."""
    try:
        data = _reset_serializer(secret, now).loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    user = session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or user.session_version != data.get("v"):
        return None
    return user


def reset_password(session: Session, token: str, new: object, *, secret: str, now: datetime) -> User:
    """Set a password from a reset link; the link then stops working. Raises
    ValidationFailed for a bad link or a too-short password."""
    user = user_for_reset_token(session, token, secret=secret, now=now)
    new = _link_and_password(user, new, invalid="This reset link is not valid any more; ask for a new one.",
                             failed="The password was not changed.")
    assert user is not None
    _set_password(session, user, new, now=now)
    session.commit()
    return user
