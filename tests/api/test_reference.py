"""docs/api.md is the OpenAPI document written out: they cannot drift apart."""
from __future__ import annotations

from app.api.openapi import DOCUMENT
from app.api.reference import METHODS, TARGET, operations_in, render


def test_every_operation_of_the_document_is_in_the_docs_and_nothing_else():
    documented = operations_in(TARGET.read_text(encoding="utf-8"))
    served = {(method.upper(), path) for path, item in DOCUMENT["paths"].items() for method in METHODS if method in item}
    assert served - documented == set(), "in openapi.json but missing from docs/api.md"
    assert documented - served == set(), "in docs/api.md but not in openapi.json"


def test_the_docs_are_exactly_what_the_generator_writes():
    assert TARGET.read_text(encoding="utf-8") == render(), "run: .venv/bin/python -m app.api.reference"


def test_the_served_document_is_the_one_the_docs_are_written_from(anon):
    assert anon.get("/openapi.json").get_json() == DOCUMENT
