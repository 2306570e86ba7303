"""The hostile corpus: values a person or client can send that have crashed parsers
before (unicode digits, signs, overflowing dates and numbers, NUL, lone surrogates,
very long text). Shared by the parser tests and the every-route test."""
from __future__ import annotations

LONG = "x" * 20_000

# Text as it can arrive in a path, a query string or a form field.
CORPUS: list[str] = [
    "²", "①", "٣", "--1", "-0", "-1", " 1", "1 ", "+1", "1e3", "0x10", "1.5", "1_000", "0", "00",
    str(2**31), str(2**63), "9" * 40, "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "10:07",
    "24:00", "9:00", "2026-12-01T25:00", "\x00", "a\x00b", "\ud800", LONG, "", " ", "null", "[]", "NaN",
    "Infinity", "-Infinity", "1e999", "nl@example.com\r\nbcc:x@evil.example", "<script>x</script>", "../..",
    "true", "%00",
]
# The sharpest ones, sent one field at a time with every other field valid.
SHARP: list[str] = ["²", "--1", str(2**63), "9999-12-31", "0001-01-01", "\x00", "\ud800", LONG]
# Form fields: a lone surrogate cannot arrive in one (it is decoded as U+FFFD).
SHARP_FORM: list[str] = ["²", "--1", str(2**63), "9999-12-31", "\x00", LONG]
# What can stand in for an id in a path.
PATH: list[str] = ["²", "①", "٣", "--1", "-0", " 1", "1e3", "0x10", str(2**31), str(2**63), "9" * 40, "9999-12-31", "0001-01-01",
                   "\x00", "\ud800", LONG]
# For the callers after the first on a route (the first gets everything above): one value
# of each kind that reaches different code once the value is parsed the same way (refused
# by the converter, taken but naming nothing, NUL, a date, overlong). Measured with branch
# coverage: the other SHARP values ran no line or branch these did not, for any caller.
OTHER_CALLERS: list[str] = ["²", "--1", str(2**63), "9999-12-31", "\x00", LONG]
# What JSON can carry besides strings: wrong types, huge and odd numbers.
JSON_EXTRA: list[object] = [None, True, False, 0, -1, 2**31, 2**64, -(2**63) - 1, 1.5, 1e308, [], {}, [[[]]], {"a": {}}, ["\x00"]]
JSON_CORPUS: list[object] = [*CORPUS, *JSON_EXTRA]
JSON_SHARP: list[object] = [*SHARP, *JSON_EXTRA]
DEEP_JSON = b"[" * 100_000 + b"]" * 100_000
# Lengths a list is sent at, each double the one before: every list a client can send
# (JSON lists in API bodies, repeated form fields) at each length. The answer must stay
# clear (a 422 or 413 naming the limit, no 5xx); bench/lists.py times the same doubling.
DOUBLING: list[int] = [500, 1000, 2000, 4000, 8000]
# An address that would add a header to a mail if it were let through.
BAD_EMAIL = "nl@example.com\r\nbcc:x@evil.example"
