"""CSV exports a spreadsheet can open without running anything: every cell that a spreadsheet would read as
a formula is neutralised (OWASP "CSV injection"). Pure: pandas only; JSON exports are left as data."""

from __future__ import annotations

import csv

import pandas as pd

# A spreadsheet reads a cell starting with one of these as a formula (tab and carriage return because some
# importers strip them and then see what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value: object) -> object:
    """`value` with a leading `'` when it is text a spreadsheet would evaluate; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a formula (numbers stay numbers: -2 as an int is data,
    "-2" as text is prefixed, as OWASP advises)."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_bool_dtype(safe[column]):
            safe[column] = safe[column].map(csv_safe_cell)
    safe.columns = [csv_safe_cell(c) for c in safe.columns]
    return safe


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The one way the app writes a CSV for download: neutralised cells, every cell quoted, UTF-8, no index.
    Quoting every cell (OWASP's second half) matters: with pandas' default minimal quoting a carriage return
    inside a name is written bare, a spreadsheet starts a new row there, and what follows it (`=x`) is a
    cell of its own that no prefix protects."""
    return csv_safe(frame).to_csv(index=False, quoting=csv.QUOTE_ALL).encode("utf-8")
