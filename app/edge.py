"""What every request passes before a view sees it: ids in paths are parsed strictly,
and text the database cannot store (NUL and other control characters) is refused
here, once, for pages and API alike. Size limits are Flask's own MAX_CONTENT_LENGTH and
MAX_FORM_PARTS (a 413, in the API's error envelope under /api/); the field count holds
for url-encoded forms too, where werkzeug applies it only to multipart bodies."""
from __future__ import annotations

import io
from typing import IO, Any

from flask import Flask, Request, abort, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.routing import BaseConverter, ValidationError

from .domain.errors import ValidationFailed
from .domain.validation import BadValue, check_text, parse_id


class IdConverter(BaseConverter):
    """A database id in a path: ASCII digits, 1 to 2**31 - 1. Anything else is no
    match, so a 404, instead of werkzeug's `\\d+` (which takes "٣") or a number too
    large for the database's integer column."""

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        try:
            return parse_id(value)
        except BadValue:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(int(value))


class CountedFormParser(FormDataParser):
    """Refuses a url-encoded body of more than max_form_parts fields before decoding it:
    150,000 junk fields would otherwise be decoded, checked and copied by every view
    that reads the form, all under the 2 MB body limit."""

    def _parse_urlencoded(self, stream: IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]) -> Any:
        if self.max_form_parts is None:
            return super()._parse_urlencoded(stream, mimetype, content_length, options)
        body = stream.read()  # already limited to MAX_CONTENT_LENGTH by werkzeug
        if body.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge(f"At most {self.max_form_parts} form fields in one request.")
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)


def count_form_fields(app: Flask) -> None:
    """Call after every extension that sets its own request class (htmx does): the
    app's request class, whatever it is, parses forms with CountedFormParser."""
    base: type[Request] = app.request_class
    app.request_class = type("CountedFormRequest", (base,), {"form_data_parser_class": CountedFormParser})


def unstorable_fields() -> dict[str, str]:
    """Query and form fields holding text the database cannot store, with the reason."""
    found: dict[str, str] = {}
    sources = [request.args] if request.path.startswith("/api/") else [request.args, request.form]
    for source in sources:
        for name, value in source.items(multi=True):
            for text in (name, value):
                try:
                    check_text(text)
                except BadValue as exc:
                    found.setdefault(name, str(exc))
    return found


def init_app(app: Flask) -> None:
    """Call before the blueprints are registered: their <int:...> rules use IdConverter."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["id"] = IdConverter

    @app.before_request
    def _refuse_unstorable_text() -> None:
        if "\x00" in request.path:
            abort(404)
        problems = unstorable_fields()
        if not problems:
            return
        if request.path.startswith("/api/"):
            raise ValidationFailed("Some text in the request cannot be stored.", problems)
        abort(400, "Some fields hold characters that are not allowed (such as NUL); remove them and try again.")
