"""The booking form's catalog is read once per catalog version and kept (read_models.
booking_form_rows): a warm form reads no catalog table, and every change the back office
can make to what the form offers shows on the very next render."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from app.domain.models import Agent, CustomField, Extra, Frequency, PricingParameter, Service
from tests import builders as b


@pytest.fixture
def shop(session):
    loc = b.location(session)
    clean = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    fridge = b.extra(session, [clean], name="Inside the fridge", price=Decimal("25.00"), minutes=30, max_quantity=2)
    rooms = b.parameter(session, [clean], name="Bedrooms", price=Decimal("15.00"), minutes=20, min_quantity=1, max_quantity=6)
    b.agent(session, [clean], loc, name="Alex Agent")
    once = b.frequency(session, "One time", None, 1, "0")
    pets = b.field(session, [clean], "checkboxes", "Pets", [("Cat", False), ("Other", True)])
    session.commit()
    return {"clean": clean.id, "fridge": fridge.id, "rooms": rooms.id, "once": once.id, "pets": pets.id}


def _statements(app, call):
    seen: list[str] = []

    def hook(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = app.extensions["engine"]
    event.listen(engine, "before_cursor_execute", hook)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", hook)
    assert response.status_code == 200
    return seen


def test_a_warm_form_reads_the_catalog_once_and_a_bounded_number_of_statements(app, client, session, shop):
    page = f"/book?service={shop['clean']}"
    client.get(page)
    warm = _statements(app, lambda: client.get(page))
    # The questions and the agents' services are read only for the form's catalog, which is kept.
    assert not [s for s in warm if "FROM custom_fields" in s or "FROM agent_services" in s], warm
    assert len(warm) <= 12, warm
    # A bigger catalog costs the warm form nothing more.
    loc = b.location(session, name="Uptown")
    more = [b.service(session, loc, name=f"Service {i}") for i in range(5)]
    for i in range(5):
        b.agent(session, more, loc, name=f"Agent {i}")
        b.field(session, more, "single_line", f"Question {i}")
    session.commit()
    client.get(page)
    assert len(_statements(app, lambda: client.get(page))) == len(warm)


@pytest.mark.parametrize("change, shown, gone", [
    (lambda s, ids: setattr(s.get(Extra, ids["fridge"]), "price", Decimal("31.00")), "31.00", None),
    (lambda s, ids: setattr(s.get(Extra, ids["fridge"]), "name", "Inside the oven"), "Inside the oven", "Inside the fridge"),
    (lambda s, ids: setattr(s.get(PricingParameter, ids["rooms"]), "name", "Bathrooms"), "Bathrooms", "Bedrooms"),
    (lambda s, ids: setattr(s.get(Frequency, ids["once"]), "name", "Just once"), "Just once", "One time"),
    (lambda s, ids: setattr(s.get(CustomField, ids["pets"]), "label", "Animals at home"), "Animals at home", ">Pets<"),
    (lambda s, ids: setattr(s.get(CustomField, ids["pets"]).options[0], "label", "Dog"), "Dog", None),
    (lambda s, ids: setattr(s.get(Service, ids["clean"]), "name", "Deep clean"), "Deep clean", "Standard clean"),
], ids=["extra price", "extra name", "parameter", "frequency", "question", "option", "service"])
def test_a_catalog_change_shows_on_the_next_render(app, client, session, shop, change, shown, gone):
    page = f"/book?service={shop['clean']}"
    before = client.get(page).get_data(as_text=True)
    assert shown not in before
    change(session, shop)
    session.commit()
    after = client.get(page).get_data(as_text=True)
    assert shown in after
    if gone:
        assert gone not in after


def test_the_home_page_is_kept_per_catalog_version(app, client, session, shop):
    client.get("/")
    warm = _statements(app, lambda: client.get("/"))
    assert len(warm) <= 3, warm  # the versions, and nothing that grows with the catalog
    assert "Deep clean" not in client.get("/").get_data(as_text=True)
    service = session.get(Service, shop["clean"])
    service.name = "Deep clean"
    session.get(PricingParameter, shop["rooms"]).price = Decimal("17.00")
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Deep clean" in page and "Standard clean" not in page
    assert "$117.00" in page  # the service's price with one bedroom at the new rate


def test_a_kept_calendar_drawing_is_never_shown_for_another_month_state(client, session, shop):
    # The month calendar's drawing is kept (calendar.calendar_html) under what it shows:
    # when a day stops being free, the next render draws it disabled.
    page = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    day = re.search(r'data-day="([0-9-]+)" data-free="true"', page).group(1)
    agent = session.scalars(select(Agent)).one()
    start = datetime.fromisoformat(day).replace(tzinfo=ZoneInfo("America/New_York"))
    b.time_off(session, agent, start, start + timedelta(days=1))
    session.commit()
    again = client.get(f"/book?service={shop['clean']}").get_data(as_text=True)
    assert f'data-day="{day}" data-free="false"' in again
    assert f'data-day="{day}" data-free="true"' in page
