"""Query strings of GET endpoints: known names only, each given once.

A misspelt or foreign filter (LatePoint's `date_from`, `search`) would otherwise be
ignored and the client would get the whole unfiltered list as if it had been applied.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask import request

from ..domain.errors import FieldErrors

# Parameters whose empty value means something (no search text); any other given empty
# is refused rather than read as left out.
FREE_TEXT = ("q",)


def query_args(allowed: Iterable[str] | None = None) -> dict[str, str]:
    """The query string as a dict. Raises ValidationFailed naming every unknown,
    repeated or empty parameter. The parameters an endpoint takes are, unless given, the
    ones the OpenAPI document lists for it: one declaration, so the server cannot take a
    parameter the document does not name, nor the document name one the server ignores."""
    if allowed is None:
        from .openapi import query_parameter_names  # the document imports the routes

        rule = request.url_rule.rule if request.url_rule is not None else request.path
        allowed = query_parameter_names("GET" if request.method == "HEAD" else request.method, rule)
    known = set(allowed)
    errors = FieldErrors()
    for name in request.args:
        if name not in known:
            errors.add(name, f"Unknown query parameter; this endpoint takes {', '.join(sorted(known)) or 'none'}.")
        elif len(request.args.getlist(name)) > 1:
            errors.add(name, "Give this parameter once.")
        elif request.args[name] == "" and name not in FREE_TEXT:
            errors.add(name, "Give a value, or leave the parameter out.")
    unknown = [name for name in errors.errors if name not in known]
    message = f"Unknown query parameter: {', '.join(unknown)}." if unknown else "A query parameter is not valid."
    errors.raise_if_any(message)
    return request.args.to_dict()
