"""Whether the first row of a text table is a header: the rules of :mod:`nndl.datasets.tables`'
module doc (names above numbers, pandas' and R's default names 0..n-1, classes above numbers,
a model's column names), and the cases asked about rather than guessed."""

from __future__ import annotations

import re
import warnings
from typing import Sequence

from ..errors import NNDLError, NNDLWarning, shorten
from .cells import MISSING, is_number

HEADER_SAMPLE = 200
"""Rows after the first looked at to decide whether the first is a header."""


def has_header(rows: list[list[str]], decimal: str, names: "Sequence[str] | None" = None,
                source: str = "the file", line: int = 1, counted: bool = True) -> bool:
    """Whether the first row is a header (the rules in the module doc); NNDLError asking for
    ``header=`` when the evidence points both ways. A first row of numbers counting 0..n-1
    or 1..n is a header only when ``counted`` (and then a warning says so: it may be data);
    else it is judged by the other rules, with a warning when they read it as data."""
    first, sample = rows[0], rows[1: HEADER_SAMPLE + 1]
    if names is not None and set(map(str, names)) <= set(first):
        try:  # numeric names: a row of data may hold them too, unless its contents say header
            said = not all(is_number(str(n), decimal) for n in names) \
                or _judged_header(first, sample, decimal, source, line)  # ('label' above 0/1)
        except NNDLError:  # (evidence both ways)
            said = False
        if not said:
            warnings.warn(NNDLWarning(
                f"{source}: line {line} ({shorten(', '.join(first), 80)}) is taken as a header "
                "(it holds the model's column names, which are numbers); if it is data, say "
                "so: header=False (nndl --no-header)"), stacklevel=2)
        return True
    if not any(is_number(c, decimal) for c in first):
        return True
    numbers = [c for c in first if is_number(c, decimal)]
    shown = shorten(", ".join(first), 80)
    if len(numbers) >= 2 and numbers in ([str(i) for i in range(len(numbers))],
                                         [str(i + 1) for i in range(len(numbers))]):
        if counted:  # pandas' and R's default column names 0..n-1 (1..n), and a label's
            warnings.warn(NNDLWarning(
                f"{source}: line {line} ({shown}) is taken as a header (pandas' or R's default "
                "column names); if it is data, say so: header=False (nndl --no-header)"),
                stacklevel=2)
            return True
        named = _judged_header(first, sample, decimal, source, line)
        if not named:
            warnings.warn(NNDLWarning(
                f"{source}: line {line} ({shown}) is read as data, as the model was trained on "
                "a file without a header; if it is a header (pandas' default column names), "
                "say so: header=True (nndl --header)"), stacklevel=2)
        return named
    return _judged_header(first, sample, decimal, source, line)


def _judged_header(first: list[str], sample: list[list[str]], decimal: str, source: str,
                   line: int) -> bool:
    """:func:`has_header`'s rules on the columns' contents (after the quick ones)."""
    columns = [[r[j] for r in sample if r[j].lower() not in MISSING] for j in range(len(first))]
    enough = len(sample) >= MIN_CLASS_SAMPLE
    named, why = False, ""  # a cell that reads as a column's name, and why it may not be one
    for cell, cells in zip(first, columns):
        if not cells or cell.lower() in MISSING:
            continue
        below_numbers = all(is_number(c, decimal) for c in cells)
        below_text = not any(is_number(c, decimal) for c in cells)
        if is_number(cell, decimal):
            named = named or (enough and below_text)  # a number above a text column
        elif below_numbers:
            named = True  # a name above numbers
        elif enough and below_text and cell not in cells and len(set(cells)) <= len(cells) // 2:
            # a label column's name above its repeated classes, or a class in row 1 only
            if not _whole_above_decimals(first, columns, decimal):
                why = (f"its {shorten(cell, 30)!r} is in no other row of its column, whose "
                       "values repeat, but its numbers look like data")
            named = True
    written = [c for c in first if is_number(c, decimal)]
    if named and not why and any(_written_with_decimals(c, decimal) for c in written):
        why = "it names a column but also holds numbers written with decimals, as data rows do"
    if not named and enough and _whole_above_decimals(first, columns, decimal):
        why, named = "it holds whole numbers and the rows below numbers with decimals", True
    if named and why:
        raise NNDLError(f"{source}: is line {line} ({shorten(', '.join(first), 80)}) a header? "
                        f"{why[0].upper() + why[1:]}; say which: header=True or header=False "
                        "(nndl --header or --no-header)")
    return named


def _whole_above_decimals(first: list[str], columns: list[list[str]], decimal: str) -> bool:
    """The first row's numbers all whole (``2019``), above columns written with decimals
    (``0.52``) but at most one (a label column of whole numbers)."""
    numeric = [cells for c, cells in zip(first, columns) if is_number(c, decimal)]
    if not all(_WHOLE.fullmatch(c) for c in first if is_number(c, decimal)):
        return False
    other = [cells for cells in numeric
             if not (cells and all(_written_with_decimals(c, decimal) for c in cells))]
    return len(other) <= 1 and len(other) < len(numeric)


MIN_CLASS_SAMPLE = 10
"""Rows after the first that header detection needs before it reads a column's repeated
values as classes, or a first row of whole numbers above decimals as ambiguous."""
_WHOLE = re.compile(r"[+-]?\d+")


def _written_with_decimals(cell: str, decimal: str) -> bool:
    """A number written with a fraction or an exponent (``0.5``, ``1e-3``; ``0,5`` with a
    decimal comma), not as a whole number."""
    return is_number(cell, decimal) and not _WHOLE.fullmatch(cell)
