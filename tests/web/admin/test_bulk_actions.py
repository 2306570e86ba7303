"""Several bookings at once from the bookings table: approve, cancel with one reason,
give to another agent. Each booking is changed and recorded on its own; one refusal
stops nothing else and is named with its booking."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.domain import accounts
from app.domain.booking import cancel_booking, create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Booking, BookingEvent
from tests import builders as b
from tests.conftest import NOW
from tests.web.helpers import csrf_from, submit

FIRST = NOW.date() + timedelta(days=10)


@pytest.fixture
def pending(session):
    """Eleven pending bookings on eleven days, with Alex; Bo does the service too."""
    loc = b.location(session)
    svc = b.service(session, loc, name="Standard clean", max_days_ahead=5000)
    b.agent(session, [svc], loc, name="Alex Agent")
    bo = b.agent(session, [svc], loc, name="Bo Agent", email="bo@example.com")
    session.commit()
    made = [create_booking(session, b.request(svc.id, day=(FIRST + timedelta(days=n)).isoformat(), at="10:00", status="pending",
                                              customer=CustomerInput("Pat", f"Number{n}", f"pat{n}@example.com")),
                           actor=b.STAFF, now=NOW).booking for n in range(11)]
    accounts.create_user(session, email="staff@example.com", password="correct-horse", role="staff", now=NOW)
    session.commit()
    return made, bo


def table(client, query="status=pending"):
    return client.get(f"/admin/bookings?{query}").get_data(as_text=True)


def apply(client, html, ids, **fields):
    data = {"csrf_token": csrf_from(html), "back": "/admin/bookings?status=pending", "ids": [str(i) for i in ids], **fields}
    return client.post("/admin/bookings/bulk", data=data)


def test_eleven_pending_bookings_are_approved_in_one_go_each_recorded(client, session, pending):
    made, _ = pending
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    html = table(client)
    ticks = re.findall(r'name="ids" value="(\d+)" form="bulk-form"', html)
    assert sorted(map(int, ticks)) == sorted(b.id for b in made)
    answer = apply(client, html, ticks, action="approve")
    assert answer.status_code == 303 and answer.headers["Location"] == "/admin/bookings?status=pending"
    session.expire_all()
    assert {b.status for b in session.scalars(select(Booking))} == {"approved"}
    events = session.scalar(select(func.count(BookingEvent.id)).where(BookingEvent.booking_id.in_([b.id for b in made]),
                                                                       BookingEvent.action == "status"))
    assert events == 11
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Approved 11 bookings" in shown and made[0].booking_code in shown


def test_one_refusal_stops_nothing_else_and_is_named(client, session, pending):
    made, bo = pending
    cancel_booking(session, made[3].id, actor=b.STAFF, now=NOW, notify=False)
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    html = table(client, "")
    answer = apply(client, html, [made[2].id, made[3].id, made[4].id], action="cancel", reason="Storm warning")
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert [session.get(Booking, b.id).status for b in made[2:5]] == ["cancelled"] * 3
    assert session.get(Booking, made[2].id).cancellation_reason == "Storm warning"
    assert "Cancelled 2 bookings" in shown and f"1 not changed: {made[3].booking_code}: It is already cancelled." in shown
    # Giving two to Bo: both move to Bo's column, the history says so.
    answer = apply(client, html, [made[5].id, made[6].id], action="reassign", agent_id=str(bo.id))
    session.expire_all()
    assert {session.get(Booking, b.id).agent_id for b in made[5:7]} == {bo.id}
    assert "Gave to another agent 2 bookings" in client.get(answer.headers["Location"]).get_data(as_text=True)
    # An agent who does not do the service: each booking refused with the reason, none moved.
    cy = b.agent(session, [], session.get(Booking, made[0].id).location, name="Cy Other", email="cy@example.com")
    session.commit()
    answer = apply(client, html, [made[8].id, made[9].id], action="reassign", agent_id=str(cy.id))
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "2 not changed: " in shown and "Gave to another agent" not in shown
    session.expire_all()
    assert cy.id not in {session.get(Booking, b.id).agent_id for b in made[8:10]}


@pytest.mark.parametrize(("fields", "message"), [
    ({"action": "approve", "ids": []}, "Tick at least one booking."),
    ({"action": "delete", "ids": ["1"]}, "Choose one of"),
    ({"action": "approve", "ids": ["²"]}, "A ticked booking is not valid"),
    ({"action": "approve", "ids": [str(n) for n in range(1, 102)]}, "At most 100 bookings at once."),
    ({"action": "reassign", "ids": ["1"], "agent_id": ""}, "Choose the agent"),
])
def test_a_bad_bulk_request_changes_nothing_and_says_why(client, session, pending, fields, message):
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    html = table(client)
    before = [(b.status, b.agent_id, b.version) for b in session.scalars(select(Booking).order_by(Booking.id))]
    answer = client.post("/admin/bookings/bulk", data={"csrf_token": csrf_from(html), **fields})
    assert answer.status_code == 303
    assert message in client.get(answer.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert [(b.status, b.agent_id, b.version) for b in session.scalars(select(Booking).order_by(Booking.id))] == before


def test_bulk_changes_need_staff_and_a_csrf_token(client, session, pending):
    made, _ = pending
    assert client.post("/admin/bookings/bulk", data={"action": "approve", "ids": [str(made[0].id)]}).status_code in (302, 303, 400, 403)
    accounts.create_user(session, email="c@example.com", password="correct-horse", now=NOW)
    session.commit()
    submit(client, "/login", {"email": "c@example.com", "password": "correct-horse"})
    token = csrf_from(client.get("/profile").get_data(as_text=True))
    assert client.post("/admin/bookings/bulk", data={"csrf_token": token, "action": "approve",
                                                     "ids": [str(made[0].id)]}).status_code in (302, 403)
    session.expire_all()
    assert session.get(Booking, made[0].id).status == "pending"


def test_a_bulk_cancel_can_be_undone_and_a_visit_whose_time_was_taken_stays_cancelled(client, session, pending):
    made, _ = pending
    submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"})
    three = made[:3]
    answer = apply(client, table(client), [b.id for b in three], action="cancel", reason="Storm")
    assert answer.status_code == 303
    ids = ",".join(str(b.id) for b in three)
    assert answer.headers["Location"] == f"/admin/bookings?status=pending&undo={ids}"
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "3 bookings cancelled just now." in shown
    offered = re.search(r'action="/admin/bookings/bulk/undo-cancel".*?</form>', shown, re.S).group(0)
    assert sorted(map(int, re.findall(r'name="ids" value="(\d+)"', offered))) == sorted(b.id for b in three)
    # Meanwhile someone takes the first one's time.
    create_booking(session, b.request(three[0].service_id, when=three[0].start_at, agent_id=three[0].agent_id,
                                      customer=CustomerInput("Other", "Person", "other@example.com")), actor=b.STAFF, now=NOW)
    session.commit()
    undone = client.post("/admin/bookings/bulk/undo-cancel", data={
        "csrf_token": csrf_from(shown), "back": "/admin/bookings?status=pending", "ids": [str(b.id) for b in three]})
    assert undone.status_code == 303 and undone.headers["Location"] == "/admin/bookings?status=pending"
    after = client.get(undone.headers["Location"]).get_data(as_text=True)
    assert f"Cancellation undone for 2 bookings: {three[1].booking_code}, {three[2].booking_code}." in after
    assert f"1 not changed: {three[0].booking_code}: " in after and "is not free: it clashes with Alex Agent" in after
    assert "cancelled just now" not in after
    session.expire_all()
    assert [session.get(Booking, b.id).status for b in three] == ["cancelled", "pending", "pending"]
    assert session.scalar(select(func.count(BookingEvent.id)).where(BookingEvent.action == "cancellation_undone")) == 2
