"""What e-mails link to: the signed link to one booking (sign in, then land on its
page) and the customer's message preferences."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask import session as web_session
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField

from ...clock import now
from ...db import get_session
from ...domain import notifications
from ...domain.errors import DomainError
from ...domain.models import User
from ...domain.links import LinkExpired, LinkInvalid, read_booking_link
from ..auth.views import show_errors

bp = Blueprint("messages", __name__)



class PreferencesForm(FlaskForm):
    notify_reminders = BooleanField("Reminders before each visit")
    notify_changes = BooleanField("Notices when a booking is moved or changed")
    sms_notifications = BooleanField("Also send them to my mobile as text messages")


@bp.get("/m/<token>")
def booking_link(token: str) -> Any:
    """A link from an e-mail: checked, then to the booking's page, through the login
    page when nobody (or somebody else) is signed in."""
    try:
        link = read_booking_link(current_app.config["SECRET_KEY"], token, now=now())
    except (LinkInvalid, LinkExpired) as error:
        return render_template("messages/link_problem.html", error=error), error.status
    endpoint = "customer.reschedule" if link.action == "reschedule" else "customer.booking_detail"
    target = url_for(endpoint, booking_id=link.booking_id)
    if not current_user.is_authenticated or current_user.user.id != link.customer_id:
        if current_user.is_authenticated:
            flash("This link is for another account: log in as the person it was sent to.", "error")
        else:
            # Say why the login page comes first, with the address the e-mail went to filled in.
            customer = get_session().get(User, link.customer_id)
            web_session["login_email"] = (customer.email or "") if customer is not None else ""
            flash("Log in to see your booking; you will be taken straight to it.", "info")
        return redirect(url_for("auth.login", next=target))
    return redirect(target)


@bp.route("/profile/messages", methods=["GET", "POST"])
@login_required
def preferences() -> Any:
    user = current_user.user
    form = PreferencesForm(obj=user)
    if form.validate_on_submit():
        try:
            notifications.set_message_preferences(
                get_session(), user.id, reminders=bool(form.notify_reminders.data), changes=bool(form.notify_changes.data),
                texts=bool(form.sms_notifications.data),
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            flash("Your message preferences are saved.", "success")
            return redirect(url_for("messages.preferences"))
    return render_template("messages/preferences.html", form=form, user=user), 422 if form.errors else 200
