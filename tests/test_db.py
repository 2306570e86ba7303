"""The app's sessions carry the domain's flush and transaction hooks (cache
generations, customer webhook events), taking their time from the app's clock; a
session the app did not make runs none of them."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import accounts, webhooks
from app.domain.models import CacheVersion, WebhookDelivery
from tests import builders as b
from tests.conftest import NOW


def test_a_customer_change_is_announced_with_the_apps_time_not_the_wall_clock(app, session):
    app.config["NOW"] = NOW
    webhooks.create_endpoint(session, {"url": "https://hooks.example.com/in", "events": ["customer.updated"]}, actor=b.ADMIN,
                             now=NOW)
    customer = b.customer(session)
    session.commit()
    accounts.update_profile(session, customer.id, {"phone": "201-555-0199"}, now=NOW)
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    assert delivery.payload["type"] == "customer.updated"
    assert delivery.payload["timestamp"] == "2026-11-23T17:00:00Z"


def test_a_session_the_app_did_not_make_runs_none_of_its_hooks(app, session):
    webhooks.create_endpoint(session, {"url": "https://hooks.example.com/in", "events": ["customer.created"]}, actor=b.ADMIN,
                             now=NOW)
    location = b.location(session)
    session.commit()
    generations = session.scalars(select(CacheVersion.version).order_by(CacheVersion.name)).all()
    with Session(app.extensions["engine"]) as other:
        b.customer(other)
        b.service(other, other.get(type(location), location.id), name="Side script")
        other.commit()
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert session.scalars(select(CacheVersion.version).order_by(CacheVersion.name)).all() == generations
    # The app's own sessions still announce and bump.
    b.customer(session, email="app@example.com")
    session.commit()
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
