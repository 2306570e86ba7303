"""No 5xx from anything a person or client can send.

Every route of the URL map (pages) and every operation of the OpenAPI document (API)
gets the hostile corpus: in path arguments, in each query or form field the view reads
(found by recording what it reads), all fields at once and one at a time with every
other field valid, as every kind of caller the route can tell apart, and JSON bodies
with every property replaced by hostile strings and wrong types. Each route is its own
test; they share one world (see `world`) whose requests that succeed (a cancel, a
deactivation) are aimed at victims, so they spoil no other route.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask import request as http_request
from werkzeug.datastructures import MultiDict

from app import create_app
from app.api.openapi import DOCUMENT
from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.inputs import BookingRequest, ServiceLineInput
from app.domain.catalog import TYPES
from app.domain.models import User
from app.db import make_engine
from tests import builders as b
from tests.conftest import BOOKING_DAY, NOW, ON_POSTGRES, _empty_tables

from .corpus import CORPUS, DEEP_JSON, DOUBLING, JSON_SHARP, OTHER_CALLERS, PATH, SHARP_FORM

PASSWORD = "correct-horse"  # hashed with the suite's cheap Argon2 settings (tests/conftest.py)
DAY = (NOW + timedelta(days=30)).date().isoformat()


def _rules() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "TESTING": True})
    pages, api = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            (api if rule.rule.startswith("/api/") else pages).append((method, rule.rule))
    app.extensions["engine"].dispose()
    return pages, api


PAGE_ROUTES, API_ROUTES = _rules()
OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in item if method != "parameters"]
ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass
class World:
    """A small business with one of everything, and a caller of every kind."""

    app: Flask
    ids: dict[str, int]
    callers: dict[str, tuple[Any, dict[str, str]]] = field(default_factory=dict)


class Recording(MultiDict):
    """request.args / request.form that remember which names the view read."""

    seen: set[str]

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        self.seen.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self.seen.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)

    def copy(self):
        copied = Recording(self)
        copied.seen = self.seen
        return copied


SEEN: set[str] = set()


def _record_reads(app: Flask) -> None:
    @app.before_request
    def _wrap() -> None:
        for name in ("args", "form"):
            recording = Recording(getattr(http_request, name))
            recording.seen = SEEN
            http_request.__dict__[name] = recording
        values = Recording(http_request.args)
        values.update(http_request.form)
        values.seen = SEEN
        http_request.__dict__["values"] = values


@pytest.fixture(scope="module")
def world(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One world for the module: its requests mostly fail, and those that succeed are
    pointed at victims (a spare customer, key, booking) so the callers stay logged in."""
    if ON_POSTGRES:
        url = template_db
        engine = make_engine(url)
        with engine.begin() as conn:
            _empty_tables(conn)
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("corpus") / "corpus.sqlite3"
        shutil.copyfile(template_db, path)
        url = f"sqlite:///{path}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "SERVER_NAME": "portal.test",
                      "MAIL_DIR": str(tmp_path_factory.mktemp("mail")), "WTF_CSRF_ENABLED": False,
                      "API_RATE_LIMIT": "1000000 per minute", "LOGIN_RATE_LIMIT": "1000000 per minute", "NOW": NOW,
                      # New accounts are throttled per address; here every caller shares one address.
                      "REGISTER_RATE_LIMIT": "1000000 per hour", "REGISTER_TOTAL_RATE_LIMIT": "1000000 per hour"})
    _record_reads(app)
    now = NOW
    session = app.extensions["session_factory"]()
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    hourly = b.service(session, loc, name="Hourly", pricing_mode="hourly", price="45.00", duration_minutes=120, max_days_ahead=5000)
    extra = b.extra(session, [svc, hourly])
    param = b.parameter(session, [svc, hourly])
    alex = b.agent(session, [svc, hourly], loc)
    off_day = datetime.combine(BOOKING_DAY + timedelta(weeks=52), time(), tzinfo=UTC)
    off = b.time_off(session, alex, off_day, off_day + timedelta(days=1))
    once = b.frequency(session, "One time", None, 1, "0")
    b.frequency(session, "Weekly", "week", 1, "10")
    text_field = b.field(session, [svc, hourly], "single_line", "Door code")
    pets = b.field(session, [svc, hourly], "checkboxes", "Pets", [("Cat", False), ("Other", True)])
    code = b.code(session, "SAVE10")
    users = {}
    for role in ("customer", "staff", "admin", "victim-customer", "victim-staff"):
        user = User(email=f"{role}@example.com", role=role.removeprefix("victim-"), first_name="Pat", last_name="User", password_hash=accounts.hash_password(PASSWORD))
        session.add(user)
        users[role] = user
    session.commit()

    def booking(at: str, customer: str) -> int:
        request = BookingRequest([ServiceLineInput(svc.id)], start_date=DAY, start_time=at, customer_id=users[customer].id, address="1 Main St")
        return create_booking(session, request, actor=b.STAFF, now=now).booking.id

    key, secret = accounts.create_api_key(session, name="corpus", scope="write", now=now)
    victim_key, _ = accounts.create_api_key(session, name="victim", scope="write", now=now)
    token = accounts.issue_token(session, users["customer"], now=now)[1]
    ids = {"location": loc.id, "service": svc.id, "hourly": hourly.id, "extra": extra.id, "param": param.id, "agent": alex.id,
           "time_off": off.id, "frequency": once.id, "field": text_field.id, "pets": pets.id, "option": pets.options[0].id,
           "code": code.id, "booking": booking("10:00", "customer"), "victim_booking": booking("11:00", "customer"),
           "other_booking": booking("12:00", "victim-customer"), "customer": users["customer"].id,
           "victim_customer": users["victim-customer"].id, "victim_staff": users["victim-staff"].id, "key": victim_key.id}
    session.close()
    w = World(app, ids)
    w.callers["anonymous"] = (app.test_client(), {})
    for role in ("customer", "staff", "admin"):
        client = app.test_client()
        response = client.post("/login", data={"email": f"{role}@example.com", "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        w.callers[role] = (client, {})
    w.callers["api_key"] = (app.test_client(), {"X-API-Key": secret})
    w.callers["bearer"] = (app.test_client(), {"Authorization": f"Bearer {token}"})
    yield w
    app.extensions["engine"].dispose()


def _valid(ids: dict[str, int]) -> dict[str, str]:
    """A valid value for each field name the pages read (others get "1")."""
    return {
        "service": str(ids["service"]), "services": str(ids["service"]), "again": str(ids["booking"]), "booking_id": str(ids["booking"]),
        "date": DAY, "time": "14:00", "agent_id": str(ids["agent"]), "location_id": str(ids["location"]),
        "service_id": str(ids["service"]), "customer_id": str(ids["customer"]), "frequency_id": str(ids["frequency"]),
        "version": "1", "status": "approved", "page": "1", "per_page": "10", "from": DAY, "to": DAY, "q": "Jo", "view": "week",
        "show": "all", "sort": "start_at", "scope": "this", "discount_code": "SAVE10", "tip": "5", "action": "book",
        "email": "new@example.com", "first_name": "Jo", "last_name": "Doe", "password": "long-enough-1", "confirm": "long-enough-1",
        "customer_email": "new@example.com", "customer_first_name": "Jo", "customer_last_name": "Doe", "payment_method": "cash",
        "address": "1 Main St", "name": "Thing", "timezone": "Europe/Berlin", "default_timezone": "Europe/Berlin",
        "start_at": f"{DAY}T09:00", "end_at": f"{DAY}T10:00", "scope_": "read", "active": "1",
        f"field-{ids['field']}": "4417", f"field-{ids['pets']}": str(ids["option"]),
    }


def _url(rule: str, args: dict[str, str]) -> str:
    return ARG.sub(lambda m: quote(args[m.group(1)], safe="", errors="surrogatepass"), rule)


def _encode(pairs: dict[str, str]) -> str:
    return "&".join(f"{quote(k)}={quote(v, safe='', errors='surrogatepass')}" for k, v in pairs.items())


class Tally:
    def __init__(self) -> None:
        self.sent = 0
        self.failures: list[str] = []

    def check(self, what: str, send) -> Any:
        self.sent += 1
        try:
            response = send()
        except Exception as exc:  # a crash that escaped every handler is a 500 as well
            self.failures.append(f"{what}: {type(exc).__name__}: {str(exc)[:120]}")
            return None
        if response.status_code >= 500:
            self.failures.append(f"{what}: {response.status_code}")
        return response

    def report(self, name: str) -> None:
        """With CORPUS_REPORT set, add this route's figures to that file (for before/after counts)."""
        if os.environ.get("CORPUS_REPORT"):
            with open(os.environ["CORPUS_REPORT"], "a") as out:
                out.write(f"{name}\t{len(self.failures)}\t{self.sent}\n")

    def assert_clean(self) -> None:
        shown = "\n".join(sorted(set(self.failures))[:40])
        assert not self.failures, f"{len(self.failures)} of {self.sent} requests gave a 5xx:\n{shown}"


def _path_args(rule: str, w: World, kind: str | None) -> dict[str, str]:
    """Valid path arguments; what a request may change is a victim, not a caller."""
    objects = {"agents": "agent", "customers": "victim_customer", "staff": "victim_staff", "locations": "location",
               "services": "service", "extras": "extra", "parameters": "param", "fields": "field", "frequencies": "frequency",
               "discount_codes": "code"}
    args = {}
    for name in ARG.findall(rule):
        if name == "key":
            args[name] = kind or "services"
        elif name == "object_id":
            args[name] = str(w.ids[objects[kind or "agents"]])
        elif name == "time_off_id":
            args[name] = str(w.ids["time_off"])
        elif name == "key_id":
            args[name] = str(w.ids["key"])
        elif name == "booking_id":
            args[name] = str(w.ids["victim_booking" if rule.endswith("/cancel") else "booking"])
        else:
            args[name] = "not-a-token"
    return args


# Callers a route cannot tell apart get the hostile values once. Pages read no API
# credentials: a bearer token is the same request to them as an API key, line for line and
# branch for branch (measured with coverage). The API reads no cookies: the signed-in
# admin is the anonymous caller to it.
PAGE_CALLERS = ("anonymous", "customer", "staff", "admin", "api_key")
API_CALLERS = ("bearer", "api_key", "anonymous")

PAGE_CASES = [
    pytest.param(method, rule, kind, id=f"{method} {rule}" + (f" [{kind}]" if kind else ""))
    for method, rule in PAGE_ROUTES
    if rule not in ("/logout", "/profile/password")  # would end the session the other requests use
    for kind in (TYPES if "<key>" in rule else [None])
]


@pytest.mark.parametrize(("method", "rule", "kind"), PAGE_CASES)
def test_no_page_answers_a_hostile_request_with_a_server_error(world: World, method: str, rule: str, kind: str | None,
                                                                request: pytest.FixtureRequest):
    tally = Tally()
    valid = _valid(world.ids)
    base_args = _path_args(rule, world, kind)

    def send(caller: str, args: dict[str, str], fields: dict[str, str], raw: str | None = None):
        client, headers = world.callers[caller]
        url = _url(rule, args)
        if "nonce" in fields:
            fields = fields | {"nonce": uuid.uuid4().hex + fields["nonce"]}  # a fresh form each time, not a double click
        encoded = _encode(fields) if raw is None else raw
        if method == "GET":
            return client.get(url, query_string=encoded, headers=headers)
        return client.post(url, data=encoded, content_type="application/x-www-form-urlencoded", headers=headers)

    # Which callers reach the view, and which fields it reads once given valid ones.
    reaching, names = [], set()
    for caller in PAGE_CALLERS:
        fields: dict[str, str] = {}
        for _ in range(3):
            SEEN.clear()
            response = tally.check(f"{caller} {method} {rule} baseline", lambda: send(caller, base_args, fields))
            if SEEN <= set(fields):
                break
            names |= SEEN
            fields = {n: valid.get(n, "1") for n in names}
        if response is not None and response.status_code not in (401, 403) and "/login" not in response.headers.get("Location", ""):
            reaching.append(caller)
    baseline = {n: valid.get(n, "1") for n in names}

    # The first caller who reaches the view gets everything; the others one value of each
    # kind. Two run the same code as another once past the door, so one value shows their
    # door: an API key (an anonymous visitor whose answer gains a no-store header) and staff
    # where the admin goes first (the office pages treat them alike; measured with coverage).
    main = next((c for c in ("customer", "admin", "anonymous", "staff") if c in reaching), None)
    for caller in PAGE_CALLERS:
        full = caller == main
        values = OTHER_CALLERS[:1] if caller == "api_key" or (caller == "staff" and main == "admin") else OTHER_CALLERS
        for arg in base_args:
            for value in PATH if full else values:
                tally.check(f"{caller} {method} {rule} path {arg}={value[:20]!r}", lambda: send(caller, base_args | {arg: value}, baseline))
        if caller not in reaching or not names:
            continue
        for value in CORPUS if full else values:
            tally.check(f"{caller} {method} {rule} all fields={value[:20]!r}", lambda: send(caller, base_args, dict.fromkeys(names, value)))
        if full:
            for name in sorted(names):
                for value in SHARP_FORM:
                    tally.check(f"{caller} {method} {rule} {name}={value[:20]!r}", lambda: send(caller, base_args, baseline | {name: value}))
            for n in DOUBLING if method == "POST" else []:
                # Every field it reads, each sent n times (a list of n values, or n repeats).
                # Not for GET: the server's request-line limit (gunicorn: 4094 bytes) bounds a query.
                repeated = "&".join([_encode(baseline)] * n)
                tally.check(f"{caller} {method} {rule} fields x{n}", lambda: send(caller, base_args, {}, raw=repeated))
    tally.report(request.node.name)
    tally.assert_clean()


# --- the API, from its OpenAPI document -------------------------------------------------


def _deref(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = DOCUMENT
        for part in node["$ref"].split("/")[1:]:
            target = target[part]
        node = target
    return node


def _api_body(method: str, path: str, ids: dict[str, int]) -> Any:
    staff = {"service_id": ids["service"], "agent_id": ids["agent"], "start_date": DAY, "start_time": "15:00",
             "customer": {"first_name": "Jo", "last_name": "Doe", "email": "jo@example.com", "phone": "201-555-0100"},
             "notes": "n", "staff_notes": "s"}
    launch = {"address": "1 Main St", "city": "Brooklyn", "state": "NY", "zip": "11201", "phone": "201-555-0100",
              "frequency_id": ids["frequency"], "service_date": f"{DAY}T15:00:00", "arrival_window": 0,
              "services": [{"id": ids["service"], "extras": [{"id": ids["extra"], "quantity": 1}],
                            "pricing_parameters": [{"id": ids["param"], "quantity": 1}]}],
              "payment_method": "cash", "discount_code": "SAVE10", "tip": 5,
              "custom_fields": [{"id": ids["field"], "value": "4417"}, {"id": ids["pets"], "values": [{"id": ids["option"]}]}]}
    return {
        ("POST", "/bookings"): staff,
        ("POST", "/bookings/bulk"): {"bookings": [staff]},
        ("PUT", "/bookings/{id}"): {"notes": "x", "staff_notes": "y", "start_time": "16:00", "customer": {"email": "jo@example.com"}},
        ("PATCH", "/bookings/{id}"): {"notes": "x", "customer.email": "jo@example.com", "start_date": DAY},
        ("POST", "/login"): {"email": "customer@example.com", "password": "wrong-password"},
        ("POST", "/customer/bookings"): launch,
        ("POST", "/customer/bookings/price"): {k: v for k, v in launch.items() if k in ("services", "frequency_id", "discount_code", "tip")},
        ("PUT", "/customer/bookings/{id}"): {"service_date": f"{DAY}T16:00:00"},
        ("POST", "/customer/bookings/{id}/cancel"): {"scope": "this", "reason": "r"},
    }.get((method, path))


def _body_variants(body: Any) -> list[tuple[str, list[Any]]]:
    """(where, path of keys) for every property and one level inside objects and lists."""
    places: list[tuple[str, list[Any]]] = []

    def walk(node: Any, trail: list[Any], depth: int) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in items:
            places.append(("/".join(map(str, [*trail, key])), [*trail, key]))
            if depth < 3:
                walk(child, [*trail, key], depth + 1)

    walk(body, [], 0)
    return places


def _body_lists(body: Any) -> list[tuple[str, list[Any]]]:
    """(where, path of keys) of every non-empty list in the body, at any depth."""
    found: list[tuple[str, list[Any]]] = []

    def walk(node: Any, trail: list[Any]) -> None:
        if isinstance(node, list) and node:
            found.append(("/".join(map(str, trail)), trail))
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in items:
            walk(child, [*trail, key])

    walk(body, [])
    return found


def _item(body: Any, trail: list[Any]) -> Any:
    node = body
    for key in trail:
        node = node[key]
    return node[0]


def _replaced(body: Any, trail: list[Any], value: Any) -> Any:
    copy = json.loads(json.dumps(body))
    node = copy
    for key in trail[:-1]:
        node = node[key]
    node[trail[-1]] = value
    return copy


def _query_valid(ids: dict[str, int]) -> dict[str, str]:
    return {"service_id": str(ids["service"]), "date": DAY, "agent_id": str(ids["agent"]), "duration": "60",
            "location_id": str(ids["location"]), "days": "2", "status": "approved", "customer_id": str(ids["customer"]),
            "from": DAY, "to": DAY, "page": "1", "per_page": "10", "include_inactive": "true"}


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_api_operation_answers_a_hostile_request_with_a_server_error(world: World, method: str, path: str,
                                                                         request: pytest.FixtureRequest):
    tally = Tally()
    operation = DOCUMENT["paths"][path][method.lower()]
    params = [_deref(p) for p in operation.get("parameters", [])]
    queries = [p["name"] for p in params if p["in"] == "query"]
    headers_named = [p["name"] for p in params if p["in"] == "header"]
    own = "customer" in path
    callers = API_CALLERS
    main = "bearer" if own or path == "/logout" else "api_key"
    valid_id = str(world.ids["booking"] if "bookings" in path else world.ids.get(
        {"services": "service", "extras": "extra", "pricing_parameters": "param", "custom_fields": "field",
         "frequencies": "frequency", "locations": "location", "agents": "agent"}.get(path.split("/")[1], "service"), 1))
    query = {k: v for k, v in _query_valid(world.ids).items() if k in queries}
    body = _api_body(method, path, world.ids)

    def send(caller: str, ident: str = valid_id, q: dict[str, str] | None = None, payload: Any = None, raw: bytes | None = None,
             extra_headers: dict[str, str] | None = None):
        client, headers = world.callers[caller]
        url = "/api/v1" + path.replace("{id}", quote(ident, safe="", errors="surrogatepass"))
        kwargs: dict[str, Any] = {"headers": {**headers, **(extra_headers or {})}, "query_string": _encode(query | (q or {}))}
        if raw is not None:
            kwargs["data"], kwargs["content_type"] = raw, "application/json"
        elif payload is not None:
            kwargs["data"], kwargs["content_type"] = json.dumps(payload), "application/json"
        return client.open(url, method=method, **kwargs)

    for caller in callers:
        if caller != main:
            # Refused by the credentials check; only what comes before it can crash.
            for value in OTHER_CALLERS if "{id}" in path else []:
                tally.check(f"{caller} id={value[:20]!r}", lambda: send(caller, value, payload=body))
            continue
        for value in CORPUS:
            if "{id}" in path and value:
                tally.check(f"{caller} id={value[:20]!r}", lambda: send(caller, value, payload=body))
            for name in queries:
                tally.check(f"{caller} ?{name}={value[:20]!r}", lambda: send(caller, q={name: value}, payload=body))
            for name in headers_named:
                if value.isprintable() and value.isascii() and len(value) < 1000:
                    tally.check(f"{caller} {name}: {value[:20]!r}", lambda: send(caller, payload=body, extra_headers={name: value}))
        if method in ("POST", "PUT", "PATCH"):
            for raw in (DEEP_JSON, b"\xff\xfe", b'{"a": "\x00"}', b"{", b"[]", b"null", b'"x"', b"1e999999", b'{"a": 1e999}',
                        json.dumps(body).encode().replace(b'"1 Main St"', b'"\\u0000"') if body else b"{}"):
                tally.check(f"{caller} raw body {raw[:20]!r}", lambda: send(caller, raw=raw))
        if body is not None:
            for where, trail in _body_variants(body):
                for value in JSON_SHARP:
                    tally.check(f"{caller} body {where}={str(value)[:20]!r}", lambda: send(caller, payload=_replaced(body, trail, value)))
            for where, trail in _body_lists(body):
                for n in DOUBLING:
                    # The list's first item n times: past any bound, refused whole and early.
                    longer = _replaced(body, trail, [_item(body, trail)] * n)
                    tally.check(f"{caller} body {where} x{n}", lambda: send(caller, payload=longer))
            for name in ("unknown", "version", "send_notification", "send_confirmation_email", "reason", "customer_id", "start_at",
                         "duration", "status", "location_id", "price", "customer.email", "customer.first_name"):
                for value in ["²", "\x00", "\ud800", 2**64, [], None]:
                    if isinstance(body, dict):
                        tally.check(f"{caller} body +{name}={str(value)[:20]!r}", lambda: send(caller, payload=body | {name: value}))
    tally.report(request.node.name)
    tally.assert_clean()
