"""Payment policies in the back office (admins only): the business-wide default and each
service's own policy (pay in person, in full, a deposit, or a card on file; the
late-cancellation and no-show fees). The rules are app/domain/payment_policies.py's."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...domain import payment_policies
from ...domain.errors import DomainError, NotFound
from .views import actor, bp, now

# The choices as the form offers them (the values of PaymentMode and AmountType).
MODE_LABELS = (
    ("in_person", "Pay in person (cash or check at the visit)"),
    ("full", "Pay in full by card when booking"),
    ("deposit", "A deposit by card when booking"),
    ("card_on_file", "Card on file, charged when the visit is completed"),
)
AMOUNT_LABELS = (("percent", "Percent of the total"), ("fixed", "Fixed amount"))


@bp.before_request
def _payment_policies_admins_only() -> None:
    if request.endpoint and request.endpoint.startswith("admin.payment_polic") and not actor().is_admin:
        abort(403)


def _form_values() -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in payment_policies.FIELDS}


def _errors(error: DomainError) -> dict[str, str]:
    return {k: str(v) for k, v in error.details.items()} | {"form": error.message}


@bp.get("/payment-policies")
def payment_policies_list() -> Any:
    default, services = payment_policies.overview(get_session())
    return render_template("admin/payment_policies/list.html", default=default, services=services)


@bp.route("/payment-policies/default", methods=["GET", "POST"])
def payment_policy_default() -> Any:
    return _edit(None)


@bp.route("/payment-policies/services/<int:service_id>", methods=["GET", "POST"])
def payment_policy_service(service_id: int) -> Any:
    return _edit(service_id)


@bp.post("/payment-policies/services/<int:service_id>/remove")
def payment_policy_remove(service_id: int) -> Any:
    try:
        payment_policies.remove_policy(get_session(), service_id=service_id, actor=actor(), now=now())
    except NotFound:
        abort(404)
    flash("The service follows the business-wide default again.", "success")
    return redirect(url_for("admin.payment_policy_service", service_id=service_id), code=303)


def _edit(service_id: int | None) -> Any:
    session = get_session()
    try:
        info = (payment_policies.service_policy(session, service_id) if service_id is not None
                else payment_policies.default_policy(session))
    except NotFound:
        abort(404)
    values: dict[str, Any] = {k: str(v) for k, v in info.values.items()}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _form_values()
        try:
            payment_policies.set_policy(session, service_id=service_id, values=values, actor=actor(), now=now())
        except DomainError as error:
            errors = _errors(error)
        else:
            flash("Payment policy saved.", "success")
            target = (url_for("admin.payment_policy_service", service_id=service_id) if service_id is not None
                      else url_for("admin.payment_policy_default"))
            return redirect(target, code=303)
    return render_template("admin/payment_policies/form.html", info=info, values=values, errors=errors,
                           modes=MODE_LABELS, amount_types=AMOUNT_LABELS), 422 if errors else 200

