"""Calendar subscription links: the public feed (the secret URL is the only
credential), and the buttons that create, replace or end a link, on the customer's
profile and on the back office's agent page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required

from ..clock import now
from ..db import get_session
from ..domain import feeds
from ..domain.errors import DomainError, NotFound

bp = Blueprint("feeds", __name__)


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def feed_url(token: str) -> str:
    """The link to give out: from PUBLIC_URL when configured, not from the request's Host."""
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if base:
        return base + url_for("feeds.calendar", token=token)
    return url_for("feeds.calendar", token=token, _external=True)


def calendar_feed_url(kind: str, owner_id: int) -> str | None:
    """For templates: the owner's current link, or None while there is none."""
    token = feeds.feed_token(get_session(), kind, owner_id, secret=_secret())
    return feed_url(token) if token is not None else None


@bp.get("/calendar/<token>.ics")
def calendar(token: str) -> Response:
    try:
        body = feeds.feed_ics(get_session(), token, now=now())
    except NotFound:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    # The URL is the credential: keep it out of other sites' logs and search engines.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _change(kind: str, owner_id: int) -> None:
    session = get_session()
    try:
        if request.form.get("action") == "revoke":
            feeds.revoke_feed(session, kind, owner_id)
            flash("The calendar link is switched off; calendars subscribed to it stop updating.", "success")
        else:
            feeds.regenerate_feed(session, kind, owner_id, secret=_secret(), now=now())
            flash("A new calendar link is ready; the previous one no longer works.", "success")
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(error.message, "error")


@bp.post("/profile/calendar-feed")
@login_required
def customer_feed() -> Any:
    user = current_user.user
    if not user.is_customer:
        abort(403)
    _change("customer", user.id)
    return redirect(url_for("auth.profile") + "#calendar-feed", code=303)


@bp.post("/admin/manage/agents/<int:agent_id>/calendar-feed")
@login_required
def agent_feed(agent_id: int) -> Any:
    if not current_user.user.is_staff:
        abort(403)
    _change("agent", agent_id)
    return redirect(url_for("admin.agent_hours", object_id=agent_id) + "#calendar-feed", code=303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(calendar_feed_url)
