"""Each bad-input finding of issue 9 (items 3, 4, the validation half of 2, and the
CSV, slots and offered-times parts of 7), driven as a client would, on the database
the suite runs on (PostgreSQL is where NUL bytes used to crash)."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.domain import accounts
from app.domain.booking import create_booking
from app.domain.models import Booking, User
from tests import builders as b
from tests.api.conftest import DAY, Api, anon, catalog, customer_api, launch27_body, staff_api, staff_booking  # noqa: F401
from tests.builders import table_counts
from tests.web.admin.conftest import booked, login_as  # noqa: F401  (fixtures)
from tests.web.helpers import csrf_from, submit
from tests.conftest import NOW

BAD_EMAIL = "nl@example.com\r\nbcc:x@evil.example"


def stored(session) -> dict[str, int]:
    """Rows per table, less the rate-limit counters every request moves."""
    return {table: count for table, count in table_counts(session).items() if table != "rate_limits"}


# --- item 3: one strict parser -------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/admin/calendar?agent_id=%C2%B2&service_id=%E2%91%A0",
    "/admin/calendar?date=9999-12-31&view=week",
    "/admin/bookings/new?customer_id=%C2%B2",
])
def test_staff_pages_ignore_unicode_digits_and_far_dates_in_filters(client, booked, url):
    login_as(client, "admin")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/admin/bookings?from=9999-12-31", "/admin/bookings.csv?to=0001-01-01",
                                 "/admin/bookings?agent_id=%C2%B2", "/admin/bookings?page=--1"])
def test_the_bookings_table_and_export_refuse_bad_filters_with_422(client, booked, url):
    login_as(client, "staff")
    assert client.get(url).status_code == 422


@pytest.mark.parametrize("url", ["/admin/bookings/%C2%B2", "/admin/bookings/%D9%A3", "/admin/bookings/99999999999",
                                 "/admin/bookings/2147483648"])
def test_ids_in_paths_that_are_not_ids_are_not_found(client, booked, url):
    login_as(client, "staff")
    assert client.get(url).status_code == 404


def test_the_panel_and_the_move_form_take_far_dates_and_odd_versions_without_crashing(client, booked):
    login_as(client, "staff")
    assert client.get(f"/admin/bookings/{booked.id}?date=9999-12-31&agent_id=%C2%B2").status_code == 200
    page = client.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    for version in ("²", "--1", str(2**63)):
        moved = client.post(f"/admin/bookings/{booked.id}/move", data={"csrf_token": csrf_from(page), "version": version,
                                                                      "date": "9999-12-31", "time": "10:00"},
                            headers={"Accept": "application/json"})
        assert moved.status_code == 409 and moved.get_json()["code"] == "precondition_failed"
    moved = client.post(f"/admin/bookings/{booked.id}/move", data={"csrf_token": csrf_from(page), "version": "1",
                                                                  "date": "9999-12-31", "time": "10:00"},
                        headers={"Accept": "application/json"})
    assert moved.status_code == 422 and "start date" in moved.get_json()["message"]


def test_customer_pages_take_hostile_ids_in_the_query(client, booked):
    login_as(client, "customer")
    for url in ("/book?service=%C2%B2", "/book?service=99999999999999999999", "/book/slots?services=%C2%B2&date=9999-12-31",
                "/bookings?page=%C2%B2"):
        assert client.get(url).status_code < 500, url
    assert client.get("/book?again=%C2%B2").status_code == 404


@pytest.mark.parametrize("query", ["page=%C2%B2", "per_page=--1", "from=9999-12-31", "to=0001-01-01", "agent_id=%E2%91%A0",
                                   "customer_id=2147483648", "q=a%00b"])
def test_api_list_filters_are_parsed_strictly(staff_api, catalog, query):
    response = staff_api.get(f"/bookings?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


@pytest.mark.parametrize("query", ["date=9999-12-31&days=14", "date=0001-01-01", "date=2030-01-08&days=%C2%B2"])
def test_availability_refuses_dates_it_cannot_step_through(anon, staff_api, catalog, query):
    response = staff_api.get(f"/availability?service_id={catalog['service']}&{query}")
    assert response.status_code == 422


def test_a_customer_cannot_reschedule_to_the_last_representable_day(customer_api, catalog):
    created = customer_api.post("/customer/bookings", launch27_body(catalog)).get_json()
    moved = customer_api.put(f"/customer/bookings/{created['id']}", {"service_date": "9999-12-31T10:00:00"})
    assert moved.status_code == 422
    assert "service_date" in str(moved.get_json()["error"]["details"]) or "start_date" in str(moved.get_json()["error"]["details"])


@pytest.mark.parametrize("body", [{"notes": "\ud800"}, {"staff_notes": "x\ud800y"}, {"notes": "a\u0000b"},
                                  {"customer.email": "jo\u0000@example.com"}])
def test_lone_surrogates_and_nul_in_updates_are_refused_by_field(staff_api, catalog, session, body):
    created = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    before = stored(session)
    response = staff_api("PATCH", f"/bookings/{created['id']}", body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == set(body)
    assert stored(session) == before


def test_a_lone_surrogate_in_a_discount_code_is_refused(customer_api, catalog):
    response = customer_api.post("/customer/bookings/price", {"services": [{"id": catalog["service"]}], "frequency_id": catalog["once"],
                                                              "discount_code": "SAVE\ud800"})
    assert response.status_code == 422
    assert "discount_code" in response.get_json()["error"]["details"]


def test_deeply_nested_json_is_invalid_json_not_a_crash(anon):
    response = anon("POST", "/login", raw=b"[" * 200_000 + b"]" * 200_000)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": 1e999}', b'{"email": "x", "password": Infinity}',
                                 b'{"a":' * 25 + b"1" + b"}" * 25])
def test_json_that_is_not_strict_json_is_invalid_json(anon, raw):
    response = anon("POST", "/login", raw=raw)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"


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


def test_nul_bytes_in_api_text_are_refused_by_field(staff_api, catalog, session):
    before = stored(session)
    body = staff_booking(catalog, notes="a\u0000b", customer={"first_name": "J\u0000", "last_name": "D", "email": "jo@example.com"})
    response = staff_api.post("/bookings", body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"notes", "customer.first_name"}
    assert stored(session) == before
    login = Api(staff_api.client, {}).post("/login", {"email": "casey\u0000@example.com", "password": "x"})
    assert login.status_code == 422


# --- item 4: a body size limit ------------------------------------------------------------------


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


# --- item 2: e-mail addresses are validated everywhere ---------------------------------------


def test_registering_with_a_header_injecting_address_is_refused(client, session):
    response = submit(client, "/register", {"email": BAD_EMAIL, "password": "long-enough", "confirm": "long-enough",
                                            "first_name": "Nl", "last_name": "X"})
    assert response.status_code == 422
    assert "valid e-mail" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("email", [BAD_EMAIL, "jo@example.com\n", "jo@@example.com", "jo@example", "jo@localhost",
                                   "a" * 65 + "@example.com", "jo@" + "a" * 250 + ".com", "jö@example.com", "Jo <jo@example.com>"])
def test_api_bookings_refuse_bad_customer_addresses(staff_api, catalog, session, email):
    before = stored(session)
    response = staff_api.post("/bookings", staff_booking(catalog, customer={"first_name": "Jo", "last_name": "D", "email": email}))
    assert response.status_code == 422
    assert "customer.email" in response.get_json()["error"]["details"]
    bulk = staff_api.post("/bookings/bulk", {"bookings": [staff_booking(catalog, customer={"first_name": "Jo", "last_name": "D", "email": email})]})
    assert bulk.status_code == 400
    assert "bookings[0].customer.email" in bulk.get_json()["data"]["failed"][0]["error"]["details"]
    assert stored(session) == before


def test_a_patched_customer_email_is_validated(staff_api, catalog):
    created = staff_api.post("/bookings", staff_booking(catalog)).get_json()["data"]
    response = staff_api("PATCH", f"/bookings/{created['id']}", {"customer.email": BAD_EMAIL})
    assert response.status_code == 422 and "customer.email" in response.get_json()["error"]["details"]


def test_addresses_are_normalised_lower_case_with_an_ascii_domain(staff_api, catalog, session):
    response = staff_api.post("/bookings", staff_booking(catalog, customer={"first_name": "Jo", "last_name": "D", "email": "Jo.Doe@Exämple.COM"}))
    assert response.status_code == 201
    assert session.scalar(select(User.email).where(User.first_name == "Jo")) == "jo.doe@xn--exmple-cua.com"


def test_admin_customer_and_staff_forms_validate_addresses(client, booked, session):
    login_as(client, "admin")
    for kind in ("customers", "staff"):
        page = client.get(f"/admin/manage/{kind}/new")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "first_name": "Nl", "last_name": "X", "email": BAD_EMAIL,
                "password": "long-enough-1", "role": "staff"}
        response = client.post(f"/admin/manage/{kind}/new", data=data)
        assert response.status_code == 422, kind
    assert session.scalar(select(func.count()).select_from(User).where(User.first_name == "Nl")) == 0


def test_the_cli_refuses_a_bad_address(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", BAD_EMAIL, "--password", "long-enough", "--role", "customer"])
    assert result.exit_code != 0
    assert "e-mail" in result.output.lower()


# --- item 7: exports, other customers' slots, offered times -----------------------------------


def test_the_bookings_csv_neutralises_formulas(client, booked, session):
    customer = session.get(User, booked.customer_id)
    customer.first_name, customer.last_name, customer.phone = "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "+1 555 0100"
    session.commit()
    login_as(client, "staff")
    rows = list(csv.reader(io.StringIO(client.get("/admin/bookings.csv").get_data(as_text=True))))
    header, row = rows[0], rows[1]
    assert row[header.index("customer")] == "'=HYPERLINK(\"http://evil.example\") @SUM(A1)"
    assert row[header.index("phone")] == "'+1 555 0100"
    assert row[header.index("total")] == f"{booked.total:.2f}"
    for cell in (c for r in rows for c in r):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_slots_free_only_the_callers_own_booking(client, session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    b.agent(session, [svc], loc)
    session.commit()
    for email in ("casey@example.com", "other@example.com"):
        accounts.create_user(session, email=email, password="correct-horse", first_name="C", last_name="D", now=NOW)
    other = accounts.find_user_by_email(session, "other@example.com")
    mine = create_booking(session, b.request(svc.id, day=DAY, at="10:00", customer_id=accounts.find_user_by_email(session, "casey@example.com").id),
                          actor=b.STAFF, now=NOW).booking
    theirs = create_booking(session, b.request(svc.id, day=DAY, at="14:00", customer_id=other.id), actor=b.STAFF, now=NOW).booking
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})

    def times(booking_id):
        html = client.get(f"/book/slots?services={svc.id}&date={DAY}&booking_id={booking_id}").get_data(as_text=True)
        return set(re.findall(r'value="(\d\d:\d\d)"', html))

    assert "10:00" in times(mine.id) and "14:00" not in times(mine.id)
    assert "14:00" not in times(theirs.id) and "10:00" not in times(theirs.id)


def test_customers_book_only_the_offered_times(client, session):
    loc = b.location(session)
    svc = b.service(session, loc, max_days_ahead=5000)
    b.agent(session, [svc], loc)
    once = b.frequency(session, "One time", None, 1, "0")
    session.commit()
    accounts.create_user(session, email="casey@example.com", password="correct-horse", first_name="C", last_name="D", now=NOW)
    submit(client, "/login", {"email": "casey@example.com", "password": "correct-horse"})
    page = client.get(f"/book?service={svc.id}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "nonce": nonce, "services": str(svc.id), "frequency_id": str(once.id), "date": DAY,
            "time": "10:07", "agent_id": "any", "address": "1 Main St", "payment_method": "cash", "action": "book"}
    response = client.post("/book", data=data)
    assert response.status_code == 422
    assert "Pick one of the offered start times." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
    response = client.post("/book", data=data | {"time": "10:30"})
    assert response.status_code == 303


def test_customers_book_only_offered_times_through_the_api_too(customer_api, staff_api, catalog):
    response = customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{DAY}T09:07:00"))
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"start_time": "Pick one of the offered start times."}
    assert staff_api.post("/bookings", staff_booking(catalog, start_time="10:07")).status_code == 201
    mine = customer_api.post("/customer/bookings", launch27_body(catalog, service_date=f"{DAY}T09:30:00")).get_json()
    moved = customer_api.put(f"/customer/bookings/{mine['id']}", {"service_date": f"{DAY}T13:07:00"})
    assert moved.status_code == 422
    assert moved.get_json()["error"]["details"] == {"start_time": "Pick one of the offered start times."}
    assert customer_api.put(f"/customer/bookings/{mine['id']}", {"service_date": f"{DAY}T13:30:00"}).status_code == 200
