"""schemathesis with every check (`--checks all`: positive and negative data, status
codes, headers, Allow, response schemas, stateful links) against the portal under
gunicorn, for the staff and the customer APIs and what answers without credentials: a fixed seed, a bounded number of
examples, and no failure. tests/api/schemathesis.toml lists, per operation, the
refusals of schema-valid requests that only a rule the document cannot state explains
(a rule between two values, or against the stored data)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .live import gunicorn

HERE = Path(__file__).resolve().parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
UNLIMITED = "1000000 per minute"
CATALOG = "availability|services|extras|pricing_parameters|custom_fields|frequencies|locations|agents"
# The staff API with a key, the webhooks and payment policies with an admin key, the customer API with a
# bearer token, and what answers without credentials (log-in, the public reads). /logout
# is left out: it would end the token the run uses.
RUNS = {
    "staff": rf"^/(?!.*payment-policy$)(bookings|customers|{CATALOG})(/|$)",
    "admin": r"^/(webhooks(/|$)|payment-policy$|services/[^/]+/payment-policy$)",
    "customer": r"^/customer/",
    "anonymous": rf"^/(login|{CATALOG})(/|$)",
}


@pytest.fixture
def server(db_url, tmp_path, catalog):
    with gunicorn(db_url, tmp_path / "gunicorn.log", API_RATE_LIMIT=UNLIMITED, PUBLIC_API_RATE_LIMIT=UNLIMITED,
                  AUTH_FAILURE_RATE_LIMIT=UNLIMITED, LOGIN_RATE_LIMIT=UNLIMITED) as base:
        yield base


@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="needs the schemathesis command")
@pytest.mark.parametrize("api", sorted(RUNS))
def test_schemathesis_with_every_check_finds_nothing(api, server, staff_api, admin_api, customer_api, staff_booking_made, tmp_path):
    credentials = {"staff": staff_api.headers, "admin": admin_api.headers, "customer": customer_api.headers, "anonymous": {}}[api]
    headers = [arg for name, value in credentials.items() for arg in ("-H", f"{name}: {value}")]
    done = subprocess.run(
        [str(SCHEMATHESIS), "--config-file", str(HERE / "schemathesis.toml"), "run", f"{server}/api/v1/openapi.json",
         "--url", f"{server}/api/v1", *headers, "--checks", "all", "--include-path-regex", RUNS[api],
         "--seed", "23", "--max-examples", "10", "--workers", "1", "--no-color"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
    assert " generated, " in done.stdout and " passed" in done.stdout


@pytest.fixture
def staff_booking_made(staff_api, customer_api, catalog):
    """A booking each side can read, change and cancel, for the stateful phase to start from."""
    from .conftest import DAY, launch27_body, staff_booking

    assert staff_api.post("/bookings", staff_booking(catalog)).status_code == 201
    assert customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{DAY}T13:00:00")).status_code == 201
