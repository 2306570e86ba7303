"""Whether a visit's address lies in another office's city: a warning for the booking
form, never a refusal.

The model has no service area: an office has one free-text `address` ("210 Atlantic
Ave, Brooklyn, NY 11201"), and a visit's address a `city`. So the rule is the one the
data can answer without guessing: the address's city is named in another active
office's address (a part after the street, `names_city`) and not in the chosen office's. A city no office names
(a neighbouring town) is not flagged, and with one office nothing ever is. Because a
business may still send the chosen office's team there, the booking is not refused:
the form says so at the address, and "Book now" books it as it stands."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .models import Location


@dataclass(frozen=True)
class AreaWarning:
    city: str  # as the customer wrote it
    chosen: Location  # the office chosen on the form
    other: Location  # the office whose address names that city

    @property
    def message(self) -> str:
        return (f"This address is in {self.city}, where our {self.other.name} works; you chose our {self.chosen.name}"
                f"{f' ({self.chosen.address})' if self.chosen.address else ''}. "
                f"Choose the {self.other.name}, or another address.")


# A word with an ASCII digit in it is a postal code or a house number, not a city's name.
_POSTAL = re.compile(r"[0-9]")


def names_city(office_address: str, city: str) -> bool:
    """Whether an office's address names the city: one of its comma-separated parts after
    the street, postal codes left out and case and spacing aside ("Brooklyn" in "210
    Atlantic Ave, Brooklyn, NY 11201", "Berlin" in "Torstraße 110, 10119 Berlin"; not
    "York" in "1 New York Ave, Newark"). An address of one part names no city."""
    wanted = " ".join(city.split()).casefold()
    if not wanted:
        return False
    places = office_address.split(",")[1:]
    return any(" ".join(w for w in part.split() if not _POSTAL.search(w)).casefold() == wanted for part in places)


def address_elsewhere(locations: Iterable[Location], chosen: Location | None, city: str | None) -> AreaWarning | None:
    """The warning for a visit in `city` booked at `chosen`, or None: the city is another
    active office's (named in its address) and not the chosen office's."""
    city = " ".join((city or "").split())
    if chosen is None or not city or names_city(chosen.address or "", city):
        return None
    other = next((loc for loc in locations if loc.id != chosen.id and loc.active and names_city(loc.address or "", city)), None)
    return AreaWarning(city, chosen, other) if other is not None else None
