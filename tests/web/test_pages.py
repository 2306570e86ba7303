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
