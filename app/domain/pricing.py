"""Prices, computed once here for the booking form's live summary, the price-estimate
API and the stored booking, so the three agree to the cent.

Order (product.md): service lines (fixed price, or hourly rate x workers x minutes / 60)
+ extras x quantity + pricing parameters x quantity; minus the frequency discount; minus
the discount code; minus gift-card balance; never below zero; plus tip. Every amount is
a Decimal rounded half-up to the cent at the step that produces it.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from . import discounts, read_models
from .errors import FieldErrors, ValidationFailed
from .inputs import ParameterInput, ServiceLineInput
from .requests.booking_fields import MAX_TIP
from .models import DiscountCode, DiscountKind, Extra, Frequency, PricingParameter, Service
from .validation import as_bool, as_id, as_int, as_money

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_LINES = 20


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class PricedExtra:
    extra: Extra
    quantity: int
    recurring: bool

    @property
    def amount(self) -> Decimal:
        return cents(self.extra.price * self.quantity)

    @property
    def minutes(self) -> int:
        return self.extra.minutes * self.quantity


@dataclass
class PricedParameter:
    parameter: PricingParameter
    quantity: int

    @property
    def amount(self) -> Decimal:
        return cents(self.parameter.price * self.quantity)

    @property
    def minutes(self) -> int:
        return self.parameter.minutes * self.quantity


@dataclass
class PricedLine:
    service: Service
    workers: int
    minutes: int
    extras: list[PricedExtra] = field(default_factory=list)
    parameters: list[PricedParameter] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        """The service itself, without extras and parameters."""
        if self.service.is_hourly:
            return cents(self.service.price * self.workers * self.minutes / 60)
        return cents(self.service.price)

    @property
    def total(self) -> Decimal:
        return self.amount + sum((e.amount for e in self.extras), ZERO) + sum(
            (p.amount for p in self.parameters), ZERO
        )

    @property
    def duration(self) -> int:
        return self.minutes + sum(e.minutes for e in self.extras) + sum(p.minutes for p in self.parameters)


@dataclass
class Quote:
    lines: list[PricedLine]
    frequency: Frequency | None
    code: DiscountCode | None
    tip: Decimal
    tip_recurring: bool
    subtotal: Decimal
    frequency_discount: Decimal
    discount: Decimal
    gift_card: Decimal
    total: Decimal

    @property
    def duration(self) -> int:
        return sum(line.duration for line in self.lines)

    @property
    def service_ids(self) -> list[int]:
        return [line.service.id for line in self.lines]

    def breakdown(self) -> dict[str, str]:
        return {
            "subtotal": str(self.subtotal),
            "frequency_discount": str(self.frequency_discount),
            "discount": str(self.discount),
            "gift_card": str(self.gift_card),
            "tip": str(self.tip),
            "total": str(self.total),
        }


def price_lines(
    lines: list[PricedLine],
    *,
    frequency: Frequency | None,
    code: DiscountCode | None,
    tip: Decimal,
    tip_recurring: bool = False,
) -> Quote:
    """Apply the price rules to already validated lines."""
    subtotal = sum((line.total for line in lines), ZERO)
    percent = frequency.discount_percent if frequency is not None else ZERO
    frequency_discount = cents(subtotal * percent / 100)
    after_frequency = subtotal - frequency_discount
    discount = gift_card = ZERO
    if code is not None:
        if code.kind == DiscountKind.GIFTCARD:
            gift_card = min(code.balance or ZERO, after_frequency)
        else:
            # A code limited to some services discounts only their share of the price.
            if code.services:
                allowed = {s.id for s in code.services}
                share = sum((ln.total for ln in lines if ln.service.id in allowed), ZERO)
                base = share - cents(share * percent / 100)
            else:
                base = after_frequency
            discount = discounts.code_reduction(code, base)
    total = max(after_frequency - discount - gift_card, ZERO) + tip
    return Quote(
        lines=lines,
        frequency=frequency,
        code=code,
        tip=tip,
        tip_recurring=tip_recurring,
        subtotal=subtotal,
        frequency_discount=frequency_discount,
        discount=discount,
        gift_card=gift_card,
        total=cents(total),
    )


def starting_quotes(session: Session, services: list[Service]) -> dict[int, Quote]:
    """Each service priced as the booking form first shows it when it is ticked: its
    pricing parameters at their minimum, no extras, once. The home page's "from" price
    and length, so they match the form's running total."""
    quotes: dict[int, Quote] = {}
    for start in range(0, len(services), MAX_LINES):
        inputs = [
            ServiceLineInput(s.id, pricing_parameters=[ParameterInput(p.id, p.min_quantity) for p in s.parameters if p.active])
            for s in services[start:start + MAX_LINES] if not s.is_hourly
        ]
        if not inputs:
            continue
        for line in load_lines(session, inputs, FieldErrors(), staff=False):
            quotes[line.service.id] = price_lines([line], frequency=None, code=None, tip=ZERO)
    return quotes


def repeat_quote(first: Quote) -> Quote:
    """The price of a later occurrence of a series: extras that do not recur and the tip
    (unless tip_recurring) are left out; the discount code applies to the first only."""
    lines = [replace(line, extras=[e for e in line.extras if e.recurring]) for line in first.lines]
    tip = first.tip if first.tip_recurring else ZERO
    return price_lines(lines, frequency=first.frequency, code=None, tip=tip, tip_recurring=first.tip_recurring)


def load_lines(session: Session, inputs: list[ServiceLineInput], errors: FieldErrors, *, staff: bool) -> list[PricedLine]:
    """Validate service lines against the catalog; problems go to `errors` by path."""
    if not isinstance(inputs, list) or not inputs:
        errors.add("services", "Choose at least one service.")
        return []
    if len(inputs) > MAX_LINES:
        errors.add("services", f"At most {MAX_LINES} services in one booking.")
        return []
    ids = [as_id(errors, f"services[{i}].id", line.id) for i, line in enumerate(inputs)]
    services = _services(session, frozenset(i for i in ids if i is not None))
    lines: list[PricedLine] = []
    seen: set[int] = set()
    for i, (line_input, service_id) in enumerate(zip(inputs, ids, strict=True)):
        path = f"services[{i}]"
        if service_id is None:
            continue
        service = services.get(service_id)
        if service is None or (not service.active and not staff):
            errors.add(f"{path}.id", f"There is no service with id {service_id}.")
            continue
        if service_id in seen:
            errors.add(f"{path}.id", "This service is already in the booking.")
            continue
        seen.add(service_id)
        before = len(errors.errors)
        workers, minutes = _read_hours(line_input, service, errors, path, staff=staff)
        extras = _load_extras(line_input, service, errors, path)
        parameters = _load_parameters(line_input, service, errors, path)
        if len(errors.errors) == before and workers is not None and minutes is not None:
            lines.append(PricedLine(service=service, workers=workers, minutes=minutes, extras=extras, parameters=parameters))
    return lines


def _services(session: Session, wanted: frozenset[int]) -> dict[int, Service]:
    """The services by id with their extras and parameters. One page asks for the same
    services several times (the calendar, the day's times, the price): they are read once
    per transaction, as long as it has written nothing."""
    if session.info.get(read_models.RENDERING):
        kept = read_models.priced_services(session)
        return {i: kept[i] for i in wanted if i in kept}
    memo = session.info.get("_priced_services")
    transaction = session.get_transaction()
    if memo is None or memo[0] is not transaction or session.info.get("_wrote"):
        memo = session.info["_priced_services"] = (transaction, {})
    found = memo[1].get(wanted)
    if found is None:
        found = memo[1][wanted] = {
            s.id: s
            for s in session.scalars(
                select(Service).where(Service.id.in_(wanted)).options(selectinload(Service.extras), selectinload(Service.parameters))
            )
        }
    return found


def _read_hours(line_input: ServiceLineInput, service: Service, errors: FieldErrors, path: str, *, staff: bool) -> tuple[int | None, int | None]:
    """Workers and minutes: from `hourly` for an hourly service, else 1 and its duration."""
    hourly = line_input.hourly
    if not service.is_hourly:
        if hourly is not None:
            errors.add(f"{path}.hourly", f"{service.name} has a fixed price; it takes no hours.")
        return 1, service.duration_minutes
    if hourly is None:
        if staff:
            # Staff and integrations may book an hourly service like a fixed one:
            # one worker for the service's default length (or the duration they give).
            return 1, service.duration_minutes
        errors.add(f"{path}.hourly", "Say how many workers and for how long.")
        return None, None
    workers = as_int(errors, f"{path}.hourly.quantity", hourly.quantity, lo=1, hi=100)
    minutes = as_int(errors, f"{path}.hourly.minutes", hourly.minutes, lo=30, hi=1440, multiple_of=30)
    return workers, minutes


def _pick(items: object, offered: dict[int, Any], errors: FieldErrors, path: str, noun: str, service: Service) -> Iterator[tuple[str, Any, Any]]:
    """(path, catalog object, input) for each listed item that exists for the service and
    is not listed twice; the others are reported."""
    if items is None:
        return
    if not isinstance(items, list):
        errors.add(path, "Must be a list.")
        return
    if len(items) > len(offered):
        # Each item at most once: a longer list can only repeat or invent some.
        if offered:
            errors.add(path, f"{service.name} has {len(offered)} {noun}s to choose from; list each at most once.")
        else:
            errors.add(f"{path}[0].id", f"{service.name} has no {noun}s.")
        return
    seen: set[int] = set()
    for j, item in enumerate(items):
        item_path = f"{path}[{j}]"
        item_id = as_id(errors, f"{item_path}.id", item.id)
        if item_id is None:
            continue
        found = offered.get(item_id)
        if found is None:
            errors.add(f"{item_path}.id", f"There is no {noun} with id {item_id} for {service.name}.")
        elif item_id in seen:
            errors.add(f"{item_path}.id", f"This {noun} is listed twice.")
        else:
            seen.add(item_id)
            yield item_path, found, item


def _load_extras(line_input: ServiceLineInput, service: Service, errors: FieldErrors, path: str) -> list[PricedExtra]:
    offered = {e.id: e for e in service.extras if e.active}
    priced: list[PricedExtra] = []
    for item_path, extra, item in _pick(line_input.extras, offered, errors, f"{path}.extras", "extra", service):
        quantity = as_int(errors, f"{item_path}.quantity", item.quantity, lo=1, hi=min(10000, extra.max_quantity))
        recurring = as_bool(errors, f"{item_path}.recurring", item.recurring, default=extra.recurring)
        if quantity is not None and recurring is not None:
            priced.append(PricedExtra(extra=extra, quantity=quantity, recurring=recurring and extra.recurring))
    return priced


def _load_parameters(line_input: ServiceLineInput, service: Service, errors: FieldErrors, path: str) -> list[PricedParameter]:
    offered = {p.id: p for p in service.parameters if p.active}
    priced: list[PricedParameter] = []
    for item_path, parameter, item in _pick(
        line_input.pricing_parameters, offered, errors, f"{path}.pricing_parameters", "pricing parameter", service
    ):
        quantity = as_int(errors, f"{item_path}.quantity", item.quantity, lo=parameter.min_quantity, hi=parameter.max_quantity)
        if quantity is not None:
            priced.append(PricedParameter(parameter=parameter, quantity=quantity))
    return priced


def load_frequency(session: Session, frequency_id: object, errors: FieldErrors) -> Frequency | None:
    if frequency_id is None:
        return None
    fid = as_id(errors, "frequency_id", frequency_id)
    if fid is None:
        return None
    if session.info.get(read_models.RENDERING):
        # A page rendering: the form's kept catalog has the active frequencies.
        frequency = next((f for f in read_models.booking_form_rows(session).frequencies if f.id == fid), None)
    else:
        frequency = session.get(Frequency, fid)
    if frequency is None or not frequency.active:
        errors.add("frequency_id", f"There is no frequency with id {fid}.")
        return None
    return frequency

# The request values a price is read from besides its lines.
PRICE_FIELDS = ("frequency_id", "tip", "tip_recurring")


def estimate(
    session: Session,
    *,
    services: list[ServiceLineInput],
    frequency_id: object = None,
    discount_code: object = None,
    tip: object = 0,
    tip_recurring: object = False,
    customer_id: int | None = None,
    now: datetime,
    staff: bool = False,
    problems: Mapping[str, str] | None = None,
) -> Quote:
    """The price of a booking without creating it (booking form, price-estimate API).
    `problems` are the request's values that did not parse (BookingRequest.problems).

    Raises ValidationFailed for bad lines, DiscountCodeInvalid/Exhausted for a code that
    cannot be used.
    """
    errors = FieldErrors()
    problems = problems or {}
    # A line's value that did not parse is reported as read (the lines come first, as they are read first).
    errors.errors.update({path: text for path, text in problems.items() if path.startswith("services")})
    quote_inputs = read_price_inputs(session, services, frequency_id, tip, tip_recurring, errors, staff=staff)
    for name in PRICE_FIELDS:
        if name in problems:
            errors.add(name, problems[name])
    errors.raise_if_any()
    lines, frequency, tip_amount, tip_rec = quote_inputs
    code = None
    if discount_code not in (None, ""):
        code = resolve_code(session, discount_code, lines=lines, customer_id=customer_id, now=now)
    return price_lines(lines, frequency=frequency, code=code, tip=tip_amount, tip_recurring=tip_rec)


def read_price_inputs(
    session: Session,
    services: list[ServiceLineInput],
    frequency_id: object,
    tip: object,
    tip_recurring: object,
    errors: FieldErrors,
    *,
    staff: bool,
) -> tuple[list[PricedLine], Frequency | None, Decimal, bool]:
    lines = load_lines(session, services, errors, staff=staff)
    frequency = load_frequency(session, frequency_id, errors)
    tip_amount = as_money(errors, "tip", 0 if tip in (None, "") else tip, hi=MAX_TIP) or ZERO
    tip_rec = bool(as_bool(errors, "tip_recurring", tip_recurring))
    return lines, frequency, tip_amount, tip_rec


def resolve_code(
    session: Session, code_text: object, *, lines: list[PricedLine], customer_id: int | None, now: datetime
) -> DiscountCode:
    if not isinstance(code_text, str) or not 1 <= len(code_text.strip()) <= 255:
        raise ValidationFailed("The discount code is not valid.", {"discount_code": "Must be a code of 1-255 characters."})
    code = discounts.load_code(session, code_text)
    discounts.check_usable(session, code, service_ids=[ln.service.id for ln in lines], customer_id=customer_id, now=now)
    return code
