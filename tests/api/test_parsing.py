"""Reading request bodies (app/api/parsing.py): strict JSON only, and nesting too deep
for the parser is invalid JSON, not a crash."""
from __future__ import annotations

import pytest


def test_deeply_nested_json_is_invalid_json_not_a_crash(anon):
    response = anon("POST", "/login", raw=b"[" * 200_000 + b"]" * 200_000)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": 1e999}', b'{"email": "x", "password": Infinity}',
                                 b'{"a":' * 25 + b"1" + b"}" * 25])
def test_json_that_is_not_strict_json_is_invalid_json(anon, raw):
    response = anon("POST", "/login", raw=raw)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "invalid_json"
