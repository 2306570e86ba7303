"""The back office's webhook pages in a real browser: an admin adds an endpoint (the
secret shown once), a refused URL is tied to its field, the delivery log and Resend;
axe-core on every page."""
from __future__ import annotations


from sqlalchemy import select

from app.domain import accounts, webhooks
from app.domain.models import WebhookDelivery, WebhookEndpoint
from tests import builders as b
from tests.e2e.test_customer_flow import no_violations, open_page
from tests.conftest import NOW


def test_an_admin_adds_an_endpoint_and_follows_its_deliveries(browser, live_server, session):
    accounts.create_user(session, email="admin@example.com", password="correct-horse", role="admin", first_name="Ada",
                         now=NOW)
    context, page = open_page(browser, viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill("admin@example.com")
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/admin/dashboard")  # staff land on the dashboard

    page.goto(f"{live_server}/admin/webhooks")
    no_violations(page)
    page.get_by_role("link", name="Add an endpoint").click()
    no_violations(page)
    page.get_by_label("URL").fill("http://192.168.1.10/hooks")
    page.get_by_role("button", name="Add endpoint").click()
    page.locator("#url-error").wait_for()
    assert "private address" in page.locator("#url-error").inner_text()
    no_violations(page)

    page.get_by_label("URL").fill("https://crm.example.com/hooks")
    page.get_by_label("Description").fill("CRM")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#new-secret").inner_text()
    no_violations(page)
    endpoint = session.scalar(select(WebhookEndpoint))
    assert secret == endpoint.secret and endpoint.events == list(webhooks.EVENTS)  # every event is ticked by default

    b.customer(session, email="new@example.com")
    session.commit()
    delivery = session.scalar(select(WebhookDelivery))
    page.get_by_role("link", name="Go to the endpoint").click()
    no_violations(page)
    assert secret not in page.content()
    page.get_by_role("link", name="Delivery log").click()
    page.locator("code", has_text=delivery.event_id).wait_for()
    no_violations(page)
    page.get_by_role("button", name=f"Resend {delivery.event_id}").click()
    page.get_by_text("will be sent again shortly").wait_for()
    no_violations(page)

    page.goto(f"{live_server}/admin/webhooks/{endpoint.id}")
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_role("button", name="Activate").wait_for()
    session.expire_all()
    assert session.get(WebhookEndpoint, endpoint.id).active is False
    context.close()
