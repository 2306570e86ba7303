"""GET /availability: free start times for one day or several."""
from __future__ import annotations

from typing import Any

import orjson

from ..db import get_session
from ..domain.availability import available_days
from ..domain.errors import FieldErrors
from ..domain.timeutil import parse_date, zone
from ..domain.validation import as_int
from . import bp
from .auth import now, public_read
from .query import query_args
from .responses import encode, success


def _day(result: Any, tz: Any) -> dict[str, Any]:
    """One day as the API answers it, each part already encoded. When every cached start
    of the day is still bookable the answer depends on the cached day alone, so it is
    encoded once and kept with it (its `views`, a few KB); otherwise (today, the notice
    or the horizon cutting in) it is encoded for this request."""
    if result.whole is not None:
        found = result.whole.views.get("api")
        if found is None:
            found = result.whole.views["api"] = _encoded(_render(result, tz))
        return found
    return _encoded(_render(result, tz))


def _encoded(day: dict[str, Any]) -> dict[str, Any]:
    """The day as JSON fragments: its parts (the head of the answer spreads them) and
    the whole (an item of `days`)."""
    parts: dict[str, Any] = {k: orjson.Fragment(encode(v)) for k, v in day.items()}
    parts["whole"] = orjson.Fragment(encode(day))
    return parts


def _render(result: Any, tz: Any) -> dict[str, Any]:
    by_agent: dict[str, list[str]] = {}
    for slot in result.slots:
        for agent_id in slot.agent_ids:
            by_agent.setdefault(str(agent_id), []).append(slot.time)
    return {
        "date": result.date.isoformat(),
        "available_slots": result.available_slots,
        "slots": [{"time": s.time, "start_at": s.start_at.astimezone(tz).isoformat()} for s in result.slots],
        "slots_by_agent": by_agent,
    }


@bp.get("/availability")
@public_read()
def availability() -> Any:
    args = query_args()
    errors = FieldErrors()
    days = as_int(errors, "days", args.get("days", "1"), lo=1, hi=14) or 1
    try:
        first = parse_date(args.get("date"))
    except (ValueError, TypeError):
        errors.add("date", "Expected a date as YYYY-MM-DD.")
        first = None
    errors.raise_if_any("The availability request is not valid.")
    assert first is not None
    results = available_days(
        get_session(),
        service_id=args.get("service_id"),
        first=first,
        days=days,
        now=now(),
        agent_id=args.get("agent_id", "any"),
        duration=args.get("duration"),
        location_id=args.get("location_id"),
    )
    head = results[0]
    tz = zone(head.timezone)
    data: dict[str, Any] = {
        "date": head.date.isoformat(),
        "service_id": head.service_id,
        "agent_id": head.agent_id,
        "location_id": head.location_id,
        "duration": head.duration,
        **{k: v for k, v in _day(head, tz).items() if k not in ("date", "whole")},
    }
    if days > 1:
        data["days"] = [_day(r, tz)["whole"] for r in results]
    return success(data)
