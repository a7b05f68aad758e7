"""The decimal mark of a text table: a point, or a comma (``1,5`` in a ``;`` or tab separated
file), judged on the first rows by :mod:`nndl.datasets.tables` and settled on every row of the
columns read (:func:`decide_decimal`): a number with a point in a decimal-comma table is
refused, and so is a file whose every comma number reads as well with a thousands separator
(``44,170``: 44170 or 44.17?) unless the caller said the mark."""

from __future__ import annotations

import re
from operator import itemgetter
from typing import TYPE_CHECKING, Sequence

from ..errors import NNDLError, shorten
from .cells import is_number
from .headers import HEADER_SAMPLE

if TYPE_CHECKING:  # pragma: no cover
    from .tables import Table

DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")


def decimal_comma(rows: list[list[str]]) -> bool:
    """Numbers written with a decimal comma: some cell is ``1,5``-like and none ``1.5``-like."""
    cells = [c for r in rows for c in r]
    return any(DECIMAL_COMMA.fullmatch(c) for c in cells) \
        and not any("." in c and is_number(c) for c in cells)


def decide_decimal(table: Table, columns: Sequence[int]) -> None:
    """Settle ``table.decimal`` on every row of ``columns`` (the features and the label): a
    comma when they hold decimal-comma numbers (``10,5``) and no number with a point, though
    the rows the delimiter was judged on held whole numbers only. In a decimal-comma table a
    number with a point (``1.234``: a thousands separator?) is refused, never read as 1.234.
    (Text labels such as ``v1.2`` are not numbers and count for neither.)"""
    marks = table.marks
    pointed = _first_pointed(table, columns) if "." in marks else None
    if table.decimal == "." and not table.decimal_said and table.delimiter != "," \
            and "," in marks and pointed is None \
            and any(DECIMAL_COMMA.fullmatch(r[j]) for r in table.rows for j in columns
                    if "," in r[j]):
        table.decimal = ","
    if table.decimal == "," and pointed is not None:
        i, j = pointed
        where = f"{table.source}: line {table.line(i)}, {table.column(j)}"
        cell = shorten(repr(table.rows[i][j]), 40)
        if table.decimal_said:  # e.g. by a model trained on a file with decimal commas
            raise NNDLError(f"{where}: {cell} has a point, but the decimal mark said is ',' "
                            "(decimal=',' or nndl --decimal ,; nndl predict and evaluate take "
                            "the model's unless told); for a file with decimal points: "
                            "decimal='.' (nndl --decimal .)")
        raise NNDLError(f"{where}: {cell} has a point in a file whose numbers have decimal "
                        "commas (a thousands separator? write 1234 for 1.234)")
    if table.decimal == "," and not (table.decimal_said or table.decimal_proved):
        _refuse_thousands(table, columns)
        table.decimal_proved = True  # proved (by the label's 32,2 too): settled for later calls


_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2},\d{3}")
"""A number that reads as well with a thousands separator (``44,170``: 44170) as with a
decimal comma (44.17): 1 to 3 digits, not starting with 0, then exactly three."""


def _refuse_thousands(table: Table, columns: Sequence[int]) -> None:
    """NNDLError when every number with a comma in ``columns`` reads both ways (``44,170``,
    :data:`_THOUSANDS`): spreadsheets write US thousands separators in tab or ``;`` separated
    files too, and 44,170 read as 44.17 beside 800 read as 800 is silently wrong data. One
    comma number that a separator cannot make (``0,5``, ``12,25``, ``1234,5``) proves the
    decimal comma."""
    first = None
    for i, r in enumerate(table.rows):
        for j in columns:
            c = r[j]
            if "," not in c or not DECIMAL_COMMA.fullmatch(c):
                continue
            if not _THOUSANDS.fullmatch(c):
                return  # a decimal comma, beyond doubt
            first = first or (i, j)
    if first is None:
        return
    i, j = first
    cell = table.rows[i][j]
    whole = cell.replace(",", "")
    raise NNDLError(f"{table.source}: line {table.line(i)}, {table.column(j)}: "
                    f"{shorten(repr(cell), 40)} reads as {whole} (a thousands separator) or "
                    f"as {cell.replace(',', '.')} (a decimal comma), and so does every number "
                    "with a comma in the file (three digits after it); say which: a decimal "
                    "comma, decimal=',' (nndl --decimal ,), or a point, decimal='.' (nndl "
                    f"--decimal .), with the file rewritten as {whole} (a spreadsheet: format "
                    "the cells without thousands separators before saving)")


def _first_pointed(table: Table, columns: Sequence[int]) -> "tuple[int, int] | None":
    """(row, column) of the first number with a point in ``columns``, row by row; None if
    none. A file of such numbers has one in its first rows; else only the columns with a
    point somewhere (found at C speed) are looked through, not every cell of a big file."""
    def first(rows: "list[list[str]]", cols: Sequence[int]) -> "tuple[int, int] | None":
        return next(((i, j) for i, r in enumerate(rows) for j in cols
                     if "." in r[j] and is_number(r[j])), None)

    found = first(table.rows[:HEADER_SAMPLE], columns)
    if found is None and len(table.rows) > HEADER_SAMPLE:
        found = first(table.rows, [j for j in columns if "." in column_text(table, [j])])
    return found


def column_text(table: Table, columns: Sequence[int]) -> str:
    """The cells of ``columns`` in every row, joined (to ask at C speed whether any holds a
    character); a column at a time, by :func:`operator.itemgetter`."""
    return "".join("".join(map(itemgetter(j), table.rows)) for j in columns)
