"""A customer and a staff member make calendar subscription links in a real browser,
copy one, and a calendar app (no cookies) reads the feed; axe-core on both pages."""
from __future__ import annotations


from icalendar import Calendar

from app.domain import accounts
from app.domain.booking import create_booking
from tests import builders as b
from tests.e2e.test_customer_flow import no_violations, open_page
from tests.conftest import DAY, NOW



def _log_in(page, base, email):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill("correct-horse")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/**")


def test_customer_and_agent_subscription_links_in_the_browser(browser, live_server, session, shop):
    casey = accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="Casey", now=NOW)
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", first_name="Sam", now=NOW)
    booking = create_booking(session, b.request(1, day=DAY, at="10:00", customer_id=casey.id), actor=b.STAFF, now=NOW).booking

    context, page = open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    _log_in(page, live_server, "casey@example.com")
    page.goto(f"{live_server}/profile")
    page.get_by_role("button", name="Create a calendar link").click()
    link = page.get_by_label("Subscription link")
    link.wait_for()
    url = link.input_value()
    # Built from the configured server name (SERVER_NAME in tests), not the request's Host.
    assert url.startswith("http://portal.test/calendar/")
    page.bring_to_front()  # the clipboard answers the page that has the focus
    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    no_violations(page)
    page.locator("#calendar-feed").screenshot(path="/tmp/h12-sync-profile-feed.png")

    calendar_app = browser.new_context()  # no cookies: the link is the only credential
    feed = calendar_app.request.get(url.replace("http://portal.test", live_server))
    assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = list(Calendar.from_ical(feed.body()).walk("VEVENT"))
    assert [booking.booking_code in str(e["description"]) for e in events] == [True]

    page.get_by_role("button", name="Switch the link off").click()
    page.get_by_role("button", name="Create a calendar link").wait_for()
    assert calendar_app.request.get(url.replace("http://portal.test", live_server)).status == 404
    context.close()

    context, page = open_page(browser)
    _log_in(page, live_server, "staff@example.com")
    page.goto(f"{live_server}/admin/manage/agents/1/hours")
    page.get_by_role("button", name="Create a calendar link").click()
    agent_url = page.get_by_label("Subscription link").input_value()
    no_violations(page)
    page.screenshot(path="/tmp/h12-sync-agent-feed.png", full_page=True)
    assert calendar_app.request.get(agent_url.replace("http://portal.test", live_server)).status == 200
    calendar_app.close()
    context.close()
