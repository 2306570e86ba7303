"""The home page: what the business offers, each service a way into the booking form."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from ...db import get_session
from ...domain import read_models

bp = Blueprint("main", __name__)

# Pages a "Log in" link should not bring the visitor back to.
NO_RETURN = ("/login", "/register", "/forgot-password", "/reset-password", "/logout", "/static/")


@bp.app_context_processor
def _return_path() -> dict[str, Any]:
    def return_path() -> str | None:
        """Where "Log in" should bring the visitor back to: this page, if it is one to come back to."""
        if request.method != "GET" or request.path.startswith(NO_RETURN) or request.path == "/":
            return None
        return request.full_path.rstrip("?")

    return {"return_path": return_path}


@bp.get("/")
def home() -> str:
    shown = read_models.home_rows(get_session())
    return render_template("main/home.html", services=shown.services, locations=shown.locations, starting=shown.starting)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """For clients that ask for /favicon.ico without reading the page's <link rel=icon>."""
    return send_from_directory(current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    read_models.database_answers(get_session())
    return {"status": "ok"}, 200
