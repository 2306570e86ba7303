"""Services: what customers book, with their price, length, buffers, places per slot,
notice and horizon, and the locations that offer them."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from ..models import Location, PricingMode, Service
from ..validation import MAX_DURATION, MIN_DURATION
from .base import CatalogType
from .values import Choice, ClassTimes, Flag, Int, LongText, Money, Related, Text

MAX_BUFFER = 240  # minutes before or after a visit
MAX_CAPACITY = 100
MAX_NOTICE = 525_600  # a year, in minutes
MAX_DAYS_AHEAD = 3650
MAX_POSITION = 10_000


@dataclass(frozen=True)
class ServiceInput:
    name: Annotated[str, Text(required=True)]
    description: Annotated[str, LongText()]
    pricing_mode: Annotated[str, Choice.of(PricingMode, required=True)]  # hourly: per worker and hour
    price: Annotated[Decimal, Money(required=True)]
    duration_minutes: Annotated[int, Int(required=True, lo=MIN_DURATION, hi=MAX_DURATION)]
    buffer_before_minutes: Annotated[int, Int(required=True, lo=0, hi=MAX_BUFFER)]
    buffer_after_minutes: Annotated[int, Int(required=True, lo=0, hi=MAX_BUFFER)]
    capacity: Annotated[int, Int(required=True, lo=1, hi=MAX_CAPACITY)]
    at_customer: Annotated[bool, Flag()]  # off: at the office, no address asked
    class_times: Annotated[str, ClassTimes()]  # set: starts only at these local times
    min_notice_minutes: Annotated[int, Int(required=True, lo=0, hi=MAX_NOTICE)]
    max_days_ahead: Annotated[int, Int(required=True, lo=1, hi=MAX_DAYS_AHEAD)]
    position: Annotated[int, Int(required=True, lo=0, hi=MAX_POSITION)]
    locations: Annotated[list[Location], Related(model=Location)]


class Services(CatalogType[ServiceInput]):
    key = "services"
    model = Service
    noun = "service"
    input = ServiceInput
    defaults = {"pricing_mode": "fixed", "duration_minutes": 60, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
                "capacity": 1, "at_customer": True, "class_times": "", "min_notice_minutes": 0, "max_days_ahead": 365, "position": 0}


SERVICES = Services()
