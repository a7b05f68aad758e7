"""Data read for a trained model: its feature columns matched by name, not by position.

A model trained on a table with a header stores the names of its feature columns, in the
order of the rows of X it was trained on. A file given later to evaluate or predict may hold
the same columns in another order, or hold more (an ID column, the label): its rows of X are
picked and reordered by name, so that feature j of the model is always the column named
``names[j]``. Columns the model needs and the file lacks, or columns the file holds and the
model does not know, are an :class:`~nndl.errors.NNDLError` naming them: a silently
misaligned column gives a quietly wrong answer, the worst thing nndl can do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Sequence

from ..errors import NNDLError, shorten
from ..labels import NameIndex
from .base import Dataset


def check_columns(have: Sequence[str], names: Sequence[str], source: str,
                  ignore: Sequence[str] = ()) -> list[str]:
    """The model's feature ``names`` (returned as a list of str), checked against the
    columns a file ``have``s: every name must be there, once; any other column must be in
    ``ignore`` (the label column, columns dropped at training). NNDLError naming the missing
    or unknown columns otherwise. Pass the result as ``features=`` to a loader to read the
    columns in the model's order, whatever their order in the file."""
    names = [str(n) for n in names]
    _positions([str(h) for h in have], names, source, ignore)
    return names


def _positions(have: list[str], names: list[str], source: str,
               ignore: Sequence[str]) -> list[int]:
    """The column of ``have`` of each of ``names`` (:func:`check_columns`' checks)."""
    where = NameIndex(have)  # exact, else in one Unicode form; wide files: no O(n^2)
    found = [where.find(n) for n in names]
    missing = [n for n, i in zip(names, found) if i is None]
    if missing:
        raise NNDLError(f"{source} lacks {len(missing)} of the model's feature columns: "
                        f"{shorten(missing, 200)} (the model was trained on "
                        f"{shorten(names, 300)}, matched by name)")
    used, ignored = set(found), NameIndex(ignore)
    extra = [h for i, h in enumerate(have) if i not in used and h not in ignored]
    if extra:
        raise NNDLError(f"{source} has columns the model was not trained on: "
                        f"{shorten(extra, 200)}; leave them out with --drop (or drop=) or "
                        f"remove them (the model's features: {shorten(names, 300)})")
    counts = Counter(have)
    twice = sorted({have[i] for i in found if counts[have[i]] > 1})
    if twice:
        raise NNDLError(f"{source} names a column twice: {shorten(twice, 200)}; columns are "
                        "matched by name")
    return found  # type: ignore[return-value]  # (none is None: missing ones raised)


def match_features(data: Dataset, names: Sequence[str], source: str,
                   ignore: Sequence[str] = ()) -> Dataset:
    """``data`` with its feature rows in the order of ``names`` (the model's features).

    Parameters
    ----------
    data : read from a file with a header (``data.feature_names`` set); without names it is
        returned unchanged (only positions exist; the caller checks the width).
    names : the model's feature names, one per row of its X, in order.
    source : the file, for messages.
    ignore : feature columns of ``data`` that the model does not use and may be present
        (columns dropped at training).

    Returns
    -------
    Dataset : ``X`` (len(names), m), ``feature_names == list(names)``.
    """
    have = data.feature_names
    if have is None:
        return data
    names = [str(n) for n in names]
    rows = _positions([str(h) for h in have], names, source, ignore)  # each name's column
    if rows == list(range(len(have))):
        return data
    return replace(data, X=data.X[rows], feature_names=names)
