"""The API reference in docs/api.md, written from the OpenAPI document, so the two
cannot drift: tests/api/test_reference.py fails when the file is not what this
module writes. After changing the API: `.venv/bin/python -m app.api.reference`."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..domain.validation import DATE_PATTERN, FIRST_DATE, INSTANT_PATTERN, LAST_DATE, TEXT_PATTERN
from .openapi import DOCUMENT

TARGET = Path(__file__).resolve().parents[2] / "docs" / "api.md"
METHODS = ("get", "post", "put", "patch", "delete")
INTRO = """\
# API reference

Generated from the OpenAPI document the portal serves at `GET /api/v1/openapi.json`
(`app/api/openapi.py`) by `.venv/bin/python -m app.api.reference`; a test fails when
this file and the document disagree. The README's "JSON API" section has worked
examples and the choices the API makes.
"""


def _resolve(schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(name, schema) of a schema that may be a $ref to a component."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return name, DOCUMENT["components"]["schemas"][name]
    return "", schema


def type_of(schema: dict[str, Any]) -> str:
    name, body = _resolve(schema)
    props = body.get("properties", {})
    if not name and props.get("status") == {"const": "success"} and "data" in props:
        if "meta" in props:
            return f"`{{\"status\": \"success\", \"data\": [...], \"meta\": ...}}`, data items: {type_of(props['data'].get('items', {}))}"
        return f"`{{\"status\": \"success\", \"data\": ...}}`, data: {type_of(props['data'])}"
    if name:
        return f"[{name}](#{name.lower()})"
    if "const" in body:
        return f"`{json.dumps(body['const'])}`"
    if "enum" in body:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in body["enum"])
    if "oneOf" in body or "anyOf" in body:
        return " or ".join(type_of(s) for s in body.get("oneOf") or body["anyOf"])
    kind = body.get("type", "any")
    if kind == "array":
        return f"array of {type_of(body.get('items', {}))}"
    text = " or ".join(kind) if isinstance(kind, list) else kind
    if body.get("pattern") in (DATE_PATTERN, INSTANT_PATTERN):
        text += f" ({body['format']}, years {FIRST_DATE.year}-{LAST_DATE.year})"
    elif body.get("format"):
        text += f" ({body['format']})"
    elif body.get("pattern") == TEXT_PATTERN:
        text += " (no control characters)"
    elif len(body.get("pattern", "")) > 80 and body.get("description"):
        # A long pattern said in words (the document keeps the pattern itself).
        text += f" ({body['description']})"
    elif body.get("pattern"):
        text += f" (`{body['pattern']}`)"
    bounds = [f"≥ {body['minimum']}" if "minimum" in body else "", f"≤ {body['maximum']}" if "maximum" in body else "",
              f"at least {body['minLength']} characters" if body.get("minLength", 0) > 1 else
              "not empty" if body.get("minLength") == 1 else "",
              f"at most {body['maxLength']} characters" if "maxLength" in body else "",
              f"at least {body['minItems']} items" if "minItems" in body else "",
              f"at most {body['maxItems']} items" if "maxItems" in body else ""]
    extra = ", ".join(b for b in bounds if b)
    return f"{text}, {extra}" if extra else text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _parameters(operation: dict[str, Any], shared: list[dict[str, Any]]) -> list[str]:
    params = []
    for param in shared + operation.get("parameters", []):
        if "$ref" in param:
            param = DOCUMENT["components"]["parameters"][param["$ref"].rsplit("/", 1)[1]]
        params.append(param)
    if not params:
        return []
    lines = ["| parameter | in | type | required | meaning |", "| --- | --- | --- | --- | --- |"]
    for p in params:
        lines.append(f"| `{p['name']}` | {p['in']} | {type_of(p.get('schema', {}))} | {'yes' if p.get('required') else 'no'} "
                     f"| {_cell(p.get('description', ''))} |")
    return lines + [""]


def _content_schema(block: dict[str, Any]) -> dict[str, Any] | None:
    for content in block.get("content", {}).values():
        return content.get("schema")
    return None


def _operation(method: str, path: str, operation: dict[str, Any], shared: list[dict[str, Any]]) -> list[str]:
    lines = [f"### {method.upper()} {path}", "", operation.get("summary", "") + ".", ""]
    if operation.get("description"):
        lines += [operation["description"], ""]
    security = operation.get("security")
    schemes = sorted({name for requirement in (security if security is not None else DOCUMENT.get("security", [])) for name in requirement})
    auth = {"apiKey": "`X-API-Key`", "bearer": "`Authorization: Bearer`"}
    words = " or ".join(auth.get(s, s) for s in schemes) if schemes else "none"
    if schemes and {} in (security or []):
        words += "; or none (public reads, `PUBLIC_API_READS`)"
    lines += [f"Authentication: {words}.", ""]
    lines += _parameters(operation, shared)
    if "requestBody" in operation:
        schema = _content_schema(operation["requestBody"])
        lines += [f"Body: {type_of(schema) if schema else 'none'}.", ""]
    lines += ["| status | answer |", "| --- | --- |"]
    errors = [status for status, response in operation["responses"].items() if response.get("$ref") == "#/components/responses/Error"]
    for status, response in operation["responses"].items():
        if status in errors:
            continue
        schema = _content_schema(response)
        shape = type_of(schema) if schema else ""
        media = next(iter(response.get("content", {})), "")
        lines.append(f"| {status} | {_cell(response.get('description', ''))}{': ' + shape if shape else ''}"
                     f"{' (' + media + ')' if media and media != 'application/json' else ''} |")
    if errors:
        lines.append(f"| {', '.join(errors)} | the error envelope: [Error](#error) |")
    return lines + [""]


def _schema_section(name: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    properties = schema.get("properties")
    if not properties:
        return lines + [f"{type_of(schema)}.", ""]
    required = set(schema.get("required", []))
    closed = schema.get("additionalProperties") is False
    lines += ([f"Other fields are refused."] if closed else []) + ([""] if closed else [])
    lines += ["| field | type | always present / required |", "| --- | --- | --- |"]
    for field, sub in properties.items():
        lines.append(f"| `{field}` | {_cell(type_of(sub))} | {'yes' if field in required else 'no'} |")
    return lines + [""]


def render(document: dict[str, Any] = DOCUMENT) -> str:
    """The whole reference as Markdown."""
    lines = [INTRO, "## Overview", "", document["info"]["description"], "", "## Operations", ""]
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                lines += _operation(method, path, item[method], shared)
    lines += ["## Objects", ""]
    for name, schema in document["components"]["schemas"].items():
        lines += _schema_section(name, schema)
    return "\n".join(lines).rstrip() + "\n"


def operations_in(markdown: str) -> set[tuple[str, str]]:
    """The (METHOD, path) headings of a reference file."""
    found = set()
    for line in markdown.splitlines():
        if line.startswith("### ") and " /" in line:
            method, _, path = line[4:].partition(" ")
            if method.lower() in METHODS:
                found.add((method, path))
    return found


def main() -> None:
    TARGET.parent.mkdir(exist_ok=True)
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")


if __name__ == "__main__":
    main()
