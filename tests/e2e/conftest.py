"""Browser tests: the app served on loopback, driven by Playwright in Debian's Chromium.

In CI (CI set) a missing Chromium is a failure; on a developer machine without it the
browser tests are skipped with that reason (apt-get install chromium to run them)."""
from __future__ import annotations

import os
import shutil
import threading
from decimal import Decimal

import pytest
from werkzeug.serving import make_server

from tests import builders as b

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: CI must install the chromium package")
        pytest.skip("Chromium is not installed here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop to look at its flag: every 0.5 s by default, half a second per test.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Gate:
    """Decides when the server answers the booking form's posts, so a test can play the
    worst order: `refreshes` holds its htmx requests (a slow refresh), `submits` its plain
    posts (the page the customer asked for). Both are open until a test closes them."""

    def __init__(self) -> None:
        self.refreshes, self.submits = threading.Event(), threading.Event()
        self.refreshes.set()
        self.submits.set()
        self._answered = threading.Condition()
        self.refreshes_answered = 0

    def hold_refreshes(self) -> int:
        """Hold the refreshes from now on; returns how many were answered so far."""
        self.refreshes.clear()
        return self.refreshes_answered

    def submit_after_the_refresh(self, answered: int, submit) -> None:
        """`submit()` with the submit held, then the next refresh answered first and the
        submit last: the worst order."""
        self.submits.clear()
        submit()
        self.refreshes.set()
        self.wait_refreshes_answered(answered + 1)
        self.submits.set()

    def wait_refreshes_answered(self, count: int, timeout: float = 10) -> None:
        with self._answered:
            assert self._answered.wait_for(lambda: self.refreshes_answered >= count, timeout), \
                f"the server answered {self.refreshes_answered} refreshes, not {count}"

    def wsgi(self, app):
        def gated(environ, start_response):
            if environ["REQUEST_METHOD"] != "POST" or environ["PATH_INFO"] != "/book":
                return app(environ, start_response)
            refresh = bool(environ.get("HTTP_HX_REQUEST"))
            (self.refreshes if refresh else self.submits).wait(30)  # a failing test never leaves a thread waiting for ever
            result = app(environ, start_response)
            try:
                body = list(result)
            finally:
                getattr(result, "close", lambda: None)()
            if refresh:
                with self._answered:
                    self.refreshes_answered += 1
                    self._answered.notify_all()
            return body
        return gated


@pytest.fixture
def gated_server(app):
    """The app served like live_server, behind a Gate: yields (base URL, gate)."""
    gate = Gate()
    server = make_server("127.0.0.1", 0, gate.wsgi(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", gate
    gate.refreshes.set()
    gate.submits.set()
    server.shutdown()


@pytest.fixture
def shop(session):
    loc = b.location(session)
    clean = b.service(session, loc, name="Standard clean", max_days_ahead=5000, description="Kitchen, bathrooms and floors.")
    b.service(session, loc, name="Window cleaning", price=Decimal("85.00"), max_days_ahead=5000)
    b.extra(session, [clean], name="Inside the fridge", price=Decimal("25.00"), minutes=30, max_quantity=2)
    b.parameter(session, [clean], name="Bedrooms", price=Decimal("15.00"), minutes=20, min_quantity=1, max_quantity=6)
    b.agent(session, [clean], loc, name="Alex Agent")
    b.frequency(session, "One time", None, 1, "0")
    b.frequency(session, "Weekly", "week", 1, "10")
    b.field(session, [clean], "single_line", "How do we get in?", required=True)
    b.field(session, [clean], "radio", "Parking", [("Street", False), ("Driveway", False)])
    session.commit()


@pytest.fixture(autouse=True)
def no_csp_violations():
    """Every page of a browser test works under the Content-Security-Policy."""
    from tests.e2e.test_customer_flow import CSP_VIOLATIONS

    CSP_VIOLATIONS.clear()
    yield
    assert CSP_VIOLATIONS == []
