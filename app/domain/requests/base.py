"""The strict base of every request model, and the one translation of pydantic's errors
into the app's field errors (ValidationFailed with `details` by field path)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import FieldErrors, ValidationFailed

# pydantic's error types for a value of the wrong JSON type where an object or a list was
# expected; the app words them once, like its parsers do.
_SHAPES = {
    "model_type": "Must be an object.", "model_attributes_type": "Must be an object.", "dict_type": "Must be an object.",
    "list_type": "Must be a list.", "tuple_type": "Must be a list.",
}
REQUIRED = "This field is required."
UNKNOWN = "Unknown field."


class RequestModel(BaseModel):
    """A request body as typed values. Strict: unknown fields are refused, nothing is
    coerced by pydantic; every field's type is one of `types.py`, whose validator is the
    app's own parser (validation.py), so the hostile-input guarantees are the parsers'.

    `INVALID` is the message of the ValidationFailed the body raises; `MISSING` words the
    error for a required field left out where "This field is required." is not the
    message the API has always given. With `UNKNOWN_FIRST` a body with unknown fields is
    refused for those alone (the customers API has always said so first)."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, hide_input_in_errors=True)

    INVALID: ClassVar[str] = "Some fields are not valid."
    MISSING: ClassVar[Mapping[str, str]] = {}
    UNKNOWN_FIRST: ClassVar[bool] = False

    @classmethod
    def parse(cls, data: Any, *, prefix: str = "", context: Mapping[str, Any] | None = None,
              message: str | None = None) -> Self:
        """The body as this model. Raises ValidationFailed naming every field that is wrong
        (paths under `prefix`, such as "bookings[3].")."""
        ruled = {path_of([name], prefix): text for name, text in cls.rules(data).items()} if isinstance(data, Mapping) else {}
        try:
            parsed = cls.model_validate(data, context=dict(context or {}))
        except ValidationError as exc:
            errors = ruled | {path: text for path, text in field_errors(exc, prefix=prefix, missing=cls.MISSING).items()
                              if path not in ruled}
            unknown = {path: text for path, text in errors.items() if text == UNKNOWN}
            if cls.UNKNOWN_FIRST and unknown:
                errors = unknown
            raise ValidationFailed(message or cls.INVALID, errors) from None
        if ruled:
            raise ValidationFailed(message or cls.INVALID, ruled)
        return parsed

    @classmethod
    def rules(cls, data: Mapping[str, Any]) -> dict[str, str]:
        """Problems of the body as a whole that no one field's type can see (a field
        required only without another one), by field name; they are reported with the
        fields' own, and take the place of a field's own error at the same path."""
        return {}

    def given(self) -> dict[str, Any]:
        """The fields the client sent (a partial update changes these and no others)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def path_of(loc: Iterable[int | str], prefix: str = "") -> str:
    """pydantic's location as the app writes a field path: customer.email, services[0].id."""
    path = prefix.rstrip(".")
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path or "body"


def field_errors(exc: ValidationError, *, prefix: str = "", missing: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each of pydantic's errors as (field path, message), the first per path: a parser's
    own message (BadValue) as it is, a missing field, an unknown one and a wrong shape in
    the words the app has always used."""
    errors = FieldErrors()
    for error in exc.errors(include_url=False, include_input=False, include_context=True):
        local = path_of(error["loc"])
        path = path_of(error["loc"], prefix)
        kind = error["type"]
        if kind == "missing":
            errors.add(path, (missing or {}).get(local, REQUIRED))
        elif kind == "extra_forbidden":
            errors.add(path, UNKNOWN)
        elif kind in _SHAPES:
            errors.add(path, _SHAPES[kind])
        elif kind == "value_error" and "error" in error.get("ctx", {}):
            errors.add(path, str(error["ctx"]["error"]))
        else:  # a pydantic check without a parser of ours behind it
            errors.add(path, error["msg"])
    return errors.errors


def json_schemas(*models: type[BaseModel], ref_template: str = "#/components/schemas/{model}") -> dict[str, Any]:
    """The JSON Schemas of `models` and of the models they nest, by name, for an OpenAPI
    document's components. pydantic's titles and defaults are left out: a default is
    what the server assumes, not a value a client is asked to send."""
    found: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template=ref_template, mode="validation")
        for name, nested in schema.pop("$defs", {}).items():
            found[name] = _tidy(nested)
        found[model.__name__] = _tidy(schema)
    return found


def _tidy(node: Any) -> Any:
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidy = {key: _tidy(value) for key, value in node.items() if key not in ("title", "default", "properties")}
    if "properties" in node:  # field names are kept whatever they are called
        tidy["properties"] = {name: _tidy(value) for name, value in node["properties"].items()}
    return tidy
