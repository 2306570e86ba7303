"""The formatting filters keep Babel's answers (formatting.py): a kept answer must never
stand for another value that merely compares equal (the same instant in another zone)."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.web.formatting import local_date, local_day, local_time, money


def test_the_same_instant_in_two_zones_reads_as_each_zones_wall_clock(app):
    instant = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    with app.app_context():
        # Babel writes a narrow no-break space before AM/PM.
        assert local_time(instant, "UTC").replace("\u202f", " ") == "3:00 PM"
        assert local_time(instant, "America/New_York").replace("\u202f", " ") == "10:00 AM"  # not the UTC reading
        assert local_time(instant.astimezone(ZoneInfo("Asia/Tokyo")), "Asia/Tokyo").replace("\u202f", " ") == "12:00 AM"
        late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
        assert local_date(late, "UTC") == "Tue, Nov 24, 2026"
        assert local_date(late, "Asia/Tokyo") == "Wed, Nov 25, 2026"
        assert local_day(late.astimezone(ZoneInfo("Asia/Tokyo")).date()) == "Wednesday, November 25, 2026"


def test_amounts_read_the_same_however_they_are_written(app):
    with app.app_context():
        assert money(Decimal("10.0")) == money(Decimal("10.00")) == money(10) == "$10.00"
        assert money(Decimal("10"), "EUR") == "€10.00"
