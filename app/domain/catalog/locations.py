"""Locations (offices): where services are offered and agents work, each with its time
zone, currency and country; one of them is the default."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import FieldErrors
from ..models import Location
from ..settings import CURRENCIES
from .base import CatalogType, Changes
from .values import Choice, Country, Email, Flag, Text, Timezone, Values


@dataclass(frozen=True)
class LocationInput:
    name: Annotated[str, Text(required=True)]
    address: Annotated[str, Text(max_length=255)]
    timezone: Annotated[str, Timezone(required=True)]
    currency: Annotated[str | None, Choice(values=("", *CURRENCIES))]  # None: the business's
    phone: Annotated[str, Text(max_length=40)]
    email: Annotated[str, Email(max_length=255)]
    country: Annotated[str | None, Country(optional=True)]
    is_default: Annotated[bool, Flag()]


class Locations(CatalogType[LocationInput]):
    key = "locations"
    model = Location
    noun = "location"
    input = LocationInput
    defaults = {"timezone": "America/New_York"}

    def added(self, session: Session, obj: Any, values: Values, errors: FieldErrors) -> Changes:
        # One default location: saving another as the default takes it from the old one.
        if obj.is_default:
            for other in session.scalars(select(Location).where(Location.is_default.is_(True))):
                if other is not obj:
                    other.is_default = False
        return {}


LOCATIONS = Locations()
