"""Webhook endpoints in the back office (admins only): list, add (the secret is shown
once), edit, deactivate, and each endpoint's delivery log with "Resend"."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ...db import get_session
from ...domain import webhooks
from ...domain.errors import DomainError
from ...domain.models import WebhookEndpoint
from .views import actor, bp, now


@bp.before_request
def _webhooks_admins_only() -> None:
    if request.endpoint and request.endpoint.startswith("admin.webhook") and not actor().is_admin:
        abort(403)


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    try:
        return webhooks.get_endpoint(get_session(), endpoint_id)
    except DomainError:
        abort(404)


def _values(form: MultiDict[str, str]) -> dict[str, Any]:
    return {"url": form.get("url", "").strip(), "description": form.get("description", ""), "events": form.getlist("events")}


def _errors(error: DomainError) -> dict[str, str]:
    return {k: str(v) for k, v in error.details.items()} | {"form": error.message}


@bp.get("/webhooks")
def webhooks_list() -> Any:
    return render_template("admin/webhooks/list.html", endpoints=webhooks.list_endpoints(get_session()))


@bp.route("/webhooks/new", methods=["GET", "POST"])
def webhook_new() -> Any:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"url": "", "description": "", "events": list(webhooks.EVENTS)}
    if request.method == "POST":
        values = _values(request.form)
        try:
            endpoint, secret = webhooks.create_endpoint(get_session(), values, actor=actor(), now=now(),
                                                        allow_private=_allow_private())
        except DomainError as error:
            errors = _errors(error)
        else:
            # The secret is shown in this answer only; the endpoint's page never shows it.
            return render_template("admin/webhooks/created.html", endpoint=endpoint, secret=secret), 201
    return render_template("admin/webhooks/form.html", endpoint=None, values=values, errors=errors,
                           events=webhooks.EVENTS), 422 if errors else 200


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
def webhook_edit(endpoint_id: int) -> Any:
    endpoint = _endpoint(endpoint_id)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"url": endpoint.url, "description": endpoint.description, "events": list(endpoint.events)}
    if request.method == "POST":
        values = _values(request.form)
        try:
            webhooks.update_endpoint(get_session(), endpoint.id, values, actor=actor(), now=now(), allow_private=_allow_private())
        except DomainError as error:
            errors = _errors(error)
        else:
            flash("Webhook endpoint saved.", "success")
            return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint.id), code=303)
    return render_template("admin/webhooks/form.html", endpoint=endpoint, values=values, errors=errors,
                           events=webhooks.EVENTS), 422 if errors else 200


@bp.post("/webhooks/<int:endpoint_id>/active")
def webhook_set_active(endpoint_id: int) -> Any:
    endpoint = _endpoint(endpoint_id)
    active = request.form.get("active") == "1"
    webhooks.update_endpoint(get_session(), endpoint.id, {"active": active}, actor=actor(), now=now(), allow_private=True)
    flash("Webhook endpoint activated." if active else "Webhook endpoint deactivated: no new events are sent to it.", "success")
    return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint.id), code=303)


@bp.get("/webhooks/<int:endpoint_id>/deliveries")
def webhook_deliveries(endpoint_id: int) -> Any:
    endpoint = _endpoint(endpoint_id)
    try:
        page = webhooks.list_deliveries(get_session(), endpoint.id, page=request.args.get("page", "1"))
    except DomainError:
        abort(404)
    return render_template("admin/webhooks/deliveries.html", endpoint=endpoint, page=page)


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend")
def webhook_resend(endpoint_id: int, delivery_id: int) -> Any:
    try:
        delivery = webhooks.resend(get_session(), endpoint_id, delivery_id, actor=actor(), now=now())
    except DomainError:
        abort(404)
    flash(f"Delivery {delivery.event_id} will be sent again shortly.", "success")
    return redirect(url_for("admin.webhook_deliveries", endpoint_id=endpoint_id), code=303)


@bp.post("/webhooks/<int:endpoint_id>/test")
def webhook_test(endpoint_id: int) -> Any:
    """Send a signed test event now, then show it in the delivery log."""
    endpoint = _endpoint(endpoint_id)
    try:
        delivery = webhooks.send_test_event(get_session(), endpoint.id, actor=actor(), now=now())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("admin.webhook_edit", endpoint_id=endpoint.id), code=303)
    flash(f"Test event {delivery.event_id} queued; it shows below once sent.", "success")
    return redirect(url_for("admin.webhook_deliveries", endpoint_id=endpoint.id), code=303)
