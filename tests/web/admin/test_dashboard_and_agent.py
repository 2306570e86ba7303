"""The dashboard staff land on, and the agent's own day, through HTTP as people use them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import Agent, Booking, User
from tests import builders as b
from tests.conftest import NOW
from tests.web.admin.conftest import login_as
from tests.web.helpers import csrf_from, submit

TODAY = "2026-11-23"  # NOW is noon in New York that Monday


@pytest.fixture
def pinned(app):
    app.config["NOW"] = NOW
    return app


def book(session, svc, agent, day, at, who, *, status="approved", made=NOW, phone="201-555-0100"):
    return create_booking(session, b.request(svc.id, day=day, at=at, agent_id=agent.id, status=status,
                                             customer=CustomerInput(who, "Customer", f"{who.lower()}@example.com", phone),
                                             address="12 Elm St", city="Brooklyn"),
                          actor=b.STAFF, now=made).booking


def statements(app, client, url) -> int:
    counted: list[str] = []
    engine = app.extensions["engine"]
    listener = lambda *args: counted.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(counted)


def test_staff_land_on_the_dashboard_and_approve_from_it(client, booked, session, pinned):
    svc = session.get(b.Service, booked.service_id)
    alex = session.scalars(select(Agent).where(Agent.name == "Alex Agent")).one()
    waiting = book(session, svc, alex, "2026-11-24", "11:00", "Dana", status="pending")
    book(session, svc, alex, TODAY, "14:00", "Eli")
    page = submit(client, "/login", {"email": "staff@example.com", "password": "correct-horse"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.request.path == "/admin/dashboard"
    assert "Dana Customer" in html and "Eli Customer" in html and "$100.00" in html
    assert "Waiting for approval" in html and "Approve" in html
    approved = client.post(f"/admin/bookings/{waiting.id}/status",
                           data={"csrf_token": csrf_from(html), "status": "approved", "version": waiting.version, "next": "dashboard"},
                           follow_redirects=True)
    assert approved.request.path == "/admin/dashboard" and f"Booking {waiting.booking_code} is now approved." in approved.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, waiting.id).status == "approved"


def test_the_dashboard_does_not_query_per_booking(client, booked, session, pinned):
    login_as(client, "staff")
    few = statements(pinned, client, "/admin/dashboard")
    svc = session.get(b.Service, booked.service_id)
    agents = list(session.scalars(select(Agent)))
    for i, day in enumerate(("2026-11-23", "2026-11-24", "2026-11-25", "2026-11-17")):
        for hour in (13, 14, 15):
            book(session, svc, agents[(i + hour) % 2], day, f"{hour}:00", f"P{i}x{hour}", status="pending" if hour == 15 else "approved",
                 made=NOW - timedelta(days=10))
    assert statements(pinned, client, "/admin/dashboard") == few
    assert few <= 16


@pytest.fixture
def agent_day(client, booked, session, pinned):
    """Alex (login agent@example.com) has a job this morning that has started, one this
    afternoon; Bo has one too."""
    svc = session.get(b.Service, booked.service_id)
    alex = session.scalars(select(Agent).where(Agent.name == "Alex Agent")).one()
    bo = session.scalars(select(Agent).where(Agent.name == "Bo Agent")).one()
    started = book(session, svc, alex, TODAY, "11:30", "Ann", made=NOW - timedelta(days=1))
    later = book(session, svc, alex, TODAY, "15:00", "Ben", phone="+1 201 555 0123")
    others = book(session, svc, bo, TODAY, "15:00", "Cat")
    return started, later, others


def test_an_agent_sees_their_own_day_and_records_the_outcome_once_started(client, session, agent_day):
    started, later, others = agent_day
    page = submit(client, "/login", {"email": "agent@example.com", "password": "correct-horse"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.request.path == "/admin/my-day"
    assert "Ann Customer" in html and "Ben Customer" in html and "Cat Customer" not in html
    assert 'href="tel:+12015550123"' in html and "google.com/maps/search/?api=1&amp;query=12+Elm+St%2C+Brooklyn" in html
    assert html.index("Next job") < html.index("Ann Customer") < html.index("Ben Customer")  # 11:30 has not ended: it is next
    assert "Office menu" not in html  # nothing else of the office
    token = csrf_from(html)
    not_yet = client.post(f"/admin/my-day/{later.id}/status", data={"csrf_token": token, "status": "completed", "version": later.version},
                          follow_redirects=True)
    assert "has not started yet" in not_yet.get_data(as_text=True)
    done = client.post(f"/admin/my-day/{started.id}/status", data={"csrf_token": token, "status": "completed", "version": started.version},
                       follow_redirects=True)
    assert "Ann Customer: completed." in done.get_data(as_text=True)
    notes = client.post(f"/admin/my-day/{later.id}/notes", data={"csrf_token": token, "staff_notes": "Key under the mat", "version": later.version},
                        follow_redirects=True)
    assert "Notes saved" in notes.get_data(as_text=True) and "Key under the mat" in notes.get_data(as_text=True)
    # Another agent's booking is not there, and the rest of the office is closed.
    assert client.post(f"/admin/my-day/{others.id}/status", data={"csrf_token": token, "status": "no_show", "version": others.version}).status_code == 404
    assert client.post(f"/admin/my-day/{others.id}/notes", data={"csrf_token": token, "staff_notes": "x", "version": others.version}).status_code == 404
    assert client.get(f"/admin/bookings/{others.id}").status_code == 403
    assert client.get("/admin/calendar").status_code == 403
    session.expire_all()
    assert session.get(Booking, started.id).status == "completed" and session.get(Booking, later.id).status == "approved"
    assert session.get(Booking, later.id).staff_notes == "Key under the mat" and session.get(Booking, others.id).status == "approved"


def test_an_admin_links_an_agent_to_a_login(client, booked, session):
    login_as(client, "admin")
    bo = session.scalars(select(Agent).where(Agent.name == "Bo Agent")).one()
    agent_user = session.scalars(select(User).where(User.email == "agent@example.com")).one()
    form = client.get(f"/admin/manage/agents/{bo.id}").get_data(as_text=True)
    assert "Logs in as" in form and "agent@example.com" in form
    data = {"csrf_token": csrf_from(form), "name": "Bo Agent", "email": "bo@example.com", "services": str(booked.service_id),
            "locations": str(booked.location_id), "user_id": str(agent_user.id)}
    assert client.post(f"/admin/manage/agents/{bo.id}", data=data).status_code == 303
    customer = session.scalars(select(User).where(User.email == "customer@example.com")).one()
    refused = client.post(f"/admin/manage/agents/{bo.id}", data={**data, "user_id": str(customer.id)})
    assert refused.status_code == 422 and "Choose an account with the role Agent." in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Agent, bo.id).user_id == agent_user.id


def test_an_agents_day_shows_answers_as_the_summary_does(client, session, booked, pinned):
    from app.domain.inputs import FieldAnswer

    svc = session.get(b.Service, booked.service_id)
    pets = b.field(session, [svc], "checkbox", "I have pets at home")
    gate = b.field(session, [svc], "multi_line", "How to get in")
    session.commit()
    alex = session.scalars(select(Agent).where(Agent.name == "Alex Agent")).one()
    create_booking(session, b.request(svc.id, day=TODAY, at="15:00", agent_id=alex.id, address="12 Elm St",
                                      customer=CustomerInput("Dee", "Customer", "dee@example.com", "201-555-0100"),
                                      custom_fields=[FieldAnswer(pets.id, value="false"), FieldAnswer(gate.id, value="Side gate\nCode 12")]),
                   actor=b.STAFF, now=NOW)
    html = submit(client, "/login", {"email": "agent@example.com", "password": "correct-horse"}, follow_redirects=True).get_data(as_text=True)
    assert "<dt>I have pets at home</dt><dd>No</dd>" in html and ">false<" not in html
    assert '<dd class="multiline">Side gate\nCode 12</dd>' in html


def test_today_reads_by_the_clock_and_the_chart_has_a_value_axis(client, booked, session, pinned):
    svc = session.get(b.Service, booked.service_id)
    alex = session.scalars(select(Agent).where(Agent.name == "Alex Agent")).one()
    bo = session.scalars(select(Agent).where(Agent.name == "Bo Agent")).one()
    earlier = NOW - timedelta(days=2)
    book(session, svc, alex, TODAY, "15:00", "Late", made=earlier)
    book(session, svc, bo, TODAY, "13:00", "Middle", made=earlier)
    book(session, svc, alex, TODAY, "12:30", "Early", made=earlier)
    login_as(client, "staff")
    html = client.get("/admin/dashboard").get_data(as_text=True)
    today = html.split('id="today-title"')[1].split("</section>")[0]
    assert today.index("Early Customer") < today.index("Middle Customer") < today.index("Late Customer")
    assert "Bo Agent" in today and "3 bookings" in today
    chart = html.split('<svg class="chart"')[1].split("</svg>")[0]
    ticks = [t.split(">")[1] for t in chart.split('class="tick"')[1:]]
    assert [t.split("<")[0] for t in ticks] == ["$0.00", "$150.00", "$300.00"]  # three $100 visits today: a round top above them
