"""CSV that Excel opens safely: UTF-8 with a byte-order mark (so Chinese shows), and no
cell Excel would run as a formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
# A cell starting with one of these is read by spreadsheets as a formula (CSV injection);
# tab and carriage return can hide one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text, with a leading ``'`` if a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The table as CSV text starting with a BOM, every cell made formula-safe."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
