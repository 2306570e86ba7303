"""How long the lists in a request may be: no longer than what they can mean.

A booking names each service once, each extra and pricing parameter of a service once,
answers each question once and picks each option once, so no list can be longer than
the catalog holds of its kind. Measuring the lists first (one pass, before any of them
is validated item by item) refuses a request padded with thousands of repeats before it
costs anything; the services then check the tighter bound (the chosen service's own
extras, the chosen services' own questions)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import CustomField, CustomFieldOption, Extra, PricingParameter, Service
from .pricing import MAX_LINES


@dataclass(frozen=True)
class CatalogSize:
    """How many of each kind of thing a list in a request can name."""

    services: int
    extras: int
    pricing_parameters: int
    custom_fields: int
    options: int

    def of(self, kind: str) -> int:
        return int(getattr(self, kind))


KIND_NOUNS = {"services": "services", "extras": "extras", "pricing_parameters": "pricing parameters",
              "custom_fields": "answers", "options": "options"}


def catalog_size(session: Session) -> CatalogSize:
    """The catalog's counts, in one statement (a booking holds at most MAX_LINES services)."""
    counts = session.execute(select(
        select(func.count()).select_from(Service).scalar_subquery(),
        select(func.count()).select_from(Extra).scalar_subquery(),
        select(func.count()).select_from(PricingParameter).scalar_subquery(),
        select(func.count()).select_from(CustomField).scalar_subquery(),
        select(func.count()).select_from(CustomFieldOption).scalar_subquery(),
    )).one()
    services, extras, parameters, fields, options = (int(c) for c in counts)
    return CatalogSize(min(services, MAX_LINES), extras, parameters, fields, options)


def check_list_lengths(session: Session, lists: Iterable[tuple[str, str, int]]) -> None:
    """Refuse the first list longer than the catalog allows. `lists` yields (path, kind,
    length) outer lists first, and is read lazily: an overlong outer list is refused
    before the lists inside it are even measured. The catalog is counted only when
    there is a list.

    Raises ValidationFailed (422) naming the list."""
    size: CatalogSize | None = None
    for path, kind, length in lists:
        size = size or catalog_size(session)
        limit = size.of(kind)
        if length > limit:
            raise ValidationFailed(
                "A list in the request is longer than it can be.",
                {path: f"At most {limit} {KIND_NOUNS[kind]}, each once."},
            )
