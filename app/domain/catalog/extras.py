"""Extras: add-ons a customer may take with some services, up to a quantity each."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from ..models import Extra, Service
from .base import CatalogType
from .values import Flag, Int, LongText, Money, Related, Text

MAX_EXTRA_MINUTES = 1440
MAX_EXTRA_QUANTITY = 100


@dataclass(frozen=True)
class ExtraInput:
    name: Annotated[str, Text(required=True)]
    description: Annotated[str, LongText()]
    price: Annotated[Decimal, Money(required=True)]
    minutes: Annotated[int, Int(required=True, lo=0, hi=MAX_EXTRA_MINUTES)]
    max_quantity: Annotated[int, Int(required=True, lo=1, hi=MAX_EXTRA_QUANTITY)]
    recurring: Annotated[bool, Flag()]  # repeats on every visit of a series
    services: Annotated[list[Service], Related(model=Service)]


class Extras(CatalogType[ExtraInput]):
    key = "extras"
    model = Extra
    noun = "extra"
    input = ExtraInput
    defaults = {"minutes": 0, "max_quantity": 1, "recurring": True}


EXTRAS = Extras()
