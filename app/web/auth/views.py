"""Register, log in and out, reset a forgotten password, and the profile page."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as web_session
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ...clock import now
from ...db import get_session
from ...domain import accounts
from ...domain.errors import DomainError, EmailTaken
from ... import throttle
from ...links import public_url_for
from ..auth_loader import log_in, log_out
from ..formatting import phone as phone_text
from .forms import ConfirmForm, ForgotForm, LoginForm, PasswordForm, ProfileForm, RegisterForm, ResetForm

bp = Blueprint("auth", __name__)



def show_errors(form: FlaskForm, error: DomainError) -> None:
    """Put a domain error on the form fields it names, or at the top of the form."""
    placed = False
    for path, message in error.details.items():
        field = getattr(form, path, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
            placed = True
    if error.code == "email_taken" and hasattr(form, "email"):
        form.email.errors = [*form.email.errors, "An account with this e-mail already exists. Log in, or reset the password."]
        placed = True
    if not placed:
        flash(error.message, "error")


# The booking form's choices, kept while a visitor confirms an address or signs in
# (GET /book?resume=1 restores them).
RESUME_KEY = "resume_booking"


def safe_next(default: str) -> str:
    """Where to go after signing in: the `next` argument if it is a path on this site."""
    return local_path(request.args.get("next", ""), default)


def local_path(target: str, default: str) -> str:
    """`target` if it is a path on this site only, never another site ("//evil",
    "/\\evil" and control characters are read by browsers as other hosts), else `default`."""
    parts = urlsplit(target)
    local = (
        target.startswith("/") and not target.startswith("//") and "\\" not in target and not parts.netloc and not parts.scheme
        and target.isprintable() and len(target) <= 2000
    )
    return target if local else default


def start_registration(*, email: str, first_name: str, last_name: str, phone: str, next_path: str = "",
                       resume: list[tuple[str, str]] | None = None) -> None:
    """Register from a page (under the registration throttles, raising Throttled): the
    answer goes to the mailbox only (accounts.request_registration), so the page that
    follows is the same whoever owns the address. Sign-in links in the e-mails lead back
    to `next_path`. Raises DomainError for invalid details."""
    throttle.take_registration()
    accounts.request_registration(
        get_session(), email=email, first_name=first_name, last_name=last_name, phone=phone, next_path=next_path,
        resume=resume or [], secret=current_app.config["SECRET_KEY"], now=now(),
        confirm_link_for=lambda token: public_url_for("auth.confirm_registration", token=token),
        reset_link_for=lambda token: public_url_for("auth.reset_password", token=token),
        login_link=public_url_for("auth.login", next=next_path or None),
        # The same budget as reset e-mails to that address, so this cannot flood a mailbox.
        may_send=throttle.RESET_BY_EMAIL.spend,
    )


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            start_registration(email=form.email.data, first_name=form.first_name.data, last_name=form.last_name.data,
                               phone=form.phone.data or "", next_path=safe_next(""))
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect(url_for("auth.registration_sent"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.get("/register/sent")
def registration_sent() -> str:
    """The one answer to a registration, whoever owns the address."""
    return render_template("auth/registration_sent.html")


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_registration(token: str) -> str | Response:
    session = get_session()
    secret = current_app.config["SECRET_KEY"]
    registration = accounts.registration_for_token(token, secret=secret, now=now())
    if registration is None:
        flash("This link is not valid any more (it lasts 24 hours); please register again.", "error")
        return redirect(url_for("auth.register"))
    if accounts.find_user_by_email(session, registration.email) is not None:
        flash("This address has an account now: log in, or reset the password.", "success")
        return redirect(url_for("auth.login"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user, registration = accounts.confirm_registration(session, token, form.password.data, secret=secret, now=now())
        except EmailTaken:
            flash("This address has an account now: log in, or reset the password.", "success")
            return redirect(url_for("auth.login"))
        except DomainError as error:
            show_errors(form, error)
        else:
            log_in(user)
            flash(f"Welcome, {user.first_name}! Your account is ready.", "success")
            if registration.resume:
                web_session[RESUME_KEY] = list(registration.resume)
            return redirect(local_path(registration.next_path, url_for("main.home")))
    return render_template("auth/confirm.html", form=form, registration=registration), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if request.method == "GET" and not form.email.data:
        form.email.data = web_session.pop("login_email", None)  # set by an e-mail's link (messages.booking_link)
    if form.validate_on_submit():
        user = throttle.authenticate(get_session(), form.email.data, form.password.data)
        if user is not None:
            log_in(user, remember=form.remember.data)
            # Staff land on the office's dashboard (agents on their day), customers at home.
            return redirect(safe_next(url_for("admin.home") if not user.is_customer else url_for("main.home")))
        form.password.errors = ["The e-mail or password is not correct."]
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout() -> Response:
    # A plain form post with its CSRF token (CSRFProtect checks it before we get here).
    log_out()
    flash("You are logged out.", "success")
    return redirect(url_for("main.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    form = ForgotForm()
    if form.validate_on_submit():
        throttle.RESET_BY_ADDRESS.take(throttle.client_address())
        # Over the limit for one target address nothing more is sent, with the same answer.
        if throttle.RESET_BY_EMAIL.spend(form.email.data):
            accounts.queue_password_reset(
                get_session(), form.email.data, secret=current_app.config["SECRET_KEY"],
                link_for=lambda token: public_url_for("auth.reset_password", token=token), now=now(),
            )
        # The same answer whether or not the address has an account.
        flash("If that address has an account, we have sent it a link to choose a new password.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    session = get_session()
    secret = current_app.config["SECRET_KEY"]
    if accounts.user_for_reset_token(session, token, secret=secret, now=now()) is None:
        flash("This reset link is not valid any more; ask for a new one.", "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = accounts.reset_password(session, token, form.password.data, secret=secret, now=now())
        except DomainError as error:
            show_errors(form, error)
        else:
            log_in(user)
            flash("Your new password is set.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    user = current_user.user
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.phone.data = phone_text(user.phone)  # stored in E.164, shown as people write it
    password_form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            accounts.update_profile(get_session(), user.id, {name: getattr(form, name).data for name in (
                "first_name", "last_name", "phone", "address", "city", "state", "zip", "sms_notifications")}, now=now())
        except DomainError as error:
            show_errors(form, error)
        else:
            flash("Your details are saved.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form), 422 if form.errors else 200


@bp.post("/profile/password")
@login_required
def change_password() -> str | Response:
    user = current_user.user
    form = ProfileForm(obj=user)
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        # The current password is a login's password: a stolen session guessing it is
        # throttled as a login is (raises Throttled, the "please wait" page).
        throttle.reserve_login(user.email)
        try:
            changed = accounts.change_password(
                get_session(), user.id, current=password_form.current_password.data, new=password_form.new_password.data, now=now()
            )
        except DomainError as error:
            if "current_password" not in error.details:
                throttle.refund_login(user.email)
            show_errors(password_form, error)
        else:
            throttle.refund_login(user.email)
            # This browser stays logged in with the new session version; others are out.
            log_in(changed)
            flash("Your password is changed. Other devices have been logged out.", "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, password_form=password_form), 422
