"""The customer record (issue 22): one page per customer with their bookings, visits,
no-shows, cancellations, spend and the office's notes, and booking again from there.
The record itself is the domain's (app/domain/customer_record.py)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...domain.customer_record import MAX_CUSTOMER_NOTES, customer_record, save_customer_notes
from ...domain.errors import DomainError, ValidationFailed
from .views import actor, bp, now


def _record(customer_id: int, errors: dict[str, str] | None = None, notes: str | None = None, status: int = 200) -> Any:
    try:
        record = customer_record(get_session(), customer_id, actor=actor(), now=now())
    except DomainError as error:
        abort(error.status)
    page = render_template("admin/customer_record.html", record=record, errors=errors or {},
                           notes=record.customer.staff_notes if notes is None else notes, max_notes=MAX_CUSTOMER_NOTES)
    return page, status


@bp.get("/customers/<int:customer_id>")
def customer_page(customer_id: int) -> Any:
    return _record(customer_id)


@bp.post("/customers/<int:customer_id>/notes")
def customer_notes(customer_id: int) -> Any:
    text = request.form.get("staff_notes")  # missing: refused by the domain ("Must be text."), nothing cleared
    try:
        save_customer_notes(get_session(), customer_id, text, actor=actor(), now=now())
    except ValidationFailed as error:
        return _record(customer_id, {k: str(v) for k, v in (error.details or {}).items()}, text, 422)
    except DomainError as error:
        abort(error.status)
    flash("Notes saved.", "success")
    return redirect(url_for("admin.customer_page", customer_id=customer_id) + "#notes", code=303)
