"""Custom fields: questions asked with some services, answered by the customer or by
staff; a question with options keeps them as lines of text."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.orm import Session

from ..errors import FieldErrors
from ..models import CustomField, CustomFieldOption, FieldType, FieldVisibility, Service
from ..validation import as_bool
from .base import CatalogType, Changes
from .values import Choice, Flag, Int, Related, Text, Values

MAX_OPTION = 200  # characters of one option


@dataclass(frozen=True)
class CustomFieldInput:
    label: Annotated[str, Text(required=True, max_length=200)]
    field_type: Annotated[str, Choice.of(FieldType, required=True)]
    required: Annotated[bool, Flag()]
    visibility: Annotated[str, Choice.of(FieldVisibility, required=True)]
    help_text: Annotated[str, Text(max_length=255)]
    position: Annotated[int, Int(required=True, lo=0, hi=10_000)]
    services: Annotated[list[Service], Related(model=Service)]


class CustomFields(CatalogType[CustomFieldInput]):
    key = "fields"
    model = CustomField
    noun = "custom field"
    input = CustomFieldInput
    search = ("label",)
    defaults = {"field_type": "single_line", "visibility": FieldVisibility.CUSTOMER, "position": 0}

    def added(self, session: Session, obj: Any, values: Values, errors: FieldErrors) -> Changes:
        """Options are edited as lines of text (`options`; `last_is_other`: the last one
        takes a text of the customer's own); answers keep the label they were given, so
        options can be renamed or removed without touching bookings."""
        labels = [line.strip() for line in str(values.get("options") or "").splitlines() if line.strip()]
        if FieldType(obj.field_type).has_options and not labels:
            errors.add("options", "Give at least one option, one per line.")
            return {}
        if any(len(label) > MAX_OPTION for label in labels):
            errors.add("options", f"Each option is at most {MAX_OPTION} characters.")
            return {}
        other = bool(as_bool(errors, "last_is_other", values.get("last_is_other") or ""))
        before = [o.label + (" (other)" if o.allows_other else "") for o in obj.options]
        existing = list(obj.options)
        kept: list[CustomFieldOption] = []
        for i, label in enumerate(labels):
            option = existing[i] if i < len(existing) else CustomFieldOption(label=label)
            option.label, option.position, option.allows_other = label, i, other and i == len(labels) - 1
            kept.append(option)
        obj.options = kept
        after = [o.label + (" (other)" if o.allows_other else "") for o in kept]
        return {"options": (before, after)} if before != after else {}

    def form_extras(self, obj: Any | None) -> dict[str, Any]:
        options = list(obj.options) if obj is not None else []
        return {"options": "\n".join(o.label for o in options), "last_is_other": bool(options and options[-1].allows_other)}


CUSTOM_FIELDS = CustomFields()
