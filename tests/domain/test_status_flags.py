"""What each booking status and each role allows, as the flags pages and templates ask
(they never compare status or role strings), and the status column giving back the enum."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.domain.booking import change_status, create_booking
from app.domain.models import Booking, BookingStatus as S, Role, User
from tests import builders as b
from tests.conftest import DAY

FLAGS = ("is_active", "holds_slot", "awaits_approval", "awaits_payment", "is_confirmed",
         "can_charge_balance", "can_charge_no_show_fee", "cancel_tells_customer")

# status: the flags above that are true for it.
EXPECTED: dict[S, set[str]] = {
    S.PENDING: {"is_active", "holds_slot", "awaits_approval", "can_charge_balance", "cancel_tells_customer"},
    S.APPROVED: {"is_active", "holds_slot", "is_confirmed", "can_charge_balance", "cancel_tells_customer"},
    S.PAYMENT_PENDING: {"holds_slot", "awaits_payment", "cancel_tells_customer"},
    S.COMPLETED: {"can_charge_balance"},
    S.NO_SHOW: {"can_charge_no_show_fee", "cancel_tells_customer"},
    S.CANCELLED: {"cancel_tells_customer"},
}


def test_the_table_names_every_status():
    assert set(EXPECTED) == set(S)


@pytest.mark.parametrize("status", list(S), ids=str)
def test_each_status_has_exactly_its_flags(status):
    assert {flag for flag in FLAGS if getattr(status, flag)} == EXPECTED[status]


ROLE_FLAGS = ("is_staff", "is_admin", "is_customer", "is_agent", "can_refund")
ROLES: dict[Role, set[str]] = {
    Role.CUSTOMER: {"is_customer"},
    Role.STAFF: {"is_staff"},
    Role.ADMIN: {"is_staff", "is_admin", "can_refund"},
    Role.AGENT: {"is_agent"},
}


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_has_exactly_its_flags(role):
    user = User(email="someone@example.com", role=role.value)
    assert {flag for flag in ROLE_FLAGS if getattr(user, flag)} == ROLES[role]


def test_a_booking_reads_back_its_status_as_the_enum_stored_as_its_api_string(session, now):
    _, svc, _ = b.basic_setup(session, max_days_ahead=5000)
    booking = create_booking(session, b.request(svc.id, day=DAY, at="10:00"), actor=b.STAFF, now=now).booking
    change_status(session, booking.id, "no_show", actor=b.STAFF, now=now)
    session.expire_all()

    assert type(session.get(Booking, booking.id).status) is S
    assert session.get(Booking, booking.id).status.can_charge_no_show_fee
    assert session.scalar(text("SELECT status FROM bookings WHERE id = :id"), {"id": booking.id}) == "no_show"


def test_a_status_string_set_in_python_becomes_the_enum_and_an_unknown_one_is_refused(session, now):
    _, svc, _ = b.basic_setup(session, max_days_ahead=5000)
    booking = create_booking(session, b.request(svc.id, day=DAY, at="10:00"), actor=b.STAFF, now=now).booking
    assert booking.status is S.APPROVED  # staff's bookings start approved

    booking.status = "no_show"
    assert booking.status is S.NO_SHOW and booking.status.can_charge_no_show_fee
    with pytest.raises(ValueError):
        booking.status = "maybe"
    session.rollback()
    assert session.scalar(text("SELECT status FROM bookings WHERE id = :id"), {"id": booking.id}) == "approved"
