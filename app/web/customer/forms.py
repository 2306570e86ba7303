"""The booking form: what it offers (a view of the catalog) and how its fields become
a BookingRequest. No booking rule lives here; the domain checks everything."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ...domain import read_models
from ...domain.inputs import BookingRequest, CustomerInput, ExtraInput, FieldAnswer, HourlyInput, OptionAnswer, ParameterInput, ServiceLineInput
from ...domain.validation import id_or_none
from ...domain.models import Agent, CustomField, FieldType, Frequency, Location, PaymentMethod, Service

ADDRESS = ("address", "city", "state", "zip", "phone")
HOURLY_MINUTES = list(range(60, 8 * 60 + 1, 30))


@dataclass
class FormCatalog:
    services: list[Service]
    frequencies: list[Frequency]
    locations: list[Location]
    agents: list[Agent]
    fields: list[CustomField]
    payment_methods: list[str] = field(default_factory=lambda: [PaymentMethod.CASH.value, PaymentMethod.CHECK.value])

    def service(self, sid: int) -> Service | None:
        return next((s for s in self.services if s.id == sid), None)

    def fields_for(self, service_ids: list[int]) -> list[CustomField]:
        return [f for f in self.fields if {s.id for s in f.services} & set(service_ids)]

    def agents_for(self, service_ids: list[int], location: Location | None = None) -> list[Agent]:
        """Agents who do all the services (at the location, when one is given)."""
        return [a for a in self.agents if set(service_ids) <= {s.id for s in a.services}
                and (location is None or location.id in {loc.id for loc in a.locations})]

    def location(self, location_id: object) -> Location | None:
        """The chosen office, else the default one."""
        chosen = next((loc for loc in self.locations if str(loc.id) == str(location_id)), None)
        return chosen or (self.locations[0] if self.locations else None)

    def services_at(self, location: Location | None) -> list[Service]:
        """Services someone can do at the location: a service nobody there offers is not offered."""
        if location is None:
            return self.services
        return [s for s in self.services if any(location.id in {loc.id for loc in a.locations} and s in a.services for a in self.agents)]


def load_catalog(session: Session, *, staff: bool = False) -> FormCatalog:
    """What the form offers; staff also see the staff-only questions."""
    rows = read_models.booking_form_rows(session, staff=staff)
    return FormCatalog(rows.services, rows.frequencies, rows.locations, rows.agents, rows.fields)


def chosen_service_ids(form: MultiDict[str, str], catalog: FormCatalog) -> list[int]:
    """The ticked services the catalog has, each once, in the order ticked (one pass:
    a form may repeat `services` up to MAX_FORM_PARTS times)."""
    offered = {s.id for s in catalog.services}
    ids: dict[int, None] = {}
    for raw in form.getlist("services"):
        sid = id_or_none(raw)
        if sid is not None and sid in offered:
            ids.setdefault(sid)
    return list(ids)


@dataclass
class ParsedForm:
    request: BookingRequest
    # Domain error paths -> the form input they belong to.
    inputs_by_path: dict[str, str]


def parse_booking_form(form: MultiDict[str, str], catalog: FormCatalog, *, staff: bool = False) -> ParsedForm:
    """The form as one BookingRequest. The back office's form (`staff`) also has the
    customer step (a customer_id, or a new customer's names, e-mail and phone) and staff notes."""
    paths: dict[str, str] = {"services": "services", "start_time": "time", "start_date": "date", "agent_id": "agent_id",
                             "location_id": "location_id", "frequency_id": "frequency_id", "tip": "tip",
                             "payment_method": "payment_method", "discount_code": "discount_code",
                             "customer_notes": "customer_notes", "original_booking_id": "services", "sms_notifications": "sms_notifications",
                             **{a: a for a in ADDRESS}}
    lines: list[ServiceLineInput] = []
    for i, sid in enumerate(chosen_service_ids(form, catalog)):
        service = catalog.service(sid)
        assert service is not None
        line = ServiceLineInput(sid)
        paths[f"services[{i}].id"] = "services"
        if service.is_hourly:
            line.hourly = HourlyInput(form.get(f"workers-{sid}", "1"), form.get(f"minutes-{sid}", str(service.duration_minutes)))
            paths[f"services[{i}].hourly"] = paths[f"services[{i}].hourly.quantity"] = f"workers-{sid}"
            paths[f"services[{i}].hourly.minutes"] = f"minutes-{sid}"
        for extra in service.extras:
            quantity = form.get(f"extra-{sid}-{extra.id}", "").strip()
            if quantity not in ("", "0"):
                paths[f"services[{i}].extras[{len(line.extras)}].quantity"] = f"extra-{sid}-{extra.id}"
                line.extras.append(ExtraInput(extra.id, quantity))
        for parameter in service.parameters:
            # Not on the page yet (the service was just ticked): the form shows the minimum.
            quantity = form.get(f"param-{sid}-{parameter.id}", str(parameter.min_quantity)).strip()
            if quantity != "":
                paths[f"services[{i}].pricing_parameters[{len(line.pricing_parameters)}].quantity"] = f"param-{sid}-{parameter.id}"
                line.pricing_parameters.append(ParameterInput(parameter.id, quantity))
        lines.append(line)
    answers = []
    for f in catalog.fields_for([line.id for line in lines]):
        name = f"field-{f.id}"
        paths[f"custom_fields.{f.id}"] = name
        answer = _answer(f, form)
        if answer is not None:
            prefix = f"custom_fields[{len(answers)}]"
            for suffix in ("", ".value", ".values", ".id"):
                paths[prefix + suffix] = name
            for j in range(len(answer.values or [])):
                paths[f"{prefix}.values[{j}].id"] = paths[f"{prefix}.values[{j}].other"] = name
            answers.append(answer)
    request = BookingRequest(
        services=lines,
        start_date=form.get("date") or None,
        start_time=form.get("time") or None,
        agent_id=form.get("agent_id") or "any",
        location_id=form.get("location_id") or None,
        frequency_id=form.get("frequency_id") or None,
        discount_code=(form.get("discount_code") or "").strip() or None,
        tip=(form.get("tip") or "0").strip() or "0",
        payment_method=form.get("payment_method") or PaymentMethod.CASH.value,
        customer_notes=form.get("customer_notes", ""),
        custom_fields=answers,
        original_booking_id=form.get("original_booking_id") or None,
        expected_total=form.get("expected_total") or None,
        # The customer form shows a "text me" box (sms_choice marks it); without it the profile's choice holds.
        sms_notifications=(form.get("sms_notifications") == "1") if form.get("sms_choice") else None,
        **{a: form.get(a, "") for a in ADDRESS},
        **(_customer_step(form) if staff else {}),
    )
    return ParsedForm(request, paths)


def _customer_step(form: MultiDict[str, str]) -> dict[str, Any]:
    """The back office form's customer (chosen, or new) and staff notes."""
    if form.get("customer_id"):
        who: dict[str, Any] = {"customer_id": form["customer_id"]}
    else:
        who = {"customer": CustomerInput(form.get("customer_first_name", ""), form.get("customer_last_name", ""),
                                         form.get("customer_email", ""), form.get("phone", ""))}
    return who | {"staff_notes": form.get("staff_notes", "")}


def _answer(f: CustomField, form: MultiDict[str, str]) -> FieldAnswer | None:
    name = f"field-{f.id}"
    kind = FieldType(f.field_type)
    if kind.has_options:
        chosen = [v for v in form.getlist(name) if v]
        if not chosen:
            return None
        return FieldAnswer(f.id, values=[OptionAnswer(id_or_none(v) or v, form.get(f"{name}-other-{v}") or None) for v in chosen])
    if kind == FieldType.CHECKBOX:
        return FieldAnswer(f.id, value="true" if form.get(name) else "false")
    value = form.get(name, "").strip()
    if not value:
        return None
    if kind == FieldType.DATETIME and len(value) == 16:
        value += ":00"  # <input type="datetime-local"> sends no seconds
    return FieldAnswer(f.id, value=value)


def errors_for_inputs(details: dict[str, Any], paths: dict[str, str]) -> dict[str, str]:
    """Domain error paths as the names of the inputs to show them next to."""
    shown: dict[str, str] = {}
    for path, message in details.items():
        shown.setdefault(paths.get(path, "form"), str(message))
    return shown


def request_as_form(request: BookingRequest) -> MultiDict[str, str]:
    """A prepared request (book this again) as form values to pre-fill the page."""
    data: MultiDict[str, str] = MultiDict()
    for line in request.services:
        data.add("services", str(line.id))
        if line.hourly is not None:
            data[f"workers-{line.id}"] = str(line.hourly.quantity)
            data[f"minutes-{line.id}"] = str(line.hourly.minutes)
        for e in line.extras:
            data[f"extra-{line.id}-{e.id}"] = str(e.quantity)
        for p in line.pricing_parameters:
            data[f"param-{line.id}-{p.id}"] = str(p.quantity)
    for answer in request.custom_fields:
        if answer.values is not None:
            for v in answer.values:
                data.add(f"field-{answer.id}", str(v.id))
                if v.other:
                    data[f"field-{answer.id}-other-{v.id}"] = str(v.other)
        elif answer.value not in (None, "false"):
            data[f"field-{answer.id}"] = str(answer.value)[:16] if len(str(answer.value)) == 19 else str(answer.value)
    for name in ("location_id", "frequency_id", "payment_method", "customer_notes", "original_booking_id", *ADDRESS):
        value = getattr(request, name)
        if value not in (None, ""):
            data[name] = str(value)
    if request.agent_id not in (None, "any"):
        data["agent_id"] = str(request.agent_id)
    return data
