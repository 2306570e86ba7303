"""The pages this issue ships: the home page and the health check."""
from __future__ import annotations

from tests import builders as b


def test_home_page_lists_active_services_with_prices(client, session):
    loc, svc, alex = b.basic_setup(session)
    b.service(session, loc, name="Hidden service", active=False)
    alex.services.append(b.service(session, loc, name="Handyman", pricing_mode="hourly", price="45.00"))
    b.service(session, loc, name="Nobody does this")
    session.commit()
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Standard clean" in html and "$100.00" in html
    assert "per worker per hour" in html
    assert "Hidden service" not in html and "Nobody does this" not in html
    assert f'href="/book?service={svc.id}"' in html and 'href="/book"' in html
    assert 'src="/static/js/htmx.min.js"' in html and "X-CSRFToken" in html


def test_htmx_is_served_from_our_own_static_folder(client):
    script = client.get("/static/js/htmx.min.js")
    assert script.status_code == 200 and b"htmx" in script.data[:200]


def test_health_check_reaches_the_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_pages_are_404(client):
    assert client.get("/no-such-page").status_code == 404


def test_the_home_page_quotes_what_the_form_starts_at_in_each_offices_currency(client, session):
    """The card said "$120 · about 2 h" while the form, with a pricing parameter at its
    minimum of 1, started at $145 and 2 h 30 min; and Berlin's price was in dollars."""
    from decimal import Decimal

    from tests import builders as b

    brooklyn = b.location(session)
    berlin = b.location(session, "Europe/Berlin", name="Berlin office", currency="EUR")
    clean = b.service(session, brooklyn, name="Home cleaning", price=Decimal("120.00"), duration_minutes=120)
    clean.locations.append(berlin)
    b.parameter(session, [clean], name="Bathrooms", price=Decimal("25.00"), minutes=30, min_quantity=1, max_quantity=4)
    repair = b.service(session, brooklyn, name="Repair", price=Decimal("95.00"), duration_minutes=90)
    b.agent(session, [clean, repair], brooklyn)
    session.commit()
    html = " ".join(client.get("/").get_data(as_text=True).split())
    assert "From <strong>$145.00</strong> in " in html and "<strong>€145.00</strong> in Berlin office" in html
    assert "about 2 h 30 min" in html and "$120.00" not in html
    assert "<strong>$95.00</strong> &middot; about 1 h 30 min" in html  # one office, nothing to add: no "from"
    form = client.get(f"/book?service={clean.id}").get_data(as_text=True)
    assert "$145.00" in form


def test_every_page_has_a_description_for_search_engines(client):
    for path in ("/", "/login", "/book"):
        html = client.get(path).get_data(as_text=True)
        assert '<meta name="description" content="Sparkle &amp; Fix: book a cleaning' in html, path
