"""Cells for CSV files that people open in a spreadsheet."""
from __future__ import annotations

from typing import Any

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV
# Injection"): =HYPERLINK(...) in a customer's name would run on the office's machine.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """The value as a CSV cell: text that a spreadsheet would take for a formula gets a
    leading apostrophe (shown as text, not evaluated); numbers are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
