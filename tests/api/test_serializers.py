"""What the API shows of a booking and a customer (app/api/serializers.py), whichever
side asks."""
from __future__ import annotations

from tests.api.conftest import launch27_body, staff_booking


def test_sms_notifications_is_shown_on_the_booking_and_the_customer(staff_api, customer_api, catalog):
    created = customer_api.post("/customer/bookings", launch27_body(catalog, sms_notifications=True))
    assert created.status_code == 201, created.get_json()
    mine = customer_api.get(f"/customer/bookings/{created.get_json()['id']}").get_json()["data"]
    assert mine["sms_notifications"] is True
    staff_view = staff_api.get(f"/bookings/{mine['id']}").get_json()["data"]
    assert staff_view["sms_notifications"] is True
    customer = staff_api.get(f"/customers/{staff_view['customer_id']}").get_json()["data"]
    assert isinstance(customer["sms_notifications"], bool)
    quiet = staff_api.post("/bookings", staff_booking(catalog, start_time="14:00")).get_json()["data"]
    assert quiet["sms_notifications"] is False
