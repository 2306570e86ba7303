"""Printable day sheets, one page per agent (app/domain/day_sheet.py)."""
from __future__ import annotations

from typing import Any

from flask import render_template, request

from ...db import get_session
from ...domain.day_sheet import day_sheet
from .views import bp, now


@bp.get("/calendar/day-sheet")
def day_sheet_page() -> Any:
    sheet = day_sheet(get_session(), request.args.get("location_id"), request.args.get("date"), now=now())
    if sheet is None:
        return render_template("admin/calendar/empty.html")
    return render_template("admin/calendar/day_sheet.html", sheet=sheet)
