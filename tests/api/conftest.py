"""API fixtures: keys, a logged-in customer, and a small catalog."""
from __future__ import annotations


import pytest

from app.domain import accounts
from tests import builders as b
from tests.conftest import DAY, NOW


class Api:
    """A client that speaks JSON with one set of credentials."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def __call__(self, method, path, body=None, headers=None, raw=None):
        all_headers = {**self.headers, **(headers or {})}
        kwargs = {"headers": all_headers}
        if raw is not None:
            kwargs["data"], kwargs["content_type"] = raw, "application/json"
        elif body is not None:
            kwargs["json"] = body
        return self.client.open(f"/api/v1{path}", method=method, **kwargs)

    def get(self, path, **kw):
        return self("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self("DELETE", path, **kw)




@pytest.fixture
def catalog(session):
    loc = b.location(session)
    # The API runs on the real clock, so tests book a date years ahead: allow that.
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    hourly = b.service(session, loc, name="Hourly cleaning", pricing_mode="hourly", price="45.00", duration_minutes=120, max_days_ahead=5000)
    fridge = b.extra(session, [svc, hourly], name="Inside the fridge", recurring=False)
    bedrooms = b.parameter(session, [svc, hourly], name="Bedrooms")
    alex = b.agent(session, [svc, hourly], loc, name="Alex Agent")
    bo = b.agent(session, [svc, hourly], loc, name="Bo Agent", email="bo@example.com")
    once = b.frequency(session, "One time", None, 1, "0")
    weekly = b.frequency(session, "Weekly", "week", 1, "10")
    door = b.field(session, [svc, hourly], "single_line", "Door code")
    pets = b.field(session, [svc, hourly], "checkboxes", "Pets", [("Cat", False), ("Other", True)])
    b.code(session, "SAVE10")
    session.commit()
    return {"location": loc.id, "service": svc.id, "hourly": hourly.id, "fridge": fridge.id, "bedrooms": bedrooms.id,
            "alex": alex.id, "bo": bo.id, "once": once.id, "weekly": weekly.id, "door": door.id, "pets": pets.id,
            "pets_cat": pets.options[0].id, "pets_other": pets.options[1].id}


def _key(session, scope):
    _, secret = accounts.create_api_key(session, name=f"{scope} key", scope=scope, now=NOW)
    return secret


@pytest.fixture
def staff_api(client, session):
    return Api(client, {"X-API-Key": _key(session, "write")})


@pytest.fixture
def admin_api(client, session):
    return Api(client, {"X-API-Key": _key(session, "admin")})


@pytest.fixture
def read_api(client, session):
    return Api(client, {"X-API-Key": _key(session, "read")})


@pytest.fixture
def anon(client):
    return Api(client, {})


def login(client, session, email):
    accounts.create_user(session, email=email, password="correct-horse", first_name="Casey", last_name="Customer", now=NOW)
    response = client.post("/api/v1/login", json={"email": email, "password": "correct-horse"})
    assert response.status_code == 200, response.get_json()
    return Api(client, {"Authorization": f"Bearer {response.get_json()['token']}"})


@pytest.fixture
def customer_api(client, session):
    return login(client, session, "casey@example.com")


@pytest.fixture
def other_customer_api(client, session):
    return login(client, session, "other@example.com")


def staff_booking(catalog, **over):
    return {"service_id": catalog["service"], "agent_id": catalog["alex"], "start_date": DAY, "start_time": "10:00",
            "customer": {"first_name": "Jo", "last_name": "Doe", "email": "jo@example.com", "phone": "201-555-0100"}} | over


def launch27_body(catalog, **over):
    return {"address": "595 Market St", "city": "San Francisco", "state": "CA", "zip": "94105", "phone": "415-555-0190",
            "frequency_id": catalog["once"], "service_date": f"{DAY}T09:30:00", "arrival_window": 0,
            "services": [{"id": catalog["service"]}], "payment_method": "cash"} | over
