"""The read-path caches: every change raises the version its cached answers are filed
under, in its own transaction, so a second app (its own cache, like another process)
on the same database answers from the new state at once."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import create_app
from app.domain import business_settings, catalog, schedules
from app.domain.availability import available_slots
from app.domain.booking import cancel_booking, create_booking, reschedule_booking
from app.domain.models import Agent, CacheVersion
from app.domain.settings import load_settings
from tests import builders as b
from tests.conftest import NOW

TUESDAY = "2026-11-24"


def schedule_versions(session) -> dict[int, int]:
    session.rollback()
    return {i: v for i, v in session.execute(select(Agent.id, Agent.schedule_version))}


def catalog_version(session) -> int:
    session.rollback()
    return session.scalar(select(CacheVersion.version).where(CacheVersion.name == "catalog"))


@pytest.fixture
def other(config):
    """A second app on the same database: its own in-process cache, as another worker has."""
    application = create_app(config)
    yield application.extensions["session_factory"]
    application.extensions["engine"].dispose()


def free(factory_or_session, svc, now, **kw):
    if hasattr(factory_or_session, "execute"):
        factory_or_session.rollback()
        return available_slots(factory_or_session, service_id=svc.id, day=TUESDAY, now=now, **kw).available_slots
    with factory_or_session() as s:
        return available_slots(s, service_id=svc.id, day=TUESDAY, now=now, **kw).available_slots


def test_each_write_to_an_agents_schedule_raises_that_agents_version_only(session, now):
    loc, svc, alex = b.basic_setup(session)
    bo = b.agent(session, [svc], loc, name="Bo", email="bo@example.com")
    session.commit()
    seen = [schedule_versions(session)]

    def changed() -> set[int]:
        seen.append(schedule_versions(session))
        return {i for i in seen[-1] if seen[-1][i] != seen[-2][i]}

    booking = create_booking(session, b.request(svc.id, day=TUESDAY, at="10:00", agent_id=alex.id), actor=b.STAFF, now=now).booking
    assert changed() == {alex.id}
    reschedule_booking(session, booking.id, actor=b.STAFF, now=now, start_time="12:00")
    assert changed() == {alex.id}
    reschedule_booking(session, booking.id, actor=b.STAFF, now=now, agent_id=bo.id)
    assert changed() == {alex.id, bo.id}  # the agent it left and the one it joined
    cancel_booking(session, booking.id, actor=b.STAFF, now=now)
    assert changed() == {bo.id}
    off = schedules.add_time_off(session, alex.id, {"start": "2026-11-24T09:00", "end": "2026-11-24T12:00"}, actor=b.ADMIN, now=now)
    assert changed() == {alex.id}
    schedules.remove_time_off(session, alex.id, off.id, actor=b.ADMIN, now=now)
    assert changed() == {alex.id}
    schedules.set_working_hours(session, bo.id, {1: "10:00-14:00"}, actor=b.ADMIN, now=now)
    assert changed() == {bo.id}


def test_catalog_and_settings_changes_raise_the_catalog_version(session, now):
    _, svc, alex = b.basic_setup(session)
    before = catalog_version(session)
    catalog.set_active(session, catalog.TYPES["services"], svc.id, False, actor=b.ADMIN, now=now)
    assert catalog_version(session) > before
    before = catalog_version(session)
    schedules.set_working_hours(session, alex.id, {1: "10:00-14:00"}, actor=b.ADMIN, now=now)
    assert catalog_version(session) > before
    before = catalog_version(session)
    business_settings.save_settings(session, business_settings.settings_values(session) | {"slot_interval_minutes": "15"},
                             actor=b.ADMIN, now=now)
    assert catalog_version(session) > before
    # Booking does not touch the catalog.
    before = catalog_version(session)
    create_booking(session, b.request(svc.id, day=TUESDAY, at="10:00"), actor=b.STAFF, now=now)
    assert catalog_version(session) == before


def test_another_app_sees_bookings_time_off_hours_and_settings_at_once(session, other, now):
    _, svc, alex = b.basic_setup(session)
    assert "10:00" in free(other, svc, now) and "10:00" in free(session, svc, now)  # both caches warm

    create_booking(session, b.request(svc.id, day=TUESDAY, at="10:00"), actor=b.STAFF, now=now)
    assert "10:00" not in free(other, svc, now)

    schedules.add_time_off(session, alex.id, {"start": "2026-11-24T13:00", "end": "2026-11-24T15:00"}, actor=b.ADMIN, now=now)
    assert "13:00" not in free(other, svc, now) and "15:00" in free(other, svc, now)

    schedules.set_working_hours(session, alex.id, {1: "09:00-12:00"}, actor=b.ADMIN, now=now)
    assert free(other, svc, now) == ["09:00", "11:00"]

    business_settings.save_settings(session, business_settings.settings_values(session) | {"slot_interval_minutes": "15"},
                             actor=b.ADMIN, now=now)
    assert free(other, svc, now) == ["09:00", "11:00"]  # 10:xx is booked, 11:15 would end past 12:00
    with other() as s:
        assert load_settings(s).slot_interval_minutes == 15

    catalog.set_active(session, catalog.TYPES["services"], svc.id, False, actor=b.ADMIN, now=now)
    with pytest.raises(Exception, match="not found"):
        free(other, svc, now)


def test_the_clock_rules_apply_to_cached_plans(session, now):
    _, svc, _ = b.basic_setup(session)
    early = free(session, svc, now)
    # The same cached plan, asked later that day: the times now past are gone.
    later = free(session, svc, now + timedelta(days=1, hours=-2, minutes=1))  # Tuesday 10:01 in New York
    assert early[0] == "09:00" and later[0] == "10:30"


def test_a_transaction_that_has_written_neither_reads_nor_fills_the_cache(session, now):
    _, svc, _ = b.basic_setup(session)
    store = session.info["cache"]
    session.add(b.customer(session, email="x@example.com"))
    session.flush()
    available_slots(session, service_id=svc.id, day=TUESDAY, now=now)
    assert not any(getattr(store, "_entries", {}))
    session.rollback()
    available_slots(session, service_id=svc.id, day=TUESDAY, now=now)
    assert len(store._entries) > 0


def month(factory_or_session, svc, now):
    from app.domain.free_days import free_days
    from app.domain.inputs import ServiceLineInput

    def ask(s):
        return free_days(s, [ServiceLineInput(svc.id)], first=date(2026, 11, 23), last=date(2026, 11, 30), now=now).earliest

    if hasattr(factory_or_session, "execute"):
        factory_or_session.rollback()
        return ask(factory_or_session)
    with factory_or_session() as s:
        return ask(s)


def test_another_app_sees_a_booking_in_its_cached_month_at_once(session, other, now):
    _, svc, alex = b.basic_setup(session)
    schedules.set_working_hours(session, alex.id, {1: "09:00-10:00"}, actor=b.ADMIN, now=now)  # one time a week
    warm = month(other, svc, now)
    assert warm.get(date(2026, 11, 24)) == "09:00" and month(other, svc, now) == warm  # cached in `other`
    create_booking(session, b.request(svc.id, day=TUESDAY, at="09:00"), actor=b.STAFF, now=now)
    assert date(2026, 11, 24) not in month(other, svc, now)


def test_the_clock_rules_apply_to_a_cached_month(session, now):
    _, svc, _ = b.basic_setup(session)
    assert month(session, svc, now)[date(2026, 11, 24)] == "09:00"
    # Tuesday 10:01 in New York: the day is now cut by the clock, so it is decided afresh.
    assert month(session, svc, now + timedelta(days=1, hours=-2, minutes=1))[date(2026, 11, 24)] == "10:30"


def test_a_generation_is_never_used_twice_so_a_revoked_key_stays_revoked(session, now):
    from sqlalchemy import delete

    from app.domain import accounts

    key, secret = accounts.create_api_key(session, name="K", scope="admin", now=now)
    assert accounts.authenticate_api_key(session, secret, now=now) is not None  # cached now
    accounts.revoke_api_key(session, key.id, now=now)
    assert accounts.authenticate_api_key(session, secret, now=now) is None
    # The generations row is lost (or an older backup is restored), then keys change
    # again: the generation must not come back to the one the key was cached under.
    session.execute(delete(CacheVersion))
    session.commit()
    assert accounts.authenticate_api_key(session, secret, now=now) is None
    for n in range(3):
        accounts.create_api_key(session, name=f"other {n}", scope="read", now=now)
        assert accounts.authenticate_api_key(session, secret, now=now) is None


def test_two_deployments_sharing_one_redis_never_share_entries(config, tmp_path):
    """Same database URL text (as two containers each with instance/portal.sqlite3),
    different SECRET_KEY: a key cached by one is not found by the other."""
    import pickle

    from app.db import make_session_factory
    from app.domain.availability import FreeDay
    from tests.redis_server import redis_server

    with redis_server(tmp_path) as url:
        if url is None:
            pytest.skip("redis-server is not installed")
        apps = [create_app(config | {"CACHE_URL": url, "SECRET_KEY": secret}) for secret in ("staging", "production")]
        staging, production = (a.extensions["session_factory"].kw["info"]["cache"] for a in apps)
        staging.set(("api_key", 1, "digest"), "staging's key")
        assert staging.get(("api_key", 1, "digest")) == "staging's key"
        assert production.get(("api_key", 1, "digest")) is None
        again = make_session_factory(apps[0].extensions["engine"], apps[0].config).kw["info"]["cache"]
        assert again.get(("api_key", 1, "digest")) == "staging's key"  # another staging worker, via Redis
        # A cached day's views stay in the process that built them.
        day = FreeDay(())
        day.views["api"] = b"built here"
        assert pickle.loads(pickle.dumps(day)).views == {}
        for a in apps:
            a.extensions["engine"].dispose()


def test_a_redis_that_does_not_answer_is_a_cache_that_misses(config, tmp_path):
    from tests.redis_server import free_port

    from app.domain import accounts

    # Nobody listens there. The clock is pinned: the API asks it for "now".
    app = create_app(config | {"CACHE_URL": f"redis://127.0.0.1:{free_port()}/0", "NOW": NOW})
    factory = app.extensions["session_factory"]
    with factory() as s:
        _, svc, _ = b.basic_setup(s)
        _, secret = accounts.create_api_key(s, name="K", scope="read", now=NOW)
        svc_id = svc.id
    client = app.test_client()
    for _ in range(2):
        response = client.get(f"/api/v1/availability?service_id={svc_id}&date={TUESDAY}", headers={"X-API-Key": secret})
        assert response.status_code == 200, response.get_json()
        assert "10:00" in response.get_json()["data"]["available_slots"]
    app.extensions["engine"].dispose()
