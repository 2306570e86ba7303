"""Pricing parameters: what a customer counts (bedrooms, windows), each unit adding a
price and minutes, between a least and a most quantity."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy.orm import Session

from ..actor import Actor
from ..errors import FieldErrors
from ..models import PricingParameter, Service
from .base import CatalogType
from .values import Int, Money, Related, Text

MAX_UNIT_MINUTES = 1440
MAX_QUANTITY = 250_000


@dataclass(frozen=True)
class ParameterInput:
    name: Annotated[str, Text(required=True)]
    price: Annotated[Decimal, Money(required=True)]  # per unit
    minutes: Annotated[int, Int(required=True, lo=0, hi=MAX_UNIT_MINUTES)]  # per unit
    min_quantity: Annotated[int, Int(required=True, lo=0, hi=MAX_QUANTITY)]
    max_quantity: Annotated[int, Int(required=True, lo=0, hi=MAX_QUANTITY)]
    services: Annotated[list[Service], Related(model=Service)]


class Parameters(CatalogType[ParameterInput]):
    key = "parameters"
    model = PricingParameter
    noun = "pricing parameter"
    input = ParameterInput
    defaults = {"minutes": 0, "min_quantity": 0, "max_quantity": 10}

    def check(self, session: Session, obj: Any, data: ParameterInput, errors: FieldErrors, *, actor: Actor,
              creating: bool) -> ParameterInput:
        """The most is at least the least."""
        lo, hi = data.min_quantity, data.max_quantity
        if lo is not None and hi is not None and lo > hi:
            errors.add("max_quantity", "Must be at least the minimum.")
        return data


PARAMETERS = Parameters()
