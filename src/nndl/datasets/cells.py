"""What one cell of a text table is: a number (with a decimal point or comma), or missing."""

from __future__ import annotations

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?", "#n/a"})
"""Cells (any case, spaces stripped) that mean a missing value."""


def is_number(cell: str, decimal: str = ".") -> bool:
    """Whether ``cell`` reads as a number (``decimal`` ``,``: ``1,5`` is 1.5)."""
    try:
        float(cell.replace(",", ".") if decimal == "," else cell)
    except ValueError:
        return False
    return True
