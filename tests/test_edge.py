"""What every request passes before a view sees it (app/edge.py): ids in paths that are
not ids are not found, NUL bytes in forms are refused before the database, and bodies
over the size limit get a 413, in the API's envelope under /api/."""
from __future__ import annotations

import pytest

from app import create_app
from tests.api.conftest import anon  # noqa: F401  (fixture)
from tests.builders import stored
from tests.web.admin.conftest import booked, login_as  # noqa: F401  (booked is a fixture)
from tests.web.helpers import submit


@pytest.mark.parametrize("url", ["/admin/bookings/%C2%B2", "/admin/bookings/%D9%A3", "/admin/bookings/99999999999",
                                 "/admin/bookings/2147483648"])
def test_ids_in_paths_that_are_not_ids_are_not_found(client, booked, url):
    login_as(client, "staff")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(("url", "data"), [
    ("/login", {"email": "a\x00@example.com", "password": "x"}),
    ("/register", {"email": "a\x00@example.com", "password": "long-enough", "confirm": "long-enough", "first_name": "A", "last_name": "B"}),
    ("/forgot-password", {"email": "a\x00@example.com"}),
])
def test_nul_bytes_in_account_forms_are_refused_before_the_database(client, session, url, data):
    before = stored(session)
    response = submit(client, url, data)
    assert response.status_code == 400
    assert stored(session) == before


def test_a_body_over_the_limit_gets_413_in_the_api_envelope(anon):
    response = anon("POST", "/login", raw=b'{"email": "' + b"x" * (3 * 1024 * 1024) + b'"}')
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_a_page_post_over_the_limit_gets_a_plain_413(client):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert response.mimetype == "text/html"


def test_the_limit_is_configurable_from_the_environment_and_instance_config(config, monkeypatch, tmp_path):
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "1000")
    client = create_app(config).test_client()
    assert client.post("/api/v1/login", data=b"{" + b" " * 2000 + b"}", content_type="application/json").status_code == 413
    assert client.post("/api/v1/login", data=b"{" + b" " * 500 + b"}", content_type="application/json").status_code == 422
