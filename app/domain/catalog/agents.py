"""Agents: the people who do the visits, the services they do, the locations they work at
and the staff account (role Agent) they log in as. Their hours and time off are
`domain/schedules.py`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from ..models import Agent, Location, Service
from .base import CatalogType
from .values import AgentLogin, Email, Related, Text


@dataclass(frozen=True)
class AgentInput:
    name: Annotated[str, Text(required=True)]
    email: Annotated[str, Email()]
    phone: Annotated[str, Text(max_length=40)]
    services: Annotated[list[Service], Related(model=Service)]
    locations: Annotated[list[Location], Related(model=Location)]
    user_id: Annotated[int | None, AgentLogin()]  # None: no login


class Agents(CatalogType[AgentInput]):
    key = "agents"
    model = Agent
    noun = "agent"
    input = AgentInput
    search = ("name", "email")


AGENTS = Agents()
