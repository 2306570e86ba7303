"""Issue 24 through the API: a phone that cannot take texts is a 422 naming the field,
wherever it is written (customers, staff and customer bookings, bulk items, changes);
numbers are stored and served in E.164; `sms_notifications` is in both objects."""
from __future__ import annotations

import pytest

from tests.api.conftest import launch27_body, staff_booking

BAD = ["555-0100", "+49 30 5550 1234", "call me", "+1 800 555 0199"]


@pytest.mark.parametrize("phone", BAD)
def test_customers_with_a_number_that_cannot_take_texts_are_refused(staff_api, catalog, phone):
    refused = staff_api.post("/customers", {"first_name": "Jo", "last_name": "Doe", "email": "jo@example.com", "phone": phone})
    assert refused.status_code == 422 and set(refused.get_json()["error"]["details"]) == {"phone"}
    jo = staff_api.post("/customers", {"first_name": "Jo", "last_name": "Doe", "email": "jo@example.com", "phone": "(201) 555-0100"})
    assert jo.status_code == 201 and jo.get_json()["data"]["phone"] == "+12015550100"
    changed = staff_api("PATCH", f"/customers/{jo.get_json()['data']['id']}", {"phone": phone})
    assert changed.status_code == 422 and set(changed.get_json()["error"]["details"]) == {"phone"}


def test_bookings_refuse_a_bad_phone_at_its_path_in_single_bulk_and_changes(staff_api, customer_api, catalog):
    single = staff_api.post("/bookings", staff_booking(catalog, customer={"first_name": "Jo", "last_name": "Doe",
                                                                            "email": "jo@example.com", "phone": "555-0100"}))
    assert single.status_code == 422 and set(single.get_json()["error"]["details"]) == {"customer.phone"}
    bulk = staff_api.post("/bookings/bulk", {"bookings": [
        staff_booking(catalog, start_time="09:00"),
        staff_booking(catalog, start_time="11:00", customer={"first_name": "Al", "last_name": "Bo", "email": "al@example.com",
                                                             "phone": "+49 30 5550 1234"}),
    ]})
    assert bulk.status_code == 207
    [failed] = bulk.get_json()["data"]["failed"]
    assert set(failed["error"]["details"]) == {"bookings[1].customer.phone"}
    booking = bulk.get_json()["data"]["created"][0]["booking"]
    assert booking["sms_notifications"] is False
    dotted = staff_api.put(f"/bookings/{booking['id']}", {"customer.phone": "12345"})
    assert dotted.status_code == 422 and set(dotted.get_json()["error"]["details"]) == {"customer.phone"}
    mine = customer_api.post("/customer/bookings", launch27_body(catalog, phone="462-485-0790", sms_notifications=True))
    assert mine.status_code == 422 and set(mine.get_json()["error"]["details"]) == {"phone"}


def test_a_customer_booking_with_texts_keeps_the_number_in_e164(customer_api, staff_api, catalog):
    created = customer_api.post("/customer/bookings", launch27_body(catalog, phone="(415) 555-0190", sms_notifications=True))
    assert created.status_code == 201, created.get_json()
    booking = staff_api.get(f"/bookings/{created.get_json()['id']}").get_json()["data"]
    assert booking["sms_notifications"] is True and booking["address"]["phone"] == "+14155550190"
