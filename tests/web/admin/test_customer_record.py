"""The customer record (issue 22): bookings ahead and behind, visits, no-shows,
cancellations, spend per currency, the office's notes and booking again, for staff only."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from app.domain.booking import create_booking
from app.domain.inputs import CustomerInput
from app.domain.models import AuditEvent, Booking, User
from tests import builders as b
from tests.conftest import DAY, NOW
from tests.web.admin.conftest import login_as
from tests.web.helpers import csrf_from


def _book(session, service_id, day, customer_id, *, status=None):
    booking = create_booking(session, b.request(service_id, day=day, at="10:00", customer_id=customer_id),
                             actor=b.STAFF, now=NOW - timedelta(days=60)).booking
    if status is not None:
        booking.status = status  # how the visit went, as the office marked it
        session.commit()
    return booking


@pytest.fixture
def regular(session, booked):
    """Dana: two visits done, one no-show, one cancelled, one ahead; another customer's booking beside."""
    svc = booked.service
    dana = b.customer(session, email="dana@example.com", first_name="Dana", last_name="Regular", phone="+12015550123")
    session.commit()
    past = [(NOW - timedelta(days=d)).date().isoformat() for d in (40, 30, 20, 10)]
    done = [_book(session, svc.id, past[0], dana.id, status="completed"), _book(session, svc.id, past[1], dana.id, status="completed")]
    _book(session, svc.id, past[2], dana.id, status="no_show")
    _book(session, svc.id, past[3], dana.id, status="cancelled")
    ahead = _book(session, svc.id, DAY, dana.id)
    create_booking(session, b.request(svc.id, day=past[0], at="12:00",
                                      customer=CustomerInput("Other", "Person", "other@example.com", "")),
                   actor=b.STAFF, now=NOW - timedelta(days=60))
    return {"dana": dana, "done": done, "ahead": ahead}


def test_the_record_shows_bookings_counts_and_spend(client, session, regular):
    login_as(client, "staff")
    dana = regular["dana"]
    page = client.get(f"/admin/customers/{dana.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Dana Regular" in html and "dana@example.com" in html
    spent = sum((bk.total for bk in regular["done"]), Decimal("0"))
    assert f"{spent:,.2f}" in html and spent > 0  # two completed visits, nothing else counted
    visits = re.search(r'id="visits-h">Visits</h2>\s*<p class="kpi-value">(\d+)</p>', html)
    assert visits and visits.group(1) == "2"
    assert "1 no-show, 1 cancelled" in html and "5 bookings in all" in html
    upcoming, past = html.split('id="upcoming-h"')[1].split('id="past-h"')
    assert f'/admin/bookings/{regular["ahead"].id}"' in upcoming and "Book again" not in upcoming
    assert past.count(">Book again</a>") == 4 and f'again={regular["done"][0].id}' in past
    assert "Other Person" not in html


def test_staff_keep_notes_on_a_customer(client, session, regular):
    login_as(client, "staff")
    dana = regular["dana"]
    token = csrf_from(client.get(f"/admin/customers/{dana.id}").get_data(as_text=True))
    saved = client.post(f"/admin/customers/{dana.id}/notes", data={"csrf_token": token, "staff_notes": "  Gate code 4411.\r\nAllergic to lavender.  "})
    assert saved.status_code == 303
    session.expire_all()
    assert session.get(User, dana.id).staff_notes == "Gate code 4411.\nAllergic to lavender."
    assert "Allergic to lavender." in client.get(f"/admin/customers/{dana.id}").get_data(as_text=True)
    line = session.scalars(select(AuditEvent).where(AuditEvent.object_kind == "customers", AuditEvent.action == "notes")).one()
    assert line.object_id == dana.id and line.changes["staff_notes"][1].startswith("Gate code")

    too_long = client.post(f"/admin/customers/{dana.id}/notes", data={"csrf_token": token, "staff_notes": "x" * 4001})
    assert too_long.status_code == 422 and "4000 characters or fewer" in too_long.get_data(as_text=True)
    missing = client.post(f"/admin/customers/{dana.id}/notes", data={"csrf_token": token})
    assert missing.status_code == 422 and "Must be text." in missing.get_data(as_text=True)
    no_token = client.post(f"/admin/customers/{dana.id}/notes", data={"staff_notes": "changed"})
    assert no_token.status_code == 400
    session.expire_all()
    assert session.get(User, dana.id).staff_notes == "Gate code 4411.\nAllergic to lavender."  # refused: nothing changed


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("customer", 403), ("agent", 403), ("admin", 200)])
def test_only_staff_see_customer_records(client, regular, role, status):
    login_as(client, role)
    assert client.get(f"/admin/customers/{regular['dana'].id}").status_code == status


def test_staff_and_unknown_ids_are_not_customer_records(client, session, regular):
    login_as(client, "staff")
    staff = session.scalars(select(User).where(User.email == "staff@example.com")).one()
    assert client.get(f"/admin/customers/{staff.id}").status_code == 404
    assert client.get("/admin/customers/999999").status_code == 404


def test_the_record_costs_the_same_statements_however_many_bookings(app, client, session, regular):
    login_as(client, "staff")
    dana = regular["dana"]
    engine = app.extensions["engine"]

    def statements():
        counted = []
        listener = lambda *a: counted.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        assert client.get(f"/admin/customers/{dana.id}").status_code == 200
        event.remove(engine, "before_cursor_execute", listener)
        return len(counted)

    statements()
    few = statements()
    svc_id = regular["ahead"].service_id
    for days in range(2, 8):
        _book(session, svc_id, (NOW - timedelta(days=days)).date().isoformat(), dana.id, status="completed")
    assert session.scalar(select(Booking.id).where(Booking.customer_id == dana.id).limit(1)) is not None
    assert statements() == few


def test_the_panel_and_the_customer_list_lead_to_the_record(client, regular):
    login_as(client, "staff")
    dana = regular["dana"]
    panel = client.get(f"/admin/bookings/{regular['ahead'].id}").get_data(as_text=True)
    assert f'/admin/customers/{dana.id}"' in panel
    listing = client.get("/admin/manage/customers?q=dana").get_data(as_text=True)
    assert f'/admin/customers/{dana.id}"' in listing
    # The phone as people write it in the business's country, not as it is stored (+12015550123).
    assert "(201) 555-0123" in listing and "+12015550123" not in listing


def test_book_again_opens_the_staff_form_with_that_visit_for_that_customer(client, session, regular):
    login_as(client, "staff")
    done = regular["done"][0]
    page = client.get(f"/admin/bookings/new?customer_id={regular['dana'].id}&again={done.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="customer_id" value="{regular["dana"].id}"' in html or f'value="{regular["dana"].id}" checked' in html
    assert f'name="original_booking_id" value="{done.id}"' in html
    assert client.get("/admin/bookings/new?again=999999").status_code == 404
