"""The catalog as plain values for the read path: read once, reused until it changes.

Free times need the services, locations and agents (with the services and locations
they serve and their weekly hours); settings.load_settings caches the settings alike. `catalog(session)` returns them as a
frozen `Catalog` filed under the catalog version (cache.py), so a warm request reads
none of those tables. The names of the fields are the models' own, so the day plans
of availability.py take these values where they take the models.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .cache import cached, versions
from .errors import NotFound
from .models import Agent, Location, Service


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    name: str
    active: bool
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    capacity: int
    min_notice_minutes: int
    max_days_ahead: int
    class_times: str = ""


@dataclass(frozen=True)
class LocationInfo:
    id: int
    name: str
    timezone: str
    active: bool
    is_default: bool
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class HoursInfo:
    weekday: int
    start_time: time
    end_time: time


@dataclass(frozen=True)
class AgentInfo:
    id: int
    name: str
    active: bool
    service_ids: frozenset[int]
    location_ids: frozenset[int]
    working_hours: tuple[HoursInfo, ...]


@dataclass(frozen=True)
class Catalog:
    version: int
    services: dict[int, ServiceInfo] = field(default_factory=dict)
    locations: dict[int, LocationInfo] = field(default_factory=dict)
    agents: tuple[AgentInfo, ...] = ()

    def active_service(self, service_id: int) -> ServiceInfo:
        """Raises NotFound for an unknown or inactive service."""
        found = self.services.get(service_id)
        if found is None or not found.active:
            raise NotFound(f"Service with ID {service_id} was not found")
        return found

    def location(self, location_id: int | None) -> LocationInfo:
        """The location asked for, or the default one. Raises NotFound."""
        if location_id is None:
            live = sorted((loc for loc in self.locations.values() if loc.active), key=lambda loc: (not loc.is_default, loc.id))
            if not live:
                raise NotFound("No location is set up yet.")
            return live[0]
        found = self.locations.get(location_id)
        if found is None or not found.active:
            raise NotFound(f"Location with ID {location_id} was not found")
        return found

    def candidates(self, service_ids: tuple[int, ...], location_id: int, agent_id: int | None) -> list[AgentInfo]:
        """Active agents who offer every one of the services at the location, by id
        (as availability.candidate_agents)."""
        wanted = set(service_ids)
        return [
            a for a in self.agents
            if a.active and wanted <= a.service_ids and location_id in a.location_ids
            and (agent_id is None or a.id == agent_id)
        ]


def read_catalog(session: Session, version: int) -> Catalog:
    """The catalog from the database (five queries)."""
    services = {
        s.id: ServiceInfo(s.id, s.name, s.active, s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes,
                          s.capacity, s.min_notice_minutes, s.max_days_ahead, s.class_times)
        for s in session.scalars(select(Service))
    }
    locations = {
        loc.id: LocationInfo(loc.id, loc.name, loc.timezone, loc.active, loc.is_default, loc.address, loc.phone, loc.email)
        for loc in session.scalars(select(Location))
    }
    agents = tuple(
        AgentInfo(
            a.id, a.name, a.active, frozenset(s.id for s in a.services), frozenset(loc.id for loc in a.locations),
            tuple(HoursInfo(h.weekday, h.start_time, h.end_time) for h in a.working_hours),
        )
        for a in session.scalars(
            select(Agent)
            .options(selectinload(Agent.services).load_only(Service.id), selectinload(Agent.locations).load_only(Location.id),
                     selectinload(Agent.working_hours))
            .order_by(Agent.id)
        )
    )
    return Catalog(version, services, locations, agents)


def catalog(session: Session) -> Catalog:
    """The catalog in force, from the cache when its version still matches."""
    version = versions(session).catalog
    return cached(session, ("catalog", version), lambda: read_catalog(session, version))
