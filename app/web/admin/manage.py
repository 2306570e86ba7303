"""Management pages: one list and one form per catalog type, rendered from the domain's
type (`domain/catalog/`) and the words the back office shows for it (`catalog_forms.py`),
plus the agent's hours and time off, settings and API keys. Every view parses, calls one
domain function and renders; permission checks (admins only for staff, settings and
keys) are the domain's."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from ...db import get_session
from ...domain import audit, business_settings, catalog, schedules, sms
from ...domain.api_keys import list_api_keys, new_api_key, revoke_key
from ...domain.errors import DomainError
from ...domain.schedule_check import StrandsBookings, stranded_bookings
from ...domain.timeutil import zone
from ...domain.validation import BadValue, parse_int
from .catalog_forms import FORMS, SETTINGS_FIELDS, CatalogForm, settings_options
from .views import actor, bp, now


def _kind(key: str) -> CatalogForm:
    try:
        return FORMS[catalog.catalog_type(key, actor()).key]
    except DomainError as error:
        abort(404 if error.code == "not_found" else 403)


def _object(kind: CatalogForm, object_id: int) -> Any:
    try:
        return catalog.get_object(get_session(), kind.type, object_id)
    except DomainError:
        abort(404)


@bp.get("/manage/<key>")
def manage_list(key: str) -> Any:
    kind = _kind(key)
    show = request.args.get("show", "active")
    show = show if show in ("active", "inactive", "all") else "active"
    q = request.args.get("q", "")
    try:
        page = catalog.list_objects(get_session(), kind.type, q=q, show=show, page=request.args.get("page", "1"))
    except DomainError:
        abort(404)
    return render_template("admin/manage/list.html", kind=kind, page=page, q=q, show=show)


@bp.route("/manage/<key>/new", methods=["GET", "POST"])
def manage_new(key: str) -> Any:
    return _edit(_kind(key), None)


@bp.route("/manage/<key>/<int:object_id>", methods=["GET", "POST"])
def manage_edit(key: str, object_id: int) -> Any:
    kind = _kind(key)
    return _edit(kind, _object(kind, object_id))


def _edit(kind: CatalogForm, obj: Any | None) -> Any:
    session = get_session()
    errors: dict[str, str] = {}
    values: Any = catalog.form_values(session, kind.type, obj)
    status = 200
    if request.method == "POST":
        values = request.form
        try:
            saved = catalog.save_object(session, kind.type, obj.id if obj is not None else None, request.form, actor=actor(), now=now())
        except DomainError as error:
            errors = {k: str(v) for k, v in error.details.items()} or {"form": error.message}
            errors.setdefault("form", error.message)
            status = 422
        else:
            flash(f"{kind.singular.capitalize()} “{kind.title(saved)}” saved.", "success")
            return redirect(url_for("admin.manage_edit", key=kind.key, object_id=saved.id), code=303)
    changes = audit.recent_changes(session, kind.key, obj.id) if obj is not None else []
    # A customer's record shows their number, whether they want texts, and the texts sent.
    texts = sms.texts_for_customer(session, obj.id) if obj is not None and kind.key == "customers" else None
    return render_template("admin/manage/form.html", kind=kind, obj=obj, values=values, errors=errors, changes=changes,
                           options=kind.options(session), texts=texts), status


@bp.get("/manage/<key>/<int:object_id>/deactivate")
def manage_confirm_deactivate(key: str, object_id: int) -> Any:
    """Deactivating asks first; the answer posts to the active switch."""
    kind = _kind(key)
    obj = _object(kind, object_id)
    return render_template("admin/manage/confirm.html", title=f"Deactivate {kind.singular} “{kind.title(obj)}”?",
                           text="It disappears from new bookings and lists; bookings that use it keep it, and you can reactivate it later.",
                           action=url_for("admin.manage_active", key=kind.key, object_id=obj.id), fields={"active": "0"},
                           confirm="Yes, deactivate", back=url_for("admin.manage_edit", key=kind.key, object_id=obj.id))


@bp.post("/manage/<key>/<int:object_id>/active")
def manage_active(key: str, object_id: int) -> Any:
    kind = _kind(key)
    active = request.form.get("active") == "1"
    try:
        obj = catalog.set_active(get_session(), kind.type, object_id, active, actor=actor(), now=now())
    except DomainError as error:
        if error.code == "not_found":
            abort(404)
        flash(error.message, "error")
    else:
        flash(f"{kind.singular.capitalize()} “{kind.title(obj)}” is {'active again' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.manage_edit", key=kind.key, object_id=object_id), code=303)


# --- agents: weekly hours and time off ---------------------------------------------------


@bp.route("/manage/agents/<int:object_id>/hours", methods=["GET", "POST"])
def agent_hours(object_id: int) -> Any:
    kind = _kind("agents")
    session = get_session()
    agent = _object(kind, object_id)
    errors: dict[str, str] = {}
    status = 200
    days = schedules.hours_as_text(agent)
    if request.method == "POST":
        days = hours_from_form(request.form)
        if request.form.get("add") or request.form.get("remove"):
            # Without JavaScript, adding or removing an interval redraws the form unsaved.
            return _hours_page(agent, days, {}, {}, {}, 200, edit=request.form)
        try:
            schedules.set_working_hours(session, agent.id, days, actor=actor(), now=now(), strand_ok=_strand_ok())
        except StrandsBookings as stranded:
            return _hours_page(agent, days, {}, {}, {}, 409, stranded=stranded)
        except DomainError as error:
            errors = {k: str(v) for k, v in error.details.items()} | {"form": error.message}
            status = 422
        else:
            flash(f"Working hours of {agent.name} saved.", "success")
            _flash_stranded(agent)
            return redirect(url_for("admin.agent_hours", object_id=agent.id), code=303)
    return _hours_page(agent, days, errors, {}, {}, status)


def _strand_ok() -> bool:
    return request.form.get("strand_ok") == "1"


def _flash_stranded(agent: Any) -> None:
    """Saved knowingly over bookings it leaves uncovered: say which, every time."""
    stranded = stranded_bookings(get_session(), agent, now())
    if stranded:
        codes = ", ".join(f"{b.booking_code} ({why})" for b, why in stranded)
        flash(f"{len(stranded)} booking{'' if len(stranded) == 1 else 's'} of {agent.name} outside the schedule: {codes}.", "error")


def _row(text: str) -> int | None:
    """A row or weekday number from the hours editor's add/remove buttons (0-999), by
    the one integer parser; anything else is None (the button is ignored)."""
    try:
        return parse_int(text, lo=0, hi=999)
    except BadValue:
        return None


def hours_from_form(form: Any) -> dict[int, str]:
    """Each day's hours as the domain reads them ("09:00-12:00, 13:00-17:00"), from the
    time inputs (day-N-start / day-N-end, one pair per interval; empty pairs dropped)
    or, from the text form, as typed."""
    if form.get("mode") == "text" or not any(key.endswith(("-start", "-end")) for key in form):
        return {d: form.get(f"day-{d}", "") for d in range(7)}
    days = {}
    for d in range(7):
        pairs = zip(form.getlist(f"day-{d}-start"), form.getlist(f"day-{d}-end"), strict=False)
        # A half-filled pair ("09:00-") reaches the domain, which says what is missing.
        days[d] = ", ".join(f"{s.strip()}-{e.strip()}" for s, e in pairs if s.strip() or e.strip())
    return days


def intervals(text: str) -> list[tuple[str, str]]:
    """The pairs of a day's hours text, for the time inputs (unreadable parts kept as typed)."""
    pairs = []
    for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
        start, _, end = part.partition("-")
        pairs.append((start.strip(), end.strip()))
    return pairs


def _hours_page(agent: Any, days: dict[int, str], errors: dict[str, str], off_values: Any, off_errors: dict[str, str], status: int,
                edit: Any = None, stranded: StrandsBookings | None = None) -> Any:
    text_mode = request.form.get("mode") == "text"  # a refused typed form opens again as typed
    session = get_session()
    rows = {d: intervals(days[d]) for d in range(7)}
    if edit is not None:
        add = _row(edit.get("add", ""))
        if add in rows:
            rows[add].append(("", ""))
        day_text, _, index_text = edit.get("remove", "").partition(":")
        day, index = _row(day_text), _row(index_text)
        if day in rows and index is not None and index < len(rows[day]):
            del rows[day][index]
    return render_template(
        "admin/manage/hours.html", kind=FORMS["agents"], agent=agent, days=days, rows=rows, weekdays=schedules.WEEKDAYS,
        text_mode=text_mode,
        errors=errors, time_off=schedules.time_off_for(session, agent, now()), tz=schedules.agent_timezone(session, agent), zone=zone,
        off_values=off_values, off_errors=off_errors, changes=audit.recent_changes(session, "agents", agent.id),
        stranded=stranded, stranded_action=request.path,
        stranded_values=[(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "strand_ok")],
    ), status


@bp.post("/manage/agents/<int:object_id>/time-off")
def agent_time_off(object_id: int) -> Any:
    kind = _kind("agents")
    agent = _object(kind, object_id)
    try:
        schedules.add_time_off(get_session(), agent.id, request.form, actor=actor(), now=now(), strand_ok=_strand_ok())
    except StrandsBookings as stranded:
        return _hours_page(agent, schedules.hours_as_text(agent), {}, request.form, {}, 409, stranded=stranded)
    except DomainError as error:
        errors = {k: str(v) for k, v in error.details.items()} | {"form": error.message}
        return _hours_page(agent, schedules.hours_as_text(agent), {}, request.form, errors, 422)
    flash("Time off added.", "success")
    _flash_stranded(agent)
    return redirect(url_for("admin.agent_hours", object_id=agent.id), code=303)


@bp.post("/manage/agents/<int:object_id>/time-off/<int:time_off_id>/remove")
def agent_time_off_remove(object_id: int, time_off_id: int) -> Any:
    _kind("agents")
    try:
        schedules.remove_time_off(get_session(), object_id, time_off_id, actor=actor(), now=now())
    except DomainError:
        abort(404)
    flash("Time off removed.", "success")
    return redirect(url_for("admin.agent_hours", object_id=object_id), code=303)


# --- settings and API keys ---------------------------------------------------------------


def _admin_only() -> None:
    if not actor().is_admin:
        abort(403)


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Any:
    _admin_only()
    session = get_session()
    values: Any = business_settings.settings_values(session)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = request.form
        try:
            business_settings.save_settings(session, request.form, actor=actor(), now=now())
        except DomainError as error:
            errors = {k: str(v) for k, v in error.details.items()} | {"form": error.message}
            status = 422
        else:
            flash("Settings saved.", "success")
            return redirect(url_for("admin.settings"), code=303)
    changes = audit.recent_changes(session, "settings", None)
    return render_template("admin/manage/settings.html", fields=SETTINGS_FIELDS, values=values, errors=errors,
                           changes=changes, options=settings_options(session)), status


@bp.route("/api-keys", methods=["GET", "POST"])
def api_keys() -> Any:
    _admin_only()
    session = get_session()
    created, errors, status = None, {}, 200
    if request.method == "POST":
        try:
            created = new_api_key(session, request.form, actor=actor(), now=now())
        except DomainError as error:
            errors = {k: str(v) for k, v in error.details.items()} | {"form": error.message}
            status = 422
    # The new key is shown in this answer only; reloading the page does not show it again.
    return render_template("admin/manage/api_keys.html", keys=list_api_keys(session, actor()), created=created,
                           errors=errors, values=request.form), status


@bp.get("/api-keys/<int:key_id>/revoke")
def api_key_confirm_revoke(key_id: int) -> Any:
    """Revoking asks first: integrations using the key stop working at once."""
    _admin_only()
    key = next((k for k in list_api_keys(get_session(), actor()) if k.id == key_id and k.revoked_at is None), None)
    if key is None:
        abort(404)
    return render_template("admin/manage/confirm.html", title=f"Revoke API key “{key.name}”?",
                           text=f"Every request made with the key starting {key.prefix}… is refused from now on. This cannot be undone.",
                           action=url_for("admin.api_key_revoke", key_id=key.id), fields={}, confirm="Yes, revoke the key",
                           back=url_for("admin.api_keys"))


@bp.post("/api-keys/<int:key_id>/revoke")
def api_key_revoke(key_id: int) -> Any:
    _admin_only()
    try:
        key = revoke_key(get_session(), key_id, actor=actor(), now=now())
    except DomainError:
        abort(404)
    flash(f"API key “{key.name}” is revoked; requests with it are refused from now on.", "success")
    return redirect(url_for("admin.api_keys"), code=303)
