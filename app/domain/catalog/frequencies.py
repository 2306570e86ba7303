"""Frequencies: how often a booking repeats (every N weeks or months, or not at all), with
the discount a series gets."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from ..models import Frequency
from .base import CatalogType
from .values import Choice, Int, Percent, Text

MAX_INTERVAL = 52


@dataclass(frozen=True)
class FrequencyInput:
    name: Annotated[str, Text(required=True)]
    interval_unit: Annotated[str | None, Choice(values=("", "week", "month"))]  # None: does not repeat
    interval_count: Annotated[int, Int(required=True, lo=1, hi=MAX_INTERVAL)]
    discount_percent: Annotated[Decimal, Percent(required=True)]
    position: Annotated[int, Int(required=True, lo=0, hi=10_000)]


class Frequencies(CatalogType[FrequencyInput]):
    key = "frequencies"
    model = Frequency
    noun = "frequency"
    input = FrequencyInput
    defaults = {"interval_count": 1, "discount_percent": Decimal("0"), "position": 0}


FREQUENCIES = Frequencies()
