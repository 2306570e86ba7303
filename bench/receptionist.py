"""The receptionist's common tasks in the back office, done in Chromium as a trained
receptionist would, counting what they cost: clicks, key presses (a typed character is
one), full page loads and requests to the server (pages and htmx swaps). Issue 22 asks
for these before and after the back-office work.

    .venv/bin/python -m bench.receptionist                  # this checkout
    .venv/bin/python -m bench.receptionist --app-dir ../wt-before   # another checkout
    .venv/bin/python -m bench.receptionist --shots /work/shots/tasks   # and screenshots

Each run makes a temporary SQLite database with the checkout's own migrations, the demo
business and the tasks' data (`bench/receptionist_setup.py`, through the booking
services), serves that checkout with `flask run` on a free port with the clock pinned
(Monday 09:00 in Brooklyn), and starts every task from the dashboard, logged in as the
demo staff user. Counting starts after the dashboard has loaded.

The tasks, and the shortest path a trained receptionist takes on the version measured
(the script looks for what the version offers and says which path it took):

1. Confirm 11 pending bookings (they came in overnight).
   - one by one: each dashboard **Approve** (the dashboard lists 6 at a time);
   - bulk (when the bookings table has bulk actions): **All pending bookings**, the
     head's "tick all" box (or, in versions without it, a tick per row), **Apply to
     ticked** (Approve is the default action).
2. Fit an urgent same-day job: a known customer calls for an Appliance repair (24 h
   notice for customers) today. New booking, search the customer, the service, today,
   the first free time, Create booking. Not possible when today is not offered.
3. Move a series: a weekly series (12 or 13 visits) moves to another free time. Where
   the move form offers "This and all later visits", from the first visit's panel at
   once (the first free time that day; the next one if a later visit cannot move there);
   otherwise visit by visit, to the first free time in each visit's panel: through the
   panel (its series list links the next visit), or back to the search results each
   time when the panel does not list the series.
4. Cancel one: the customer gives the booking code: Bookings, search the code, open
   it, Cancel booking…, confirm.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = Path(__file__).resolve().parent / "receptionist_setup.py"
PYTHON = sys.executable
# Monday 23 Nov 2026, 09:00 in Brooklyn (the bench's clock, pinned with the NOW setting).
NOW = "2026-11-23T14:00:00+00:00"
STAFF = ("staff@example.com", "demo-staff-123")
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (375, 1280, 1920)


@dataclass
class Count:
    clicks: int = 0
    keys: int = 0
    loads: int = 0
    requests: int = 0
    path: str = ""
    possible: bool = True
    notes: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # the path of each page loaded


class Receptionist:
    """Drives the page and counts every gesture it makes."""

    # The network counts as settled when nothing has been asked of the server for this
    # long (htmx waits 250-500 ms before some refreshes) and nothing is in flight.
    QUIET = 1.0

    def __init__(self, page, base: str, today: str = NOW[:10]) -> None:
        self.page, self.base, self.today = page, base, today
        self.count = Count()
        self.in_flight: set = set()
        self.last_activity = time.monotonic()
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._finished)

    def _request(self, request) -> None:
        self.last_activity = time.monotonic()
        if not request.url.startswith(self.base) or request.resource_type not in ("document", "xhr", "fetch"):
            return
        self.in_flight.add(request)
        if not request.redirected_from:  # a post answered by a redirect is one request, one page
            self.count.requests += 1

    def _finished(self, request) -> None:
        self.last_activity = time.monotonic()
        self.in_flight.discard(request)
        response = request.failure is None and request.response()
        if (request.is_navigation_request() and request.frame == self.page.main_frame and response
                and not 300 <= response.status < 400):
            self.count.loads += 1
            self.count.pages.append(request.url.removeprefix(self.base))

    def start(self, path: str = "/admin/dashboard") -> Count:
        """Open the starting page, then count from zero (the last task's count is left as it was)."""
        self.count = Count()
        self.page.goto(self.base + path)
        self.settle()
        self.count = Count()
        return self.count

    def settle(self) -> None:
        """Wait until the page has loaded and htmx has nothing more to ask."""
        self.page.wait_for_load_state("load")
        deadline = time.monotonic() + 30
        while (self.in_flight or time.monotonic() - self.last_activity < self.QUIET
               or self.page.locator(".htmx-request").count()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never settled: {len(self.in_flight)} request(s) in flight")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the network events it is waiting on

    def click(self, locator, *, settle: bool = True) -> None:
        locator.click()
        self.count.clicks += 1
        if settle:
            self.settle()

    def type(self, locator, text: str, *, enter: bool = False) -> None:
        """Click into the field, type the text (a key per character), Enter if asked."""
        locator.click()
        self.count.clicks += 1
        locator.press_sequentially(text)
        self.count.keys += len(text)
        if enter:
            locator.press("Enter")
            self.count.keys += 1
        self.settle()

    def back(self) -> None:
        """The browser's Back (Alt+Left: one key press)."""
        self.page.go_back()
        self.count.keys += 1
        self.settle()


# The tasks -------------------------------------------------------------------------------

def confirm_pending(r: Receptionist, data: dict, bulk_allowed: bool = True) -> Count:
    page = r.page
    c = r.start()
    approve_buttons = page.locator("button[name=status][value=approved]")
    link = page.get_by_role("link", name="All pending bookings")
    # Is there a bulk approve? Look at the table the dashboard links to, without counting.
    probe = page.context.new_page()
    probe.goto(r.base + "/admin/bookings?status=pending")
    bulk = bulk_allowed and probe.locator("#bulk-form").count() > 0
    probe.close()
    if bulk and link.count():
        r.click(link)
        tick_all = page.locator("[data-tick-all]")
        if tick_all.count() and tick_all.is_visible():
            c.path = "bulk: All pending bookings, tick all, Apply to ticked"
            r.click(tick_all, settle=False)
        else:
            c.path = "bulk: All pending bookings, a tick per row, Apply to ticked"
            ticks = page.locator("input[type=checkbox][name=ids]")
            for i in range(ticks.count()):
                r.click(ticks.nth(i), settle=False)
        action = page.locator("#bulk-action")
        if action.input_value() != "approve":
            action.select_option("approve")
            c.clicks += 2
        r.click(page.get_by_role("button", name="Apply to ticked"))
    else:
        c.path = "one by one: Approve on the dashboard"
        for _ in range(2 * len(data["pending"])):  # bounded: a refused approval leaves its button
            if not approve_buttons.count():
                break
            r.click(approve_buttons.first)
    left = _pending_left(r)
    c.notes.append(f"{len(data['pending']) - left} of {len(data['pending'])} approved")
    return c


def _pending_left(r: Receptionist) -> int:
    probe = r.page.context.new_page()
    probe.goto(r.base + "/admin/bookings?status=pending")
    text = probe.inner_text("main")
    probe.close()
    found = re.search(r"(\d+) bookings?\.", text)
    return int(found.group(1)) if found else 0


def urgent_job(r: Receptionist, data: dict) -> Count:
    page = r.page
    c = r.start()
    c.path = "New booking, search the customer, service, today, first time, Create booking"
    r.click(page.get_by_role("link", name="New booking", exact=True))
    first = data["urgent_customer"].split()[0]
    r.type(page.locator("#customer_q"), first)
    result = page.locator("#customer-results label", has_text=data["urgent_customer"])
    result.wait_for()
    r.click(result)
    r.click(page.locator("label", has_text=data["urgent_service"] + " —").first)
    # The month calendar comes back with the service's free days (or with none).
    page.wait_for_function("() => document.querySelector('input.day-radio:enabled') || /No free|no free/.test(document.body.innerText)")
    today = page.locator(f"#day-{_today(r)}")
    if not today.count() or today.is_disabled():
        c.possible = False
        c.notes.append("today is not offered for this service (the customers' notice holds for staff too)")
        return c
    if not today.is_checked():
        r.click(today)
    slot = page.locator("input[name=time]").first
    slot.wait_for()
    r.click(page.locator(f"label[for='{slot.get_attribute('id')}']"))
    r.click(page.get_by_role("button", name="Create booking"))
    c.notes.append("booked" if not page.url.endswith("/admin/bookings/new") else "not booked: " + _flash(page))
    return c


def _flash(page) -> str:
    errors = page.locator(".flash-error, .error-summary")
    return errors.first.inner_text() if errors.count() else "the form came back"


def _today(r: Receptionist) -> str:
    return r.today


def move_series(r: Receptionist, data: dict, visits: int | None = None) -> Count:
    """Move the series' visits (the first `visits` of them; all when None)."""
    page = r.page
    visits = visits or data["series_visits"]
    c = r.start()
    r.click(page.get_by_role("link", name="Bookings", exact=True))
    _open_filters(r)
    r.type(page.locator("#q"), data["series_customer"], enter=True)
    search_url = page.url
    r.click(page.get_by_role("link", name=data["series_first"]))
    if page.locator("#move-scope-later").count():
        return _move_series_at_once(r, data, c)
    series_list = page.locator(".series-visits").count() > 0
    c.path = ("panel by panel, the next visit from the panel's series list" if series_list
              else "panel by panel, back to the search results for the next visit")
    moved = 0
    codes_done: set[str] = set()
    for _ in range(visits):
        code = page.locator("#panel-title .code, h2 .code, h1 .code").first.inner_text().strip()
        slot = page.locator("input[name=time]").first
        if slot.count():
            r.click(page.locator(f"label[for='{slot.get_attribute('id')}']"))
            r.click(page.get_by_role("button", name="Move here"))
            moved += 1
        else:
            c.notes.append(f"{code}: no free time that day")
        codes_done.add(code)
        if len(codes_done) == visits:
            break
        if series_list:
            nxt = page.locator(".series-visits li:has(strong[aria-current]) + li a")
            if not nxt.count():
                break
            r.click(nxt)
        else:
            r.back()
            if page.url != search_url:
                r.back()
            link = _next_visit_link(r, data, codes_done)
            if link is None:
                break
            r.click(link)
    c.notes.append(f"{moved} of {visits} visits moved")
    return c


def _move_series_at_once(r: Receptionist, data: dict, c: Count, attempts: int = 6) -> Count:
    """The move form offers "This and all later visits": pick it, the first free time,
    Move here. If a later visit cannot move (nothing moves then, and the message names
    it), try the next free time, picking the choice again (the panel comes back reset)."""
    page = r.page
    c.path = "at once: This and all later visits, a time, Move here"
    moved = 0
    for attempt in range(attempts):
        slots = page.locator("input[name=time]")
        if slots.count() <= attempt:
            c.notes.append("no free time that day")
            break
        r.click(page.locator("label[for='move-scope-later']"), settle=False)
        r.click(page.locator(f"label[for='{slots.nth(attempt).get_attribute('id')}']"), settle=False)
        r.click(page.get_by_role("button", name="Move here"))
        done = page.locator(".flash-success", has_text="later visit")
        if done.count():
            found = re.search(r"The (\d+) later visits?", done.first.inner_text())
            moved = 1 + int(found.group(1)) if found else 1
            break
    c.notes.append(f"{moved} of {data['series_visits']} visits moved")
    return c


def _next_visit_link(r: Receptionist, data: dict, done: set[str]):
    """The next visit of the series in the search results: the receptionist reads the
    rows (Jordan's other bookings are there too) and clicks the soonest visit not yet moved."""
    rows = r.page.locator("table.data tbody tr")
    candidates = []
    for i in range(rows.count()):
        row = rows.nth(i)
        code = row.locator("a.code").inner_text().strip()
        if code in done or code not in data["series_codes"]:
            continue
        candidates.append((data["series_codes"].index(code), row.locator("a.code")))
    return min(candidates, key=lambda t: t[0])[1] if candidates else None


def cancel_one(r: Receptionist, data: dict) -> Count:
    page = r.page
    c = r.start()
    c.path = "Bookings, search the code, open it, Cancel booking…, confirm"
    r.click(page.get_by_role("link", name="Bookings", exact=True))
    _open_filters(r)
    r.type(page.locator("#q"), data["cancel_code"], enter=True)
    r.click(page.get_by_role("link", name=data["cancel_code"]))
    r.click(page.get_by_role("link", name="Cancel booking…"))
    r.click(page.locator("button[name=status][value=cancelled]").first)
    c.notes.append("cancelled" if "ancelled" in page.inner_text("main") else "not cancelled?")
    return c


def _open_filters(r: Receptionist) -> None:
    """The search sits in a fold ("Search and filters"): open it if it is closed."""
    fold = r.page.locator("details.filters-fold")
    if fold.count() and not fold.evaluate("d => d.open") and not r.page.locator("#q").is_visible():
        r.click(fold.locator("summary"))


TASKS = (("Confirm 11 pending", confirm_pending), ("Fit an urgent same-day job", urgent_job),
         ("Move a series ({series_visits} visits)", move_series), ("Cancel one", cancel_one))


# Screenshots -----------------------------------------------------------------------------

def screenshots(page, base: str, data: dict, out: Path) -> list[Path]:
    """The back office's main pages at each width, full page."""
    out.mkdir(parents=True, exist_ok=True)
    booking_id = data["series_first_id"]
    day = (date.fromisoformat(NOW[:10]) + timedelta(days=1)).isoformat()  # tomorrow: a full day
    shots = {
        "dashboard": "/admin/dashboard",
        "calendar-day": f"/admin/calendar?date={day}",
        "calendar-week": f"/admin/calendar?view=week&date={day}",
        "booking-panel": f"/admin/bookings/{booking_id}",
        "bookings-table": "/admin/bookings?status=pending",
        "customer-record": f"/admin/customers/{data['series_customer_id']}",
        "new-booking": "/admin/bookings/new",
        "day-sheet": f"/admin/calendar/day-sheet?date={day}",
    }
    saved = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in shots.items():
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            target = out / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            saved.append(target)
        # The panel beside the calendar (htmx), as it is used.
        page.goto(base + f"/admin/calendar?date={day}")
        page.wait_for_load_state("networkidle")
        block = page.locator("a.block").first
        if block.count():
            block.click()
            page.locator("#panel .booking-panel").wait_for()
            page.wait_for_load_state("networkidle")
            target = out / f"calendar-day-panel-{width}.png"
            page.screenshot(path=str(target), full_page=False)
            saved.append(target)
    return saved


# Running a checkout ---------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app_dir: Path, tmp: Path):
    """Migrate, seed and serve the checkout at app_dir; returns (process, base URL, data)."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}", SECRET_KEY="receptionist-bench",
               MAIL_DIR=str(tmp / "mail"), SMS_DIR=str(tmp / "sms"), NOW=NOW, FLASK_APP="app")
    env.pop("OUTBOX_WORKER", None)
    flask = [PYTHON, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=app_dir, env=env, check=True, capture_output=True)
    # The checkout's own app: its folder first on the path, then the setup script run there.
    setup = subprocess.run(
        [PYTHON, "-c", f"import sys, runpy; sys.path.insert(0, '.'); runpy.run_path({str(SETUP)!r}, run_name='__main__')"],
        cwd=app_dir, env=env, check=True, capture_output=True, text=True)
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    port = free_port()
    log = open(tmp / "server.log", "w")
    process = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=app_dir, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: see {tmp / 'server.log'}") from None
            time.sleep(0.1)  # waiting for a port to open: polled, bounded by the deadline
    return process, base, data


def log_in(page, base: str) -> None:
    page.goto(base + "/login")
    page.fill("#email", STAFF[0])
    page.fill("#password", STAFF[1])
    page.click("form button[type=submit].primary")
    page.wait_for_url(re.compile(r".*/admin/.*"))


def run(app_dir: Path, shots: Path | None = None, width: int = 1280, only: str | None = None,
        bulk: bool = True) -> list[tuple[str, Count]]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="receptionist-") as tmp_name:
        process, base, data = serve(app_dir, Path(tmp_name))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                log_in(page, base)
                if shots is not None:
                    screenshots(page, base, data, shots)
                    page.set_viewport_size({"width": width, "height": 900})
                results = []
                r = Receptionist(page, base)
                for name, task in TASKS:
                    if only and only.lower() not in name.lower():
                        continue
                    count = confirm_pending(r, data, bulk) if task is confirm_pending else task(r, data)
                    results.append((name.format(**data), count))
                browser.close()
        finally:
            process.terminate()
            process.wait(10)
    return results


def table(results: list[tuple[str, Count]], title: str) -> str:
    lines = [title, "", "| task | clicks | keys | page loads | requests | path |", "| --- | ---: | ---: | ---: | ---: | --- |"]
    for name, c in results:
        if c.possible:
            lines.append(f"| {name} | {c.clicks} | {c.keys} | {c.loads} | {c.requests} | {c.path}; {'; '.join(c.notes)} |")
        else:
            lines.append(f"| {name} | not possible | | | | {c.path}; stopped after {c.clicks} clicks, {c.keys} keys: "
                         f"{'; '.join(c.notes)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--shots", type=Path, help="also save screenshots of the main pages here")
    parser.add_argument("--only", help="run only the tasks whose name contains this")
    parser.add_argument("--no-bulk", action="store_true", help="confirm the pending bookings one by one even where bulk actions exist")
    parser.add_argument("--pages", action="store_true", help="list the pages each task loaded")
    parser.add_argument("--width", type=int, default=1280, help="the window's width for the tasks")
    args = parser.parse_args()
    app_dir = args.app_dir.resolve()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=app_dir, capture_output=True, text=True).stdout.strip()
    results = run(app_dir, args.shots, args.width, args.only, not args.no_bulk)
    print(table(results, f"Receptionist's tasks on {app_dir.name} ({commit}), Chromium at {args.width} px"))
    if args.pages:
        for name, c in results:
            print(f"\n{name}: " + ", ".join(c.pages))


if __name__ == "__main__":
    main()
