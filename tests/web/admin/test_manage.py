"""Management pages driven as an office manager would: create, edit, bad input, deactivate,
hours, time off, settings, API keys and staff; every change in the audit log by name."""
from __future__ import annotations

from sqlalchemy import func, select

from app.domain.models import ApiKey, AuditEvent, DiscountCode, Service, TimeOff, User, WorkingHours
from app.domain.settings import load_settings
from tests import builders as b
from tests.web.admin.conftest import login_as
from tests.conftest import day_after
from tests.web.helpers import csrf_from
from tests.security.corpus import BAD_EMAIL

SERVICE = {"name": "Deep clean", "description": "", "pricing_mode": "fixed", "price": "120.00", "duration_minutes": "180",
           "buffer_before_minutes": "0", "buffer_after_minutes": "15", "capacity": "1", "min_notice_minutes": "60",
           "max_days_ahead": "90", "position": "3"}


def post(client, url, data):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def test_staff_create_edit_and_deactivate_a_service(client, booked, session):
    login_as(client, "staff")
    created = post(client, "/admin/manage/services/new", {**SERVICE, "locations": str(booked.location_id)})
    assert created.status_code == 303
    service = session.scalars(select(Service).where(Service.name == "Deep clean")).one()
    assert (service.price, service.duration_minutes, [loc.id for loc in service.locations]) == (120, 180, [booked.location_id])
    edited = post(client, f"/admin/manage/services/{service.id}", {**SERVICE, "price": "135.50"})
    assert edited.status_code == 303
    page = client.get(f"/admin/manage/services/{service.id}").get_data(as_text=True)
    assert "Staff &lt;staff@example.com&gt;" in page and "135.50" in page and "Created" in page
    # Deactivated: gone from the active list and from the customer's form, kept for old bookings.
    gone = post(client, f"/admin/manage/services/{service.id}/active", {"active": "0"})
    assert "is deactivated" in client.get(gone.headers["Location"]).get_data(as_text=True)
    assert "Deep clean" not in client.get("/admin/manage/services").get_data(as_text=True)
    assert "Deep clean" in client.get("/admin/manage/services?show=inactive").get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).active is False
    customer = login_as(client.application.test_client(), "customer")
    assert "Deep clean" not in customer.get("/book").get_data(as_text=True)


def test_bad_catalog_input_is_refused_next_to_the_field_and_saves_nothing(client, booked, session):
    login_as(client, "admin")
    before = session.query(Service).count()
    page = post(client, "/admin/manage/services/new", {**SERVICE, "price": "-5", "duration_minutes": "abc"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="price-error">Must be at least 0.' in html and 'id="duration_minutes-error">Must be a whole number.' in html
    assert 'value="Deep clean"' in html  # what was typed stays
    assert session.query(Service).count() == before
    b.code(session, "SPRING")
    session.commit()
    dup = post(client, "/admin/manage/discount_codes/new", {"code": "spring", "kind": "discount", "amount_type": "percent", "amount": "10"})
    assert dup.status_code == 422 and "Another code already uses this text." in dup.get_data(as_text=True)
    percent = post(client, "/admin/manage/discount_codes/new", {"code": "HALF", "kind": "discount", "amount_type": "percent", "amount": "150"})
    assert percent.status_code == 422 and "A percentage is at most 100." in percent.get_data(as_text=True)
    gift = post(client, "/admin/manage/discount_codes/new", {"code": "GIFT50", "kind": "giftcard", "amount_type": "fixed", "amount": ""})
    assert gift.status_code == 422 and "A gift card needs a balance." in gift.get_data(as_text=True)
    assert session.query(DiscountCode).count() == 1
    params = post(client, "/admin/manage/parameters/new", {"name": "Rooms", "price": "5", "minutes": "10", "min_quantity": "5", "max_quantity": "2"})
    assert params.status_code == 422 and "Must be at least the minimum." in params.get_data(as_text=True)
    junk = post(client, "/admin/manage/services/new", {**SERVICE, "locations": ["999999", "x"], "pricing_mode": "weekly"})
    assert junk.status_code == 422 and "Choose from the list." in junk.get_data(as_text=True)


def test_discount_codes_show_uses_and_balances(client, booked, session):
    login_as(client, "staff")
    b.code(session, "GIFT", kind="giftcard", amount_type="fixed", balance=30, max_uses=None)
    card = b.code(session, "TEN", max_uses=5)
    card.uses_count = 2
    session.commit()
    listing = client.get("/admin/manage/discount_codes").get_data(as_text=True)
    assert "$30.00" in listing and "<td>2</td>" in listing and "<td>5</td>" in listing
    assert "Used 2 times of 5" in client.get(f"/admin/manage/discount_codes/{card.id}").get_data(as_text=True)


def test_working_hours_editor_takes_several_intervals_and_refuses_overlaps(client, booked, session):
    login_as(client, "staff")
    agent_id = booked.agent_id
    url = f"/admin/manage/agents/{agent_id}/hours"
    days = {f"day-{d}": "" for d in range(7)}
    ok = post(client, url, {**days, "day-0": "09:00-12:00, 13:00-17:30", "day-2": "8:00-16:00"})
    assert ok.status_code == 303
    rows = session.scalars(select(WorkingHours).where(WorkingHours.agent_id == agent_id).order_by(WorkingHours.weekday, WorkingHours.start_time)).all()
    assert [(r.weekday, f"{r.start_time:%H:%M}", f"{r.end_time:%H:%M}") for r in rows] == [
        (0, "09:00", "12:00"), (0, "13:00", "17:30"), (2, "08:00", "16:00")]
    bad = post(client, url, {**days, "day-1": "09:00-13:00, 12:00-17:00", "day-3": "17:00-09:00", "day-4": "nine to five"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "09:00-13:00 and 12:00-17:00 overlap." in html and "the end must be after the start" in html and "is not a time range" in html
    session.expire_all()
    assert session.query(WorkingHours).filter_by(agent_id=agent_id).count() == 3
    # The calendar shades the new hours: the Monday before DAY has two bands for this agent.
    day = client.get(f"/admin/calendar?date={day_after(-1)}&agent_id={agent_id}").get_data(as_text=True)
    assert day.count("band band-work") == 2 and "Working hours 13:00–17:30" in day


def test_time_off_is_added_in_local_time_shown_on_the_calendar_and_removed(client, booked, session):
    login_as(client, "staff")
    url = f"/admin/manage/agents/{booked.agent_id}/time-off"
    wednesday = day_after(1)
    refused = post(client, url, {"start": f"{wednesday}T14:00", "end": f"{wednesday}T12:00"})
    assert refused.status_code == 422 and "Must be after the start." in refused.get_data(as_text=True)
    assert post(client, url, {"start": f"{wednesday}T12:00", "end": f"{wednesday}T15:00", "reason": "Dentist"}).status_code == 303
    off = session.scalars(select(TimeOff)).one()
    assert off.start_at == b.at_utc(f"{wednesday}T17:00:00")  # New York is UTC-5 in January
    day = client.get(f"/admin/calendar?date={wednesday}&agent_id={booked.agent_id}").get_data(as_text=True)
    assert "band band-off" in day and "Time off: Dentist" in day and "top: 360px; height: 180px" in day
    assert post(client, f"{url}/{off.id}/remove", {}).status_code == 303
    assert session.query(TimeOff).count() == 0


def test_settings_are_for_admins_and_change_the_slot_interval(client, booked, session):
    staff = login_as(client, "staff")
    assert post(staff, "/admin/settings", {"slot_interval_minutes": "15"}).status_code == 403
    admin = login_as(client.application.test_client(), "admin")
    values = {"business_name": "Shiny Homes", "default_timezone": "America/Chicago", "slot_interval_minutes": "15",
              "horizon_weeks": "8", "cancellation_cutoff_hours": "48", "reminder_hours": "24",
              "business_locale": "en_GB", "currency": "GBP"}
    bad = post(admin, "/admin/settings", {**values, "default_timezone": "Mars/Olympus", "horizon_weeks": "0"})
    assert bad.status_code == 422 and "Use a time zone name" in bad.get_data(as_text=True)
    assert post(admin, "/admin/settings", values).status_code == 303
    settings = load_settings(session)
    assert (settings.business_name, settings.slot_interval_minutes, settings.cancellation_cutoff_hours) == ("Shiny Homes", 15, 48)
    assert (settings.business_locale, settings.currency) == ("en_GB", "GBP")
    assert "Shiny Homes" in admin.get("/").get_data(as_text=True)
    event = session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "settings")).one()
    assert event.actor_label.startswith("Admin") and event.changes["slot_interval_minutes"] == ["30", "15"]


def test_api_keys_are_shown_once_work_and_can_be_revoked(client, booked, session):
    login_as(client, "admin")
    page = post(client, "/admin/api-keys", {"name": "Zapier", "scope": "read"})
    html = page.get_data(as_text=True)
    import re

    secret = re.search(r'id="new-key">([^<]+)<', html).group(1)
    assert client.get("/admin/api-keys").get_data(as_text=True).count(secret) == 0
    api = client.application.test_client()
    assert api.get("/api/v1/services", headers={"X-API-Key": secret}).status_code == 200
    key = session.scalars(select(ApiKey)).one()
    assert post(client, f"/admin/api-keys/{key.id}/revoke", {}).status_code == 303
    assert api.get("/api/v1/services", headers={"X-API-Key": secret}).status_code == 401
    assert post(client, "/admin/api-keys", {"name": "", "scope": "root"}).status_code == 422


def test_admins_manage_staff_and_cannot_lock_themselves_out(client, booked, session):
    login_as(client, "admin")
    made = post(client, "/admin/manage/staff/new", {"first_name": "Nia", "last_name": "Desk", "email": "nia@example.com", "role": "staff", "password": "front-desk-1"})
    assert made.status_code == 303
    nia = session.scalars(select(User).where(User.email == "nia@example.com")).one()
    assert nia.role == "staff"
    desk = client.application.test_client()
    login_page = desk.get("/login").get_data(as_text=True)
    desk.post("/login", data={"csrf_token": csrf_from(login_page), "email": "nia@example.com", "password": "front-desk-1"})
    assert desk.get("/admin/calendar").status_code == 200
    assert post(client, f"/admin/manage/staff/{nia.id}/active", {"active": "0"}).status_code == 303
    assert desk.get("/admin/calendar").status_code == 302  # her session ended with the account
    me = session.scalars(select(User).where(User.email == "admin@example.com")).one()
    follow = post(client, f"/admin/manage/staff/{me.id}/active", {"active": "0"})
    assert follow.status_code == 303 and session.get(User, me.id).active
    taken = post(client, "/admin/manage/customers/new", {"first_name": "X", "email": "NIA@example.com"})
    assert taken.status_code == 422 and "Another account already uses this e-mail address." in taken.get_data(as_text=True)


def test_an_office_has_a_phone_and_an_e_mail_customers_are_shown(client, booked, session):
    login_as(client, "admin")
    location = booked.location
    office = {"name": location.name, "address": "1 Main St", "timezone": location.timezone, "currency": ""}
    refused = post(client, f"/admin/manage/locations/{location.id}", {**office, "phone": "+1 718-555-0142", "email": "not an address"})
    assert refused.status_code == 422 and 'id="email-error"' in refused.get_data(as_text=True)
    saved = post(client, f"/admin/manage/locations/{location.id}", {**office, "phone": "+1 718-555-0142", "email": "office@example.com"})
    assert saved.status_code == 303
    session.expire_all()
    assert (session.get(type(location), location.id).phone, session.get(type(location), location.id).email) == \
        ("+1 718-555-0142", "office@example.com")
    assert "+1 718-555-0142" in client.get("/").get_data(as_text=True).split('class="site-footer"')[1]


def test_admin_customer_and_staff_forms_validate_addresses(client, booked, session):
    login_as(client, "admin")
    for kind in ("customers", "staff"):
        page = client.get(f"/admin/manage/{kind}/new")
        data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "first_name": "Nl", "last_name": "X", "email": BAD_EMAIL,
                "password": "long-enough-1", "role": "staff"}
        response = client.post(f"/admin/manage/{kind}/new", data=data)
        assert response.status_code == 422, kind
    assert session.scalar(select(func.count()).select_from(User).where(User.first_name == "Nl")) == 0
