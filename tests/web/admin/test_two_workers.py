"""A job for two workers (an hourly service booked with 2 workers) is booked with one
agent: the calendar's block and the booking's panel say "2 workers", in every view, so
the office sends two people (issue 22)."""
from __future__ import annotations

from decimal import Decimal

from app.domain.booking import create_booking
from app.domain.inputs import HourlyInput, ServiceLineInput
from tests import builders as b
from tests.conftest import DAY, NOW
from tests.web.admin.conftest import login_as


def test_a_two_worker_job_says_so_on_its_block_and_in_its_panel(client, booked, session):
    loc, alex = booked.location, booked.agent
    moving = b.service(session, loc, name="Moving help", price=Decimal("45.00"), pricing_mode="hourly", max_days_ahead=5000)
    alex.services.append(moving)
    session.commit()
    job = create_booking(session, b.request(moving.id, day=DAY, at="13:00", agent_id=alex.id,
                                            services=[ServiceLineInput(moving.id, hourly=HourlyInput(2, 180))]),
                         actor=b.STAFF, now=NOW).booking
    login_as(client, "staff")
    for view in ("day", "week"):
        html = client.get(f"/admin/calendar?date={DAY}&view={view}").get_data(as_text=True)
        block = html[html.index(f'id="booking-{job.id}"'):]
        block = block[:block.index("</a>")]
        assert '<span class="workers">2 workers</span>' in block, view
        single = html[html.index(f'id="booking-{booked.id}"'):]
        assert "workers" not in single[:single.index("</a>")]
    panel = client.get(f"/admin/bookings/{job.id}").get_data(as_text=True)
    assert "2 workers" in panel and "send 1 more" in panel
    assert 'class="workers' not in client.get(f"/admin/bookings/{booked.id}").get_data(as_text=True)  # a one-person job
