"""Creating, moving, cancelling and changing the status of bookings."""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.domain.actor import Actor
from app.domain.booking import (
    BookingChanges,
    book_again_request,
    cancel_booking,
    change_status,
    create_booking,
    reschedule_booking,
    update_booking,
)
from app.domain.errors import (
    BookingNotFound,
    DiscountCodeExhausted,
    DomainError,
    EmailTaken,
    InvalidStatusTransition,
    PastDate,
    PreconditionFailed,
    SlotUnavailable,
    TooLate,
    ValidationFailed,
)
from app.domain.inputs import CustomerInput, ExtraInput, FieldAnswer, OptionAnswer, ServiceLineInput
from app.domain.models import Booking, BookingEvent, DiscountCode, DiscountRedemption, OutboxMessage, User
from app.domain.status import allowed_transitions
from tests import builders as b

DAY = "2026-11-24"


@pytest.fixture
def setup(session):
    loc, svc, agent = b.basic_setup(session)
    return loc, svc, agent


def make(session, svc, now, at="10:00", day=DAY, actor=b.STAFF, **kw):
    return create_booking(session, b.request(svc.id, day=day, at=at, **kw), actor=actor, now=now).booking


# --- create ------------------------------------------------------------------------------


def test_staff_booking_is_approved_and_stores_utc_times_code_history_and_outbox(session, now, setup):
    loc, svc, agent = setup
    booking = make(session, svc, now)
    assert booking.status == "approved"
    assert booking.start_at == b.at_utc("2026-11-24T15:00:00") and booking.end_at == b.at_utc("2026-11-24T16:00:00")
    assert len(booking.booking_code) == 8 and booking.booking_code.isalnum()
    assert booking.version == 1
    event = session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)).one()
    assert event.action == "created" and event.actor_label == "Test Staff"
    assert event.changes["status"] == [None, "approved"]
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.booking_id == booking.id)).all()
    assert {m.recipient for m in mails} == {"casey@example.com", "alex@example.com"}


def test_a_customer_booking_starts_pending_and_is_always_their_own(session, now, setup):
    _, svc, _ = setup
    me = b.customer(session)
    other = b.customer(session, "other@example.com")
    session.commit()
    booking = make(session, svc, now, actor=b.customer_actor(me), customer=None)
    assert booking.status == "pending" and booking.customer_id == me.id
    assert booking.address == "12 Elm St"  # pre-filled from the profile
    with pytest.raises(ValidationFailed) as info:
        make(session, svc, now, at="12:00", actor=b.customer_actor(me), customer=None, customer_id=other.id)
    assert "customer_id" in info.value.details


def test_a_new_customer_is_created_once_and_reused_by_email_in_any_case(session, now, setup):
    _, svc, _ = setup
    first = make(session, svc, now, customer=CustomerInput("Jo", "Doe", "Jo.Doe@Example.com"))
    second = make(session, svc, now, at="12:00", customer=CustomerInput("Jo", "Doe", "jo.doe@example.COM"))
    assert first.customer_id == second.customer_id
    assert session.scalar(select(func.count()).select_from(User)) == 1
    assert session.get(User, first.customer_id).email == "jo.doe@example.com"


def test_booking_in_the_past_is_refused(session, now, setup):
    _, svc, _ = setup
    before = b.table_counts(session)
    with pytest.raises(PastDate):
        make(session, svc, now, day="2026-11-23", at="09:00")
    assert b.table_counts(session) == before


def test_a_taken_slot_is_refused_and_nothing_is_written(session, now, setup):
    _, svc, _ = setup
    make(session, svc, now)
    before = b.table_counts(session)
    with pytest.raises(SlotUnavailable):
        make(session, svc, now, at="10:30", customer=CustomerInput("New", "Person", "new@example.com"))
    assert b.table_counts(session) == before


def test_card_payments_are_refused_until_configured(session, now, setup):
    _, svc, _ = setup
    with pytest.raises(ValidationFailed) as info:
        make(session, svc, now, payment_method="stripe")
    assert "payment_method" in info.value.details


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"agent_id": 999}, "agent_id"),
        ({"agent_id": "alex"}, "agent_id"),
        ({"location_id": 999}, None),
        ({"customer_id": 999, "customer": None}, "customer_id"),
        ({"customer": CustomerInput("", "", "not-an-email")}, "customer.email"),
        ({"customer": None}, "customer"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"start_time": "25:00"}, "start_time"),
        ({"start_time": 10}, "start_time"),
        ({"status": "completed"}, "status"),
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"arrival_window": 2000}, "arrival_window"),
        ({"tip": -5}, "tip"),
        ({"frequency_id": 999}, "frequency_id"),
        ({"duration": 0}, "duration"),
        ({"services": [ServiceLineInput(1, extras=[ExtraInput(1, 1)])]}, "services[0].extras[0].id"),
        ({"custom_fields": [FieldAnswer(999, value="x")]}, "custom_fields[0].id"),
        ({"original_booking_id": 999}, "original_booking_id"),
    ],
)
def test_bad_input_is_a_domain_error_with_a_stable_code_and_changes_nothing(session, now, setup, changes, path):
    _, svc, _ = setup
    kw = {"day": changes.pop("start_date", DAY), "at": changes.pop("start_time", "10:00")} | changes
    before = b.table_counts(session)
    with pytest.raises(DomainError) as info:
        create_booking(session, b.request(svc.id, **kw), actor=b.STAFF, now=now)
    assert info.value.code in ("validation_failed", "not_found")
    if path:
        assert path in info.value.details
    assert b.table_counts(session) == before


# --- custom fields ----------------------------------------------------------------------


def test_one_refusal_names_the_values_that_did_not_parse_with_what_the_database_refuses(session, now, setup):
    _, svc, _ = setup
    before = b.table_counts(session)
    with pytest.raises(ValidationFailed) as info:
        make(session, svc, now, at="25:00", frequency_id=999, tip="a lot")
    assert info.value.details == {"start_time": "Expected a time as HH:MM (24-hour).", "tip": "Must be an amount of money.",
                                  "frequency_id": "There is no frequency with id 999."}
    assert b.table_counts(session) == before


@pytest.fixture
def fields(session, setup):
    _, svc, _ = setup
    return {
        "line": b.field(session, [svc], "single_line", "Door code", required=True),
        "multi": b.field(session, [svc], "multi_line", "Notes"),
        "date": b.field(session, [svc], "date", "Move-out date"),
        "datetime": b.field(session, [svc], "datetime", "Call me at"),
        "checkbox": b.field(session, [svc], "checkbox", "Pets"),
        "radio": b.field(session, [svc], "radio", "Parking", [("Street", False), ("Other", True)]),
        "dropdown": b.field(session, [svc], "dropdown", "Products", [("Standard", False), ("Eco", False)]),
        "checkboxes": b.field(session, [svc], "checkboxes", "Skip rooms", [("Office", False), ("Other", True)]),
        "staff": b.field(session, [svc], "single_line", "Key box", visibility="staff"),
    }


def test_every_custom_field_type_is_stored_with_its_answer(session, now, setup, fields):
    _, svc, _ = setup
    session.commit()
    f = fields
    answers = [
        FieldAnswer(f["line"].id, value="4417"),
        FieldAnswer(f["multi"].id, value="Two cats\nOne dog"),
        FieldAnswer(f["date"].id, value="2026-12-31"),
        FieldAnswer(f["datetime"].id, value="2026-11-24T08:30:00"),
        FieldAnswer(f["checkbox"].id, value="true"),
        FieldAnswer(f["radio"].id, values=[OptionAnswer(f["radio"].options[1].id, "Garage behind the house")]),
        FieldAnswer(f["dropdown"].id, values=[OptionAnswer(f["dropdown"].options[1].id)]),
        FieldAnswer(f["checkboxes"].id, values=[OptionAnswer(f["checkboxes"].options[0].id), OptionAnswer(f["checkboxes"].options[1].id, "Attic")]),
        FieldAnswer(f["staff"].id, value="Box 12"),
    ]
    booking = make(session, svc, now, custom_fields=answers)
    stored = {v.label: (v.value, v.options, v.staff_only) for v in booking.field_values}
    assert stored["Door code"] == ("4417", None, False)
    assert stored["Notes"][0] == "Two cats\nOne dog"
    assert stored["Pets"][0] == "true"
    assert stored["Parking"][1] == [{"id": f["radio"].options[1].id, "label": "Other", "other": "Garage behind the house"}]
    assert [o["label"] for o in stored["Skip rooms"][1]] == ["Office", "Other"]
    assert stored["Key box"] == ("Box 12", None, True)


@pytest.mark.parametrize(
    ("name", "answer", "path_end"),
    [
        ("date", {"value": "31/12/2026"}, ".value"),
        ("datetime", {"value": "2026-11-24 08:30"}, ".value"),
        ("checkbox", {"value": "yes"}, ".value"),
        ("line", {"value": "two\nlines"}, ".value"),
        ("line", {"value": 42}, ".value"),
        ("line", {"values": [{"id": 1}]}, ""),
        ("radio", {"value": "Street"}, ""),
        ("radio", {"values": "Street"}, ".values"),
        ("radio", {"values": [{"id": 1}, {"id": 2}]}, ".values"),
        ("radio", {"values": [{"id": 99999}]}, ".values[0].id"),
        ("dropdown", {"values": [{"id": "first", "other": None}]}, ".values[0].id"),
        ("checkboxes", {"values": [{"id": "OPT0", "other": "text where none is allowed"}]}, ".values[0].other"),
    ],
)
def test_a_custom_field_answer_of_the_wrong_shape_is_refused(session, now, setup, fields, name, answer, path_end):
    _, svc, _ = setup
    session.commit()
    field = fields[name]
    values = answer.get("values")
    if isinstance(values, list):
        values = [OptionAnswer(field.options[0].id if v["id"] == "OPT0" else v["id"], v.get("other")) for v in values]
    answers = [FieldAnswer(fields["line"].id, value="4417")] if name != "line" else []
    answers.append(FieldAnswer(field.id, value=answer.get("value"), values=values))
    index = len(answers) - 1
    before = b.table_counts(session)
    with pytest.raises(ValidationFailed) as info:
        make(session, svc, now, custom_fields=answers, actor=b.customer_actor(b.customer(session)), customer=None)
    assert f"custom_fields[{index}]{path_end}" in info.value.details, info.value.details
    assert b.table_counts(session) == before


def test_customers_must_answer_required_fields_and_cannot_answer_staff_only_ones(session, now, setup, fields):
    _, svc, _ = setup
    me = b.customer(session)
    session.commit()
    with pytest.raises(ValidationFailed) as info:
        make(session, svc, now, actor=b.customer_actor(me), customer=None)
    assert f"custom_fields.{fields['line'].id}" in info.value.details
    with pytest.raises(ValidationFailed) as info:
        make(session, svc, now, actor=b.customer_actor(me), customer=None,
             custom_fields=[FieldAnswer(fields["line"].id, value="1"), FieldAnswer(fields["staff"].id, value="x")])
    assert "custom_fields[1].id" in info.value.details


# --- status --------------------------------------------------------------------------------


def test_status_follows_the_transition_table(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now, status="pending")
    with pytest.raises(InvalidStatusTransition):
        change_status(session, booking.id, "completed", actor=b.STAFF, now=now)
    for status in ("approved", "no_show", "approved", "completed"):
        booking = change_status(session, booking.id, status, actor=b.STAFF, now=now)
        assert booking.status == status
    with pytest.raises(InvalidStatusTransition, match="Only an admin"):
        change_status(session, booking.id, "cancelled", actor=b.STAFF, now=now)
    assert change_status(session, booking.id, "cancelled", actor=b.ADMIN, now=now).status == "cancelled"
    actions = session.scalars(select(BookingEvent.changes).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id)).all()
    assert [c["status"] for c in actions[1:]] == [
        ["pending", "approved"], ["approved", "no_show"], ["no_show", "approved"], ["approved", "completed"], ["completed", "cancelled"],
    ]


def test_allowed_transitions_depend_on_role(session):
    customer = Actor("user", 5, "c", "customer")
    assert allowed_transitions("completed", b.STAFF) == []
    assert allowed_transitions("completed", b.ADMIN) == ["approved", "cancelled"]  # an admin may reopen a completed visit
    assert allowed_transitions("approved", b.STAFF) == ["cancelled", "completed", "no_show"]
    assert allowed_transitions("approved", customer) == ["cancelled"]


def test_writing_the_current_status_is_a_no_op(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now)
    again = change_status(session, booking.id, "approved", actor=b.STAFF, now=now)
    assert again.version == 1
    assert session.scalar(select(func.count()).select_from(BookingEvent)) == 1


def test_a_cancelled_booking_comes_back_only_if_its_slot_is_still_free(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now)
    change_status(session, booking.id, "cancelled", actor=b.STAFF, now=now)
    taker = make(session, svc, now, customer=CustomerInput("Sam", "Taker", "sam@example.com"))
    with pytest.raises(SlotUnavailable):
        change_status(session, booking.id, "approved", actor=b.STAFF, now=now)
    change_status(session, taker.id, "cancelled", actor=b.STAFF, now=now)
    assert change_status(session, booking.id, "pending", actor=b.STAFF, now=now).status == "pending"


def test_an_old_version_is_refused(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now)
    change_status(session, booking.id, "completed", actor=b.STAFF, now=now, expected_version=1)
    with pytest.raises(PreconditionFailed):
        change_status(session, booking.id, "cancelled", actor=b.ADMIN, now=now, expected_version=1)
    assert session.get(Booking, booking.id).status == "completed"


def test_unknown_booking_id_is_booking_not_found_with_its_message(session, now, setup):
    with pytest.raises(BookingNotFound, match="^Booking with ID 123 was not found$"):
        change_status(session, 123, "approved", actor=b.STAFF, now=now)
    with pytest.raises(BookingNotFound):
        change_status(session, "abc", "approved", actor=b.STAFF, now=now)


# --- reschedule -----------------------------------------------------------------------------


def test_reschedule_moves_the_booking_ignoring_its_own_slot(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now, at="10:00")
    moved = reschedule_booking(session, booking.id, start_time="10:30", actor=b.STAFF, now=now)
    assert moved.start_at == b.at_utc("2026-11-24T15:30:00")
    assert moved.version == 2
    event = session.scalars(select(BookingEvent).where(BookingEvent.action == "moved")).one()
    assert event.changes["start_at"] == ["2026-11-24T15:00:00+00:00", "2026-11-24T15:30:00+00:00"]
    assert session.scalars(select(OutboxMessage.topic).where(OutboxMessage.topic == "booking.rescheduled")).first()


def test_reschedule_refuses_a_clash_and_leaves_the_booking_where_it_was(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now, at="10:00")
    make(session, svc, now, at="14:00", customer=CustomerInput("Sam", "Other", "sam@example.com"))
    with pytest.raises(SlotUnavailable):
        reschedule_booking(session, booking.id, start_time="13:30", actor=b.STAFF, now=now)
    session.expire_all()
    assert session.get(Booking, booking.id).start_at == b.at_utc("2026-11-24T15:00:00")
    assert session.get(Booking, booking.id).version == 1


def test_reschedule_into_the_past_is_refused(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now)
    with pytest.raises(PastDate):
        reschedule_booking(session, booking.id, start_date="2026-11-20", actor=b.STAFF, now=now)


def test_reschedule_to_another_agent_checks_that_agent(session, now, setup):
    loc, svc, agent = setup
    other = b.agent(session, [svc], loc, name="Other", hours={1: [("12:00", "14:00")]})
    session.commit()
    booking = make(session, svc, now, at="10:00")
    with pytest.raises(SlotUnavailable):
        reschedule_booking(session, booking.id, agent_id=other.id, actor=b.STAFF, now=now)
    moved = reschedule_booking(session, booking.id, agent_id=other.id, start_time="12:00", actor=b.STAFF, now=now)
    assert moved.agent_id == other.id


def test_update_changes_duration_customer_price_and_notes_with_history(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now, at="10:00")
    changed = update_booking(
        session, booking.id,
        BookingChanges(start_time="15:30", duration=90, notes="Tiempo extendido", customer={"first_name": "Cassie"}, price="80.00"),
        actor=b.STAFF, now=now,
    )
    assert changed.duration_minutes == 90 and changed.total == Decimal("80.00") and changed.price_overridden
    assert changed.customer.first_name == "Cassie"
    event = session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id.desc())).first()
    assert set(event.changes) >= {"start_at", "duration_minutes", "customer_notes", "customer.first_name", "total"}
    # 15:30 + 90 minutes runs past 17:00: refused.
    with pytest.raises(SlotUnavailable):
        update_booking(session, booking.id, BookingChanges(duration=120), actor=b.STAFF, now=now)


def test_a_customer_email_that_belongs_to_someone_else_is_refused(session, now, setup):
    _, svc, _ = setup
    b.customer(session, "taken@example.com")
    session.commit()
    booking = make(session, svc, now)
    with pytest.raises(EmailTaken):
        update_booking(session, booking.id, BookingChanges(customer={"email": "TAKEN@example.com"}), actor=b.STAFF, now=now)
    session.expire_all()
    assert session.get(Booking, booking.id).customer.email == "casey@example.com"


# --- customers' own changes ---------------------------------------------------------------------


def test_customers_change_only_their_own_bookings_and_only_before_the_cutoff(session, now, setup):
    _, svc, _ = setup
    me, stranger = b.customer(session), b.customer(session, "stranger@example.com")
    session.commit()
    mine = make(session, svc, now, actor=b.customer_actor(me), customer=None)  # tomorrow 10:00, 22h away
    with pytest.raises(BookingNotFound):
        cancel_booking(session, mine.id, actor=b.customer_actor(stranger), now=now)
    with pytest.raises(TooLate, match="24 hours"):
        cancel_booking(session, mine.id, actor=b.customer_actor(me), now=now)
    earlier = now - timedelta(days=2)
    assert cancel_booking(session, mine.id, actor=b.customer_actor(me), now=earlier)[0].status == "cancelled"


def test_customers_cannot_approve_or_reassign(session, now, setup):
    _, svc, agent = setup
    me = b.customer(session)
    session.commit()
    mine = make(session, svc, now, day="2026-11-27", actor=b.customer_actor(me), customer=None)
    with pytest.raises(ValidationFailed):
        change_status(session, mine.id, "approved", actor=b.customer_actor(me), now=now)
    with pytest.raises(ValidationFailed):
        update_booking(session, mine.id, BookingChanges(agent_id=agent.id), actor=b.customer_actor(me), now=now)
    moved = reschedule_booking(session, mine.id, start_time="11:00", actor=b.customer_actor(me), now=now)
    assert moved.start_at == b.at_utc("2026-11-27T16:00:00")


# --- discount codes ------------------------------------------------------------------------------


def test_a_code_is_redeemed_with_the_booking_and_given_back_on_cancel(session, now, setup):
    _, svc, _ = setup
    code = b.code(session, "ONCE", max_uses=1)
    session.commit()
    booking = make(session, svc, now, discount_code="once")
    session.refresh(code)
    assert code.uses_count == 1 and booking.discount == Decimal("10.00")
    with pytest.raises(DiscountCodeExhausted):
        make(session, svc, now, at="13:00", discount_code="ONCE", customer=CustomerInput("S", "T", "s@example.com"))
    cancel_booking(session, booking.id, actor=b.STAFF, now=now)
    session.refresh(code)
    assert code.uses_count == 0
    assert session.scalars(select(DiscountRedemption)).one().released_at == now
    make(session, svc, now, at="13:00", discount_code="ONCE", customer=CustomerInput("S", "T", "s@example.com"))


def test_a_gift_card_balance_is_spent_and_refunded(session, now, setup):
    _, svc, _ = setup
    card = b.code(session, "CARD", kind="giftcard", amount_type="fixed", amount=Decimal("0"), balance=Decimal("130.00"))
    session.commit()
    first = make(session, svc, now, discount_code="CARD")
    assert first.gift_card == Decimal("100.00") and first.total == Decimal("0.00")
    second = make(session, svc, now, at="13:00", discount_code="CARD", customer=CustomerInput("S", "T", "s@example.com"))
    assert second.gift_card == Decimal("30.00") and second.total == Decimal("70.00")
    session.refresh(card)
    assert card.balance == Decimal("0.00")
    with pytest.raises(DiscountCodeExhausted):
        make(session, svc, now, at="15:00", discount_code="CARD", customer=CustomerInput("S", "T", "s@example.com"))
    cancel_booking(session, first.id, actor=b.STAFF, now=now)
    session.refresh(card)
    assert card.balance == Decimal("100.00")


def test_per_customer_limit(session, now, setup):
    _, svc, _ = setup
    b.code(session, "FIRST", per_customer_limit=1)
    session.commit()
    make(session, svc, now, discount_code="FIRST")
    with pytest.raises(DiscountCodeExhausted, match="already used"):
        make(session, svc, now, at="13:00", discount_code="FIRST")
    make(session, svc, now, at="13:00", discount_code="FIRST", customer=CustomerInput("S", "T", "s@example.com"))


def test_bringing_back_a_cancelled_booking_redeems_its_code_again(session, now, setup):
    _, svc, _ = setup
    code = b.code(session, "ONCE", max_uses=1)
    session.commit()
    booking = make(session, svc, now, discount_code="ONCE")
    cancel_booking(session, booking.id, actor=b.STAFF, now=now)
    make(session, svc, now, at="13:00", discount_code="ONCE", customer=CustomerInput("S", "T", "s@example.com"))
    with pytest.raises(DiscountCodeExhausted):
        change_status(session, booking.id, "approved", actor=b.STAFF, now=now)
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"
    assert session.get(DiscountCode, code.id).uses_count == 1


# --- recurring ----------------------------------------------------------------------------------


def test_a_weekly_booking_creates_its_series_up_to_the_horizon(session, now, setup):
    _, svc, _ = setup
    fridge = b.extra(session, [svc], recurring=False)
    weekly = b.frequency(session, percent="10")
    session.commit()
    line = ServiceLineInput(svc.id, extras=[ExtraInput(fridge.id, 1)])
    result = create_booking(
        session, b.request(svc.id, day=DAY, at="10:00", services=[line], frequency_id=weekly.id, tip="10"), actor=b.STAFF, now=now
    )
    assert len(result.bookings) == 13  # the first and 12 weeks after it
    first, second = result.bookings[0], result.bookings[1]
    assert first.series_id == second.series_id and second.occurrence_index == 1
    # First: (100 + 25 fridge) - 10% + tip 10 = 122.50; later: 100 - 10% = 90.00, no fridge, no tip.
    assert first.total == Decimal("122.50")
    assert second.total == Decimal("90.00") and second.lines[0].extras == [] and second.tip == Decimal("0.00")
    assert second.duration_minutes == 60 and first.duration_minutes == 90
    assert second.start_at - first.start_at == timedelta(days=7)


def test_occurrences_that_cannot_be_placed_are_reported(session, now, setup):
    _, svc, agent = setup
    weekly = b.frequency(session)
    b.time_off(session, agent, b.at_utc("2026-12-08T00:00:00"), b.at_utc("2026-12-09T00:00:00"))
    session.commit()
    result = create_booking(session, b.request(svc.id, day=DAY, at="10:00", frequency_id=weekly.id), actor=b.STAFF, now=now)
    assert [str(s.date) for s in result.skipped] == ["2026-12-08"]
    # Staff are told what stands in the way (issue 22): here the agent's time off.
    assert result.skipped[0].time == "10:00" and "during Alex Agent's time off" in result.skipped[0].reason
    assert len(result.occurrences) == 11


def test_a_series_can_be_cancelled_from_one_occurrence_on(session, now, setup):
    _, svc, _ = setup
    weekly = b.frequency(session)
    session.commit()
    result = create_booking(session, b.request(svc.id, day=DAY, at="10:00", frequency_id=weekly.id), actor=b.STAFF, now=now)
    third = result.bookings[2]
    cancel_booking(session, result.bookings[1].id, actor=b.STAFF, now=now)  # just that one
    cancelled = cancel_booking(session, third.id, actor=b.STAFF, now=now, scope="this_and_future")
    assert len(cancelled) == 11
    statuses = [b_.status for b_ in session.scalars(select(Booking).order_by(Booking.start_at))]
    assert statuses == ["approved", "cancelled"] + ["cancelled"] * 11


# --- book this again ------------------------------------------------------------------------------


def test_book_this_again_prefills_the_request_and_copies_staff_only_attributes(session, now, setup, fields):
    loc, svc, agent = setup
    me = b.customer(session)
    session.commit()
    original = make(
        session, svc, now, customer=None, customer_id=me.id, agent_id=agent.id, staff_notes="Dog is friendly",
        custom_fields=[FieldAnswer(fields["line"].id, value="4417"), FieldAnswer(fields["staff"].id, value="Box 12")],
    )
    actor = b.customer_actor(me)
    request = book_again_request(session, original.id, actor=actor)
    assert request.original_booking_id == original.id
    assert [a.id for a in request.custom_fields] == [fields["line"].id]  # staff-only answers are not shown to the customer
    # A request is built once, from values as sent: the date picked, "any" agent.
    request = dataclasses.replace(request, start_date="2026-11-26", start_time="11:00", agent_id="any")
    again = create_booking(session, request, actor=actor, now=now).booking
    assert again.original_booking_id == original.id
    assert again.staff_notes == "Dog is friendly"
    assert again.requested_agent_id == agent.id
    assert {v.label: v.value for v in again.field_values} == {"Door code": "4417", "Key box": "Box 12"}


def test_book_this_again_only_from_the_customers_own_booking(session, now, setup, fields):
    _, svc, _ = setup
    me, stranger = b.customer(session), b.customer(session, "stranger@example.com")
    session.commit()
    original = make(session, svc, now, customer=None, customer_id=me.id, custom_fields=[FieldAnswer(fields["line"].id, value="1")])
    with pytest.raises(BookingNotFound):
        book_again_request(session, original.id, actor=b.customer_actor(stranger))
    request = b.request(svc.id, day="2026-11-26", at="11:00", customer=None, original_booking_id=original.id,
                        custom_fields=[FieldAnswer(fields["line"].id, value="1")])
    with pytest.raises(ValidationFailed) as unknown:
        create_booking(session, b.request(svc.id, day="2026-11-26", at="11:00", customer=None, original_booking_id=99999,
                                          custom_fields=[FieldAnswer(fields["line"].id, value="1")]), actor=b.customer_actor(stranger), now=now)
    with pytest.raises(ValidationFailed) as someone_elses:
        create_booking(session, request, actor=b.customer_actor(stranger), now=now)
    # The same answer whether the booking exists or not: nothing is revealed.
    assert someone_elses.value.details == unknown.value.details == {"original_booking_id": "This is not one of your bookings."}


@pytest.mark.parametrize(
    ("changes", "code", "path"),
    [
        (BookingChanges(start_date="tomorrow"), "validation_failed", "start_date"),
        (BookingChanges(start_time="9am"), "validation_failed", "start_time"),
        (BookingChanges(start_at="2026-11-24T10:00:00"), "validation_failed", "start_at"),
        (BookingChanges(duration="long"), "validation_failed", "duration"),
        (BookingChanges(duration=-30), "validation_failed", "duration"),
        (BookingChanges(status="done"), "invalid_status_transition", "status"),
        (BookingChanges(service_id=999), "validation_failed", "service_id"),
        (BookingChanges(agent_id="somebody"), "validation_failed", "agent_id"),
        (BookingChanges(location_id=[1]), "validation_failed", "location_id"),
        (BookingChanges(customer_id=999), "validation_failed", "customer_id"),
        (BookingChanges(customer={"email": "nope"}), "validation_failed", "customer.email"),
        (BookingChanges(customer={"nickname": "Cas"}), "validation_failed", "customer.nickname"),
        (BookingChanges(customer="Casey"), "validation_failed", "customer"),
        (BookingChanges(price="-1"), "validation_failed", "price"),
        (BookingChanges(price="ten"), "validation_failed", "price"),
        (BookingChanges(notes=12), "validation_failed", "notes"),
        (BookingChanges(start_date="2026-11-20"), "past_date", "start_time"),
    ],
)
def test_bad_changes_are_refused_with_a_stable_code_and_change_nothing(session, now, setup, changes, code, path):
    _, svc, _ = setup
    booking = make(session, svc, now)
    before = b.table_counts(session)
    with pytest.raises(DomainError) as info:
        update_booking(session, booking.id, changes, actor=b.STAFF, now=now)
    assert info.value.code == code
    assert path in info.value.details
    assert b.table_counts(session) == before
    session.expire_all()
    unchanged = session.get(Booking, booking.id)
    assert (unchanged.version, unchanged.start_at, unchanged.total) == (1, booking.start_at, Decimal("100.00"))


def test_cancel_scope_must_be_known(session, now, setup):
    _, svc, _ = setup
    booking = make(session, svc, now)
    with pytest.raises(ValidationFailed):
        cancel_booking(session, booking.id, actor=b.STAFF, now=now, scope="everything")


def test_changing_the_service_without_a_duration_takes_the_new_services_own_and_checks_it(session, now, setup):
    loc, svc, agent = setup
    long = b.service(session, loc, name="Deep clean", duration_minutes=240)
    agent.services.append(long)
    session.commit()
    booking = make(session, svc, now, at="10:00")
    make(session, svc, now, at="13:00", customer=CustomerInput("Bo", "B", "bo@example.com", ""))
    # 10:00 + 240 minutes reaches the 13:00 booking: the new service's length is checked.
    with pytest.raises(SlotUnavailable):
        update_booking(session, booking.id, BookingChanges(service_id=long.id), actor=b.STAFF, now=now)
    session.refresh(booking)
    assert (booking.service_id, booking.duration_minutes) == (svc.id, 60)
    moved = update_booking(session, booking.id, BookingChanges(service_id=long.id, start_time="09:00"), actor=b.STAFF, now=now)
    assert (moved.service_id, moved.duration_minutes) == (long.id, 240)
    assert moved.end_at - moved.start_at == timedelta(minutes=240)
    # A duration given with the service still wins.
    short = update_booking(session, booking.id, BookingChanges(service_id=svc.id, duration=45), actor=b.STAFF, now=now)
    assert (short.service_id, short.duration_minutes) == (svc.id, 45)
