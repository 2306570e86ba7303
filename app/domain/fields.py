"""Answers to custom fields, checked by the field's type."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .errors import FieldErrors
from .inputs import FieldAnswer
from .models import CustomField, FieldType, field_services
from .validation import BadValue, as_id, as_text, parse_date, parse_local_datetime

T = TypeVar("T")

MAX_ANSWER = 5000


@dataclass
class CleanAnswer:
    field: CustomField
    value: str | None
    options: list[dict[str, Any]] | None


def fields_for_services(session: Session, service_ids: list[int], *, include_staff: bool) -> list[CustomField]:
    """The active fields that apply to any of the services, in display order."""
    query = (
        select(CustomField)
        .where(
            CustomField.active.is_(True),
            CustomField.id.in_(select(field_services.c.field_id).where(field_services.c.service_id.in_(service_ids))),
        )
        .options(selectinload(CustomField.options))
        .order_by(CustomField.position, CustomField.id)
    )
    fields = list(session.scalars(query))
    return [f for f in fields if include_staff or not f.staff_only]


def clean_answers(
    fields: list[CustomField], answers: list[FieldAnswer] | None, errors: FieldErrors, *, enforce_required: bool
) -> list[CleanAnswer]:
    """Validate answers against the fields that apply; each problem goes to
    custom_fields[i] (or custom_fields for a missing required answer)."""
    by_id = {f.id: f for f in fields}
    if answers is None:
        answers = []
    if not isinstance(answers, list):
        errors.add("custom_fields", "Must be a list.")
        return []
    if len(answers) > len(fields):
        # Each question is answered at most once: a longer list can only repeat or
        # invent answers, so it is refused before any of it is read.
        if fields:
            errors.add("custom_fields", f"At most {len(fields)} answers: one for each question of the chosen services.")
        else:
            errors.add("custom_fields[0].id", "The chosen services ask no questions.")
        return []
    clean: list[CleanAnswer] = []
    answered: set[int] = set()
    failed: set[Any] = set()  # ids whose answer had a problem: reported there, not again as missing
    for i, answer in enumerate(answers):
        path = f"custom_fields[{i}]"
        before = len(errors.errors)
        result = _clean_listed(by_id, answered, answer, errors, path)
        if result is not None:
            clean.append(result)
        if len(errors.errors) != before and isinstance(answer.id, int | str):
            failed.add(answer.id)
    if enforce_required:
        given = {c.field.id for c in clean if _is_answered(c)}
        for field in fields:
            if field.required and field.id not in given and field.id not in failed:
                errors.add(f"custom_fields.{field.id}", f"Please answer: {field.label}")
    return clean


def _clean_listed(by_id: dict[int, CustomField], answered: set[int], answer: FieldAnswer, errors: FieldErrors,
                  path: str) -> CleanAnswer | None:
    """One answer of the list: its question must apply and be answered only once."""
    field = _pick(errors, f"{path}.id", answer.id, by_id, answered,
                  missing=lambda fid: f"There is no question with id {fid} for the chosen services.", twice="This question is answered twice.")
    return _clean_one(field, answer, errors, path) if field is not None else None


def _pick(errors: FieldErrors, path: str, raw_id: Any, known: dict[int, T], seen: set[int], *,
          missing: Callable[[int], str], twice: str) -> T | None:
    """The item of `known` that `raw_id` names, if it is named for the first time (ids
    named so far are in `seen`, which this extends); otherwise a field error at `path`:
    not an id, `missing(id)` or `twice`."""
    item_id = as_id(errors, path, raw_id)
    if item_id is None:
        return None
    item = known.get(item_id)
    if item is None:
        errors.add(path, missing(item_id))
        return None
    if item_id in seen:
        errors.add(path, twice)
        return None
    seen.add(item_id)
    return item


def _is_answered(answer: CleanAnswer) -> bool:
    if answer.options is not None:
        return bool(answer.options)
    if answer.field.field_type == FieldType.CHECKBOX:
        return answer.value == "true"
    return bool(answer.value)


def _clean_one(field: CustomField, answer: FieldAnswer, errors: FieldErrors, path: str) -> CleanAnswer | None:
    kind = FieldType(field.field_type)
    if kind.has_options:
        if answer.values is None or answer.value is not None:
            errors.add(path, f"{field.label}: give the chosen options as values: [{{id, other}}].")
            return None
        if not isinstance(answer.values, list):
            errors.add(f"{path}.values", "Must be a list.")
            return None
        if kind != FieldType.CHECKBOXES and len(answer.values) > 1:
            errors.add(f"{path}.values", f"{field.label}: choose one option.")
            return None
        options = {o.id: o for o in field.options}
        if len(answer.values) > len(options):
            errors.add(f"{path}.values", f"{field.label}: at most {len(options)} options, each once.")
            return None
        chosen: list[dict[str, Any]] = []
        picked: set[int] = set()
        for j, item in enumerate(answer.values):
            option = _pick(errors, f"{path}.values[{j}].id", item.id, options, picked,
                           missing=lambda oid: f"{field.label}: there is no option with id {oid}.",
                           twice="This option is chosen twice.")
            if option is None:
                return None
            other = as_text(errors, f"{path}.values[{j}].other", item.other, max_length=MAX_ANSWER)
            if other is None:
                return None
            other = other or None
            if other and not option.allows_other:
                errors.add(f"{path}.values[{j}].other", f"{option.label} takes no other text.")
                return None
            chosen.append({"id": option.id, "label": option.label, "other": other})
        return CleanAnswer(field, None, chosen)
    if answer.values is not None:
        errors.add(path, f"{field.label}: give the answer as value, a string.")
        return None
    if not isinstance(answer.value, str):
        errors.add(f"{path}.value", "Must be text.")
        return None
    value = as_text(errors, f"{path}.value", answer.value, max_length=MAX_ANSWER)
    if value is None:
        return None
    if value and kind == FieldType.SINGLE_LINE and "\n" in value:
        errors.add(f"{path}.value", f"{field.label}: one line only.")
        return None
    if value and kind == FieldType.DATE:
        try:
            parse_date(value)
        except BadValue:
            errors.add(f"{path}.value", f"{field.label}: expected a date as YYYY-MM-DD.")
            return None
    if value and kind == FieldType.DATETIME:
        try:
            if len(value) != 19:
                raise BadValue(value)
            parse_local_datetime(value)
        except BadValue:
            errors.add(f"{path}.value", f"{field.label}: expected a date-time as YYYY-MM-DDTHH:MM:SS.")
            return None
    if kind == FieldType.CHECKBOX:
        if value not in ("true", "false", ""):
            errors.add(f"{path}.value", f"{field.label}: expected true or false.")
            return None
        value = value or "false"
    return CleanAnswer(field, value, None)
