"""The pages people open, loaded like the API in `make bench` (bench/run.py).

Each page is fetched once over HTTP from the served app to sign in and to learn what a
browser would send (the session cookie, the CSRF token, the form's fields), then loaded
with wrk (a Lua script for the form refresh's POST) or the Python load generator:

* the booking page as a visitor opens it, `GET /book?service=N`;
* a form refresh: the same form POSTed with one field changed (the day), as htmx sends it;
* the home page; My bookings and the move page of the signed-in customer's next booking;
* the admin week view, signed in as the admin.

`statements()` counts SQL statements per warm request for the same pages in process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from werkzeug.datastructures import MultiDict

from .seed import PASSWORD, Seeded

PAGES = ("book", "refresh", "home", "my_bookings", "move", "week")


class FormFields(HTMLParser):
    """The fields a browser would send for the form with id `form_id`: inputs with their
    values (checked boxes and radios only), and each select's selected option."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside, self.select = form_id, False, None
        self.fields: list[tuple[str, str]] = []
        self._first_option: dict[str, str] = {}
        self._selected: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self.fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            self._first_option.setdefault(self.select, a.get("value", ""))
            if "selected" in a and self.select not in self._selected:
                self._selected.add(self.select)
                self.fields.append((self.select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select:
            if self.select not in self._selected:
                self.fields.append((self.select, self._first_option.get(self.select, "")))
            self.select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


@dataclass
class Page:
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # a POST's url-encoded form


def _move_path(my_bookings: str) -> str:
    """The move page of the first booking My bookings lists (the next one)."""
    found = re.search(r'href="/bookings/(\d+)"', my_bookings)
    if found is None:
        raise RuntimeError("My bookings lists no booking to move")
    return f"/bookings/{found.group(1)}/reschedule"


def _signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    login = browser.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    response = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": token.group(1) if token else ""}, timeout=30)
    response.raise_for_status()
    return browser


def _cookie(browser: requests.Session) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in browser.cookies)}


def pages(port: int, seeded: Seeded) -> dict[str, Page]:
    """What each page's load sends, found by opening the pages as their users would."""
    base = f"http://127.0.0.1:{port}"
    book = f"/book?service={seeded.service_id}"
    visitor = requests.Session()
    html = visitor.get(base + book, timeout=30).text
    fields = form_fields(html, "booking-form")
    days = re.findall(r'name="date" value="(\d{4}-\d{2}-\d{2})"', html)
    chosen = dict(fields).get("date")
    # One changed field: the next day of the calendar with free times.
    later = next((d for d in days if chosen and d > chosen), None)
    body = urlencode([(k, later if k == "date" and later else v) for k, v in fields if k != "time"])
    customer = _signed_in(base, "customer@example.com")
    listing = customer.get(f"{base}/bookings", timeout=30).text
    move = _move_path(listing)
    admin = _signed_in(base, "admin@example.com")
    return {
        "book": Page(book),
        "refresh": Page("/book", {**_cookie(visitor), "HX-Request": "true", "HX-Target": "booking-main",
                                  "Content-Type": "application/x-www-form-urlencoded"}, body),
        "home": Page("/"),
        "my_bookings": Page("/bookings", _cookie(customer)),
        "move": Page(move, _cookie(customer)),
        "week": Page(f"/admin/calendar?view=week&date={seeded.today.isoformat()}", _cookie(admin)),
    }


def wrk_script(page: Page, folder: Path) -> list[str]:
    """wrk's arguments for a POST (a Lua script setting the method and body)."""
    if page.body is None:
        return []
    script = folder / "post.lua"
    body = page.body.replace("\\", "\\\\").replace('"', '\\"')
    script.write_text(f'wrk.method = "POST"\nwrk.body = "{body}"\n')
    return ["-s", str(script)]


def statements(app: Any, seeded: Seeded, counting: Any) -> dict[str, int]:
    """SQL statements per warm request of each page, in process (Flask's test client;
    the app is made with CSRF off)."""
    engine = app.extensions["engine"]
    out: dict[str, int] = {}

    def count(name: str, client: Any, path: str, data: Any = None) -> None:
        call = (lambda: client.get(path)) if data is None else (lambda: client.post(path, data=data, headers={"HX-Request": "true"}))
        assert call().status_code == 200, path
        with counting(engine) as n:
            call()
        out[f"pst_{name}"] = n[0]

    visitor, customer, admin = app.test_client(), app.test_client(), app.test_client()
    book = f"/book?service={seeded.service_id}"
    fields = form_fields(visitor.get(book).get_data(as_text=True), "booking-form")
    count("book", visitor, book)
    count("refresh", visitor, "/book", MultiDict([(k, v) for k, v in fields if k != "time"]))
    count("home", visitor, "/")
    customer.post("/login", data={"email": "customer@example.com", "password": PASSWORD})
    count("my_bookings", customer, "/bookings")
    count("move", customer, _move_path(customer.get("/bookings").get_data(as_text=True)))
    admin.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    count("week", admin, f"/admin/calendar?view=week&date={seeded.today.isoformat()}")
    return out


