"""The home page: what the business offers."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ...db import get_session
from ...domain.models import Location, Service

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str:
    session = get_session()
    services = session.scalars(
        select(Service).where(Service.active.is_(True)).order_by(Service.position, Service.name)
    ).all()
    locations = session.scalars(select(Location).where(Location.active.is_(True)).order_by(Location.name)).all()
    return render_template("main/home.html", services=services, locations=locations)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    get_session().execute(select(1))
    return {"status": "ok"}, 200
