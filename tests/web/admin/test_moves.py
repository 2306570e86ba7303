"""Moving bookings from the back office (the panel's form and the calendar's drag and
drop), the week and month views, and staff booking for a customer."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking, BookingEvent, User
from tests import builders as b
from tests.web.admin.conftest import DAY, login_as
from tests.web.helpers import csrf_from
from tests.conftest import BOOKING_DAY, NOW, day_after, month_day, short_date

JSON = {"Accept": "application/json"}


def move(client, booking_id, headers=None, **data):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post(f"/admin/bookings/{booking_id}/move", data={"csrf_token": token, **data}, headers=headers or {})


def reload(session, booking_id):
    session.expire_all()
    return session.get(Booking, booking_id)


def other_booking(session, booking, at="14:00", agent_id=None):
    return create_booking(session, b.request(booking.service_id, day=DAY, at=at, agent_id=agent_id or booking.agent_id,
                                             customer=CustomerInput("Dana", "Other", "dana@example.com")),
                          actor=b.STAFF, now=NOW).booking


def test_the_panel_lists_free_times_and_moves_by_form(client, booked, session):
    login_as(client, "staff")
    other_booking(session, booked, "14:00")
    panel = client.get(f"/admin/bookings/{booked.id}?date={DAY}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'value="09:00"' in panel and 'value="11:00"' in panel
    assert 'value="10:00"' not in panel  # where it is now is not a move
    assert 'value="14:00"' not in panel and 'value="13:30"' not in panel  # taken by the 14:00 booking
    page = move(client, booked.id, date=DAY, time="15:00", version="1", headers={"HX-Request": "true"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"moved to {short_date(BOOKING_DAY)}, 3:00\u202fPM EST" in html and page.headers["HX-Trigger"] == "booking-moved"
    moved = reload(session, booked.id)
    assert moved.start_at == b.at_utc(f"{DAY}T20:00:00") and moved.version == 2
    history = session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booked.id)).all()
    assert history[-1].actor_label.startswith("Staff") and "start_at" in history[-1].changes


def test_drag_and_drop_moves_to_another_agent_and_time(client, booked, session):
    login_as(client, "staff")
    bo = next(a for a in session.scalars(select(b.Agent)) if a.name == "Bo Agent")
    answer = move(client, booked.id, JSON, date=DAY, time="11:30", agent_id=str(bo.id), version="1")
    assert answer.status_code == 200 and answer.json["ok"] and answer.json["version"] == 2
    moved = reload(session, booked.id)
    assert (moved.agent_id, moved.start_at) == (bo.id, b.at_utc(f"{DAY}T16:30:00"))


def test_a_clash_a_past_time_and_a_stale_version_are_refused_and_nothing_moves(client, booked, session):
    login_as(client, "staff")
    other_booking(session, booked, "14:00")
    clash = move(client, booked.id, JSON, date=DAY, time="14:30", version="1")
    assert clash.status_code == 409 and clash.json["code"] == "slot_unavailable" and clash.json["message"].startswith("Not moved:")
    past = move(client, booked.id, JSON, date=(NOW - timedelta(days=2)).date().isoformat(), time="10:00", version="1")
    assert past.status_code == 422 and past.json["code"] == "past_date"
    outside = move(client, booked.id, JSON, date=DAY, time="20:00", version="1")
    assert outside.status_code == 409 and not outside.json["ok"]
    junk = move(client, booked.id, JSON, date="someday", time="25:99", version="1")
    assert junk.status_code == 422 and junk.json["code"] == "validation_failed"
    stale = move(client, booked.id, JSON, date=DAY, time="15:00", version="7")
    assert stale.status_code == 409 and "Someone else changed this booking first" in stale.json["message"]
    missing = move(client, booked.id, JSON, date=DAY, time="15:00")
    assert missing.status_code == 409
    assert move(client, 999999, JSON, date=DAY, time="15:00", version="1").status_code == 404
    unchanged = reload(session, booked.id)
    assert (unchanged.start_at, unchanged.version) == (b.at_utc(f"{DAY}T15:00:00"), 1)
    # Without JavaScript the panel's form redirects to the panel with the reason.
    page = move(client, booked.id, date=DAY, time="14:30", version="1")
    assert page.status_code == 303
    assert "Not moved:" in client.get(page.headers["Location"]).get_data(as_text=True)


def test_cancelled_bookings_offer_no_move_and_cannot_be_moved(client, booked, session):
    login_as(client, "staff")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post(f"/admin/bookings/{booked.id}/status", data={"csrf_token": token, "status": "cancelled", "version": "1"})
    assert 'id="move-title"' not in client.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)
    refused = move(client, booked.id, JSON, date=DAY, time="15:00", version="2")
    assert refused.status_code in (409, 422) and not refused.json["ok"]


def test_week_and_month_views(client, booked, session):
    login_as(client, "staff")
    other_booking(session, booked, "09:00")
    week = client.get(f"/admin/calendar?date={DAY}&view=week").get_data(as_text=True)
    monday, sunday = BOOKING_DAY - timedelta(days=1), BOOKING_DAY + timedelta(days=5)
    assert f"Week of {month_day(monday)}, {monday.year}" in week
    assert all(f"{d:%a}, {month_day(d)}" in week for d in (monday, BOOKING_DAY, sunday))
    # Two bookings at once by different agents: each in its agent's row on Tuesday.
    assert week.count("s-pending") == 1 and week.count("s-approved") == 1
    assert week.index("Alex Agent") < week.index("Bo Agent")  # a row per agent
    # Each block: its times, its customer's name (the e-mail when there is none), its
    # status unless approved; movable ones carry their version and start for dragging.
    assert (f'id="booking-{booked.id}" href="/admin/bookings/{booked.id}" data-v="1" data-t="10:00">'
            "<b>10:00\u202fAM–11:00\u202fAM</b> Casey Customer <i>pending</i></a>") in week
    assert "<b>9:00\u202fAM–10:00\u202fAM</b> Dana Other</a>" in week
    month = client.get(f"/admin/calendar?date={DAY}&view=month").get_data(as_text=True)
    assert f"{BOOKING_DAY:%B %Y}" in month and "2 bookings" in month and "1 pending" in month
    filtered = client.get(f"/admin/calendar?date={DAY}&view=month&status=approved").get_data(as_text=True)
    assert "1 booking<" in filtered and "1 pending" not in filtered
    service_filter = client.get(f"/admin/calendar?date={DAY}&view=week&service_id=999").get_data(as_text=True)
    assert service_filter.count("class=\"block") == 2  # an unknown service is ignored, not an error
    # A customer who gave no name is shown by their e-mail.
    nameless = b.customer(session, email="nameless@example.com", first_name="", last_name="")
    session.commit()
    create_booking(session, b.request(booked.service_id, day=DAY, at="15:00", status="pending", customer_id=nameless.id),
                   actor=b.STAFF, now=NOW)
    assert "<b>3:00\u202fPM–4:00\u202fPM</b> nameless@example.com <i>pending</i>" in client.get(
        f"/admin/calendar?date={DAY}&view=week").get_data(as_text=True)


def test_the_week_view_with_500_bookings_does_not_query_per_booking(client, booked, session, app):
    login_as(client, "staff")
    agents = list(session.scalars(select(b.Agent)))
    customers = [b.customer(session, email=f"c{i}@example.com", first_name=f"C{i}") for i in range(25)]
    session.commit()
    start = b.at_utc(f"{day_after(-1)}T05:00:00")  # Monday 00:00 in New York
    rows = []
    for i in range(500):
        day, slot = divmod(i, 100)
        day += day >= 1  # Tuesday holds the fixture's booking: skip it
        at = start + timedelta(days=day, hours=6, minutes=5 * slot)
        agent = agents[i % len(agents)]
        rows.append(Booking(
            booking_code=f"W{i:07d}", customer_id=customers[i % 25].id, service_id=booked.service_id, agent_id=agent.id,
            location_id=booked.location_id, start_at=at, end_at=at + timedelta(minutes=5), duration_minutes=5,
            status="approved", subtotal=0, total=0, slot_key=f"w{i}", occupied_start=at, occupied_end=at + timedelta(minutes=5),
        ))
    session.add_all(rows)
    session.commit()
    engine = app.extensions["engine"]
    counted: list[str] = []

    def listener(conn, cursor, statement, *args):
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    html = client.get(f"/admin/calendar?date={day_after(1)}&view=week").get_data(as_text=True)
    event.remove(engine, "before_cursor_execute", listener)
    assert html.count('class="block s-') == 501
    assert len(counted) < 20, counted
    # The team's week stays light: each booking adds well under 200 bytes of HTML
    # (~800 bookings in <= 150 KB; each one cost ~650 bytes before the per-agent rows).
    empty = client.get(f"/admin/calendar?date={day_after(43)}&view=week").get_data(as_text=True)  # six weeks on
    assert (len(html.encode()) - len(empty.encode())) / 501 < 190


def test_staff_book_for_a_new_customer_and_for_an_existing_one(client, booked, session):
    login_as(client, "staff")
    extra = b.extra(session, [booked.service], name="Balcony", price=10, minutes=15, max_quantity=2)
    question = b.field(session, [booked.service], "date", "Key handover", required=True, visibility="staff")
    session.commit()
    form = client.get("/admin/bookings/new").get_data(as_text=True)
    assert "New booking for a customer" in form and "Who is it for?" in form
    token, nonce = csrf_from(form), "n-1"
    base = {"csrf_token": token, "services": str(booked.service_id), f"extra-{booked.service_id}-{extra.id}": "1",
            "date": DAY, "time": "13:00", "agent_id": "any", "payment_method": "cash", "address": "1 Main St",
            "staff_notes": "Phoned in", "action": "book"}
    refused = client.post("/admin/bookings/new", data={**base, "nonce": nonce, "customer_first_name": "Lee"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="customer_email-error"' in html and "Key handover" in html
    lee_values = {"customer_first_name": "Lee", "customer_last_name": "Park", "customer_email": "lee@example.com", "phone": "201-555-0101"}
    # Staff may leave a required question for later, but not answer it with nonsense.
    no_answer = client.post("/admin/bookings/new", data={**base, "nonce": "n-0", **lee_values, f"field-{question.id}": "soon"})
    assert no_answer.status_code == 422 and f'id="field-{question.id}-error"' in no_answer.get_data(as_text=True)
    made = client.post("/admin/bookings/new", data={**base, "nonce": "n-2", **lee_values, f"field-{question.id}": day_after(-1)})
    assert made.status_code == 303
    lee = session.scalars(select(User).where(User.email == "lee@example.com")).one()
    booking = session.scalars(select(Booking).where(Booking.customer_id == lee.id)).one()
    assert (booking.status, booking.staff_notes) == ("approved", "Phoned in")
    assert [e.name for line in booking.lines for e in line.extras] == ["Balcony"]
    assert booking.field_values[0].value == day_after(-1) and booking.field_values[0].staff_only
    panel = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "created for Lee Park" in panel and "Booked</strong> by Staff," in panel
    # An existing customer, chosen from the list; a double submit books once.
    casey = session.scalars(select(User).where(User.email == "casey@example.com")).one()
    prefilled = client.get(f"/admin/bookings/new?customer_id={casey.id}").get_data(as_text=True)
    assert f'id="customer-{casey.id}" value="{casey.id}" checked' in prefilled
    again = {**base, "nonce": "n-3", "customer_id": str(casey.id), "time": "15:00"}
    first, second = client.post("/admin/bookings/new", data=again), client.post("/admin/bookings/new", data=again)
    assert first.headers["Location"] == second.headers["Location"]
    assert session.query(Booking).filter_by(customer_id=casey.id).count() == 2  # the fixture's and this one


def test_extreme_calendar_dates_and_absurd_amounts_get_answers_not_crashes(client, booked):
    login_as(client, "admin")
    for url in ("/admin/calendar?date=0001-01-01&view=week", "/admin/calendar?date=9999-12-31&view=month",
                "/admin/calendar?date=0001-01-01"):
        response = client.get(url)
        assert response.status_code == 200 and "Calendar" in response.get_data(as_text=True), url
    token = csrf_from(client.get("/login").get_data(as_text=True))
    refused = client.post("/admin/manage/extras/new", data={"csrf_token": token, "name": "Huge", "price": "1e400", "minutes": "0", "max_quantity": "1"})
    assert refused.status_code == 422 and 'id="price-error">Must be an amount of money.' in refused.get_data(as_text=True)


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
