"""What every catalog type shares: who may manage which list, listing and searching,
reading ids strictly, and the readers an input names."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest

from app.domain import catalog
from app.domain.audit import recent_changes
from app.domain.actor import Actor
from app.domain.catalog.values import Text, readers_of
from app.domain.errors import Forbidden, NotFound
from app.domain.models import Role
from tests import builders as b

from .helpers import save

CUSTOMER_ACTOR = Actor("user", 1, "Casey", Role.CUSTOMER)


def test_staff_manage_the_catalog_but_only_admins_manage_staff(session):
    assert catalog.catalog_type("services", b.STAFF).key == "services"
    assert catalog.catalog_type("staff", b.ADMIN).key == "staff"
    with pytest.raises(Forbidden):
        catalog.catalog_type("staff", b.STAFF)


def test_customers_manage_nothing_and_an_unknown_list_is_not_found(session):
    with pytest.raises(Forbidden):
        catalog.catalog_type("services", CUSTOMER_ACTOR)
    with pytest.raises(NotFound):
        catalog.catalog_type("bookings", b.ADMIN)


@pytest.mark.parametrize("object_id", ["²", "1.5", "0", "-3", "", None, "99999999999"])
def test_an_id_that_is_not_one_is_not_found(session, object_id):
    with pytest.raises(NotFound):
        catalog.get_object(session, catalog.TYPES["services"], object_id)


def test_lists_search_any_case_and_show_active_or_deactivated(session, now):
    kept = save(session, "extras", {"name": "Inside the Fridge", "price": "5", "minutes": "10", "max_quantity": "1"}, now)
    gone = save(session, "extras", {"name": "Fridge door", "price": "5", "minutes": "10", "max_quantity": "1"}, now)
    save(session, "extras", {"name": "Windows", "price": "5", "minutes": "10", "max_quantity": "1"}, now)
    catalog.set_active(session, catalog.TYPES["extras"], gone.id, False, actor=b.ADMIN, now=now)
    extras = catalog.TYPES["extras"]
    assert [e.id for e in catalog.list_objects(session, extras, q="fridge").items] == [kept.id]
    assert [e.id for e in catalog.list_objects(session, extras, q="FRIDGE", show="inactive").items] == [gone.id]
    assert len(catalog.list_objects(session, extras, show="all").items) == 3


def test_reactivating_is_audited_and_deactivating_twice_changes_nothing(session, now):
    extra = save(session, "extras", {"name": "Oven", "price": "5", "minutes": "10", "max_quantity": "1"}, now)
    extras = catalog.TYPES["extras"]
    catalog.set_active(session, extras, extra.id, False, actor=b.ADMIN, now=now)
    catalog.set_active(session, extras, extra.id, False, actor=b.ADMIN, now=now)
    catalog.set_active(session, extras, extra.id, True, actor=b.ADMIN, now=now)
    actions = [e.action for e in reversed(recent_changes(session, "extras", extra.id))]
    assert actions == ["created", "deactivated", "reactivated"]


def test_every_input_attribute_names_exactly_one_reader():
    @dataclass(frozen=True)
    class Unread:
        name: Annotated[str, Text()]
        note: str

    with pytest.raises(TypeError, match="note"):
        readers_of(Unread)
    for kind in catalog.TYPES.values():
        assert readers_of(kind.input)
