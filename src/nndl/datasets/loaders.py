"""Loaders for user files: ``load(path)`` dispatches on what the path is.

| path                              | read as                                                   |
|-----------------------------------|-----------------------------------------------------------|
| ``*.csv``, ``*.tsv``, ``*.txt``   | one sample per row; the label column is ``label`` (a name |
| (each also ``*.gz``)              | or an index, default the last column); the header row,    |
|                                   | delimiter and decimal comma are detected                  |
|                                   | (:mod:`nndl.datasets.tables`)                             |
| ``*.npz``                         | arrays ``X`` (m, ...) and ``y`` (m,) (or ``keys=("X",    |
|                                   | "Y")``)                                                   |
| ``*.h5``, ``*.hdf5``              | the course's cat files (detected), else datasets ``keys`` |
|                                   | (default ``X``/``y``)                                     |
| a folder                          | images, one sub-folder per class (Pillow; RGB; resized);  |
|                                   | or images directly in it: unlabeled, for prediction, with |
|                                   | their file names in ``Dataset.sample_names``              |
|                                   | (:mod:`nndl.datasets.images`)                             |
| ``*.png``, ``*.jpg``, ...         | one image, unlabeled (for prediction)                     |

**Files store samples as rows**, as every other tool does (NumPy, pandas, scikit-learn): ``X``
is (m, n) and ``y`` is (m,). nndl turns them into its own layout, samples as columns:
``Dataset.X`` is (n, m) and ``Dataset.Y`` is (1, m) (:mod:`nndl.datasets.arrays`, which reads
NPZ and HDF5 files and arrays from Python).

Columns: ``features=[...]`` keeps only those feature columns (names from the header, or
indices), in that order; ``drop=[...]`` removes some (an ID column). Missing values (empty
cells, ``NA``...) are an error naming the line and column, or, with ``drop_missing=True``,
their rows are left out. A CSV's header names become ``Dataset.feature_names``.

Only regular files are read (a FIFO, a device or a symlink loop is refused), and sizes are
checked before allocating (:mod:`nndl.limits`; ``max_bytes=`` raises the limit). How labels
become classes or regression targets is in :mod:`nndl.datasets.base`. Every problem raises
:class:`~nndl.errors.NNDLError` naming the file and what is wrong.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import NNDLError, shorten
from ..files import regular_file
from ..labels import NameIndex
from ..limits import Budget
from ..validation import check_number
from .arrays import from_arrays, load_hdf5, load_npz
from .base import Dataset, text_array
from .cells import is_number
from .decimals import decide_decimal
from .images import IMAGE_SUFFIXES, load_image_folder, load_images
from .tables import TEXT_SUFFIXES, is_table, missing_rows, number_cells, read_table, \
    refuse_missing

Columns = "Sequence[str | int] | None"


def load(
    path: "str | os.PathLike",
    label: "str | int | bool | None" = None,
    keys: "Sequence[str] | None" = None,
    image_size: tuple[int, int] = (64, 64),
    *,
    task: "str | None" = None,
    classes: "Sequence[str] | None" = None,
    features: Columns = None,
    drop: Columns = None,
    drop_missing: bool = False,
    header: "bool | None" = None,
    decimal: "str | None" = None,
    max_bytes: "int | str | None" = None,
) -> Dataset:
    """Read a data file or folder into a :class:`Dataset` (samples as columns).

    Parameters
    ----------
    path : a ``.csv``/``.tsv``/``.txt`` file (or the same gzipped, ``.csv.gz``), an ``.npz``,
        an ``.h5``/``.hdf5`` file, an image file, a folder of images with one sub-folder per
        class, or a folder of images alone (unlabeled; ``sample_names`` holds the file names).
    label : tables: the label column, by header name or index (negative counts from the
        end; default the last column). ``False`` reads every column as a feature, unlabeled;
        for NPZ / HDF5 it reads the features alone (a label array may be there or not).
    keys : NPZ / HDF5: the names of the feature and label arrays (default ``X`` / ``y``, any
        case); ``(name,)`` alone reads features only.
    image_size : (height, width) every image is resized to (folders and image files).
    task : force ``"binary"``, ``"multiclass"`` or ``"regression"`` instead of the rule.
    classes : the expected class names (e.g. a trained model's), fixing the label indices.
    features : keep only these feature columns, in this order (header names or indices;
        for NPZ / HDF5 indices of the feature axis of a 2-D ``X``).
    drop : leave out these columns (names or indices), e.g. an ID column.
    drop_missing : tables: leave out rows with a missing value instead of refusing them.
    header : tables: whether the first row is a header (default: detected).
    decimal : tables: the decimal mark, ``"."`` or ``","`` (default: detected).
    max_bytes : the memory a file may need beyond 100 times its size (:mod:`nndl.limits`).
    """
    p = Path(os.fspath(path))
    if p.is_dir():
        return load_image_folder(p, image_size=image_size, classes=classes,
                                 max_bytes=max_bytes)
    p = regular_file(p, "data file")
    suffix = p.suffix.lower()
    if is_table(p):
        return load_csv(p, label=label, task=task, classes=classes, features=features,
                        drop=drop, drop_missing=drop_missing, header=header,
                        decimal=decimal, max_bytes=max_bytes)
    arrays = {"keys": keys, "task": task, "classes": classes, "max_bytes": max_bytes,
              "labels": label is not False}
    if suffix == ".npz":
        return select(load_npz(p, **arrays), features, drop)
    if suffix in (".h5", ".hdf5"):
        return select(load_hdf5(p, **arrays), features, drop)
    if suffix in IMAGE_SUFFIXES:
        return load_images([p], image_size=image_size, max_bytes=max_bytes)
    tables = "/".join(TEXT_SUFFIXES)
    raise NNDLError(f"{shorten(p)}: unknown data format {shorten(suffix or '(no suffix)', 40)!r};"
                    f" expected {tables} (or the same .gz), .npz, .h5/.hdf5, an image "
                    f"({', '.join(IMAGE_SUFFIXES)}) or a folder of images")


# --- choosing columns -----------------------------------------------------------------------
def _column(c: object, names: "Sequence[str] | NameIndex | None", width: int,
            source: str) -> int:
    known = names if isinstance(names, NameIndex) else NameIndex(names)
    if isinstance(c, (int, np.integer)):
        i = check_number(f"{source}: column", c, integer=True)  # refuses bools
        if not -width <= i < width:
            if str(i) in known.exact:  # a column named by a number: 2022
                return known.exact[str(i)]
            raise NNDLError(f"{source}: column {i} is out of range; there are {width}")
        return i % width
    if isinstance(c, str):
        at = known.find(c)
        if at is not None:
            return at
        if c.lstrip("-").isdigit():
            return _column(int(c), known, width, source)
        shown = shorten(known.names, 300) if known.names is not None else "(no header row)"
        raise NNDLError(f"{source}: no column named {shorten(repr(c), 80)}; the columns are "
                        f"{shown}")
    raise NNDLError(f"{source}: a column must be a name or an index; got {shorten(repr(c), 80)}")


def column_names(columns: Columns, header: Sequence[str], source: str) -> list[str]:
    """The header names of ``columns`` (names or indices, as ``drop=`` takes them): a
    column dropped by index (``--drop 0``, pandas' unnamed index column ``''``) is recorded,
    and matched in later files, by its name. NNDLError for an unknown column."""
    known = NameIndex(header)
    return [header[_column(c, known, len(header), source)] for c in (columns or [])]


def column_indices(columns: Columns, names: "Sequence[str] | None", width: int,
                   source: str) -> list[int]:
    """The indices of ``columns`` (names or indices, as ``drop=`` takes them) in a table of
    ``width`` columns named ``names`` (None: no header, indices only); NNDLError for an
    unknown one."""
    known = NameIndex(names)
    return [_column(c, known, width, source) for c in (columns or [])]


def choose_columns(candidates: Sequence[int], names: "Sequence[str] | None", width: int,
                   features: Columns, drop: Columns, source: str) -> list[int]:
    """The feature columns: ``candidates`` (all but the label), narrowed to ``features`` (in
    that order) and without ``drop``; NNDLError for unknown, repeated or label columns."""
    for what, given in (("features", features), ("drop", drop)):
        if given is not None and (isinstance(given, (str, bytes)) or not hasattr(given, "__iter__")):
            raise NNDLError(f"{what} must be a list of column names or indices; got "
                            f"{shorten(repr(given), 80)}")
    cols = list(candidates)
    known = NameIndex(names)
    if features is not None:
        chosen = [_column(c, known, width, source) for c in features]
        if len(set(chosen)) != len(chosen):
            raise NNDLError(f"{source}: features names a column twice: {shorten(list(features))}")
        allowed = set(candidates)
        outside = [c for c in chosen if c not in allowed]
        if outside:
            raise NNDLError(f"{source}: features includes the label column "
                            f"{names[outside[0]] if names else outside[0]!r}")
        cols = chosen
    if drop is not None:
        gone = {_column(c, known, width, source): c for c in drop}
        _check_drop(gone, cols if features is not None else None, set(candidates), names,
                    source)
        cols = [c for c in cols if c not in gone]
    if not cols:
        raise NNDLError(f"{source}: no feature column is left (features={features!r}, "
                        f"drop={drop!r})")
    return cols


def _check_drop(gone: dict, kept: "list[int] | None", candidates: set,
                names: "Sequence[str] | None", source: str) -> None:
    """NNDLError for a dropped column (``gone``: index -> as given) that ``features`` keeps
    (``kept``: its columns, None when not given), or that is the label column (not among
    the ``candidates``): both were done in silence, the drop ignored."""
    def shown(i: int) -> str:
        return repr(names[i]) if names is not None else f"(column {i})"

    both = [i for i in gone if kept is not None and i in kept]
    if both:
        raise NNDLError(f"{source}: --drop {gone[both[0]]} (drop=) removes the column "
                        f"{shown(both[0])}, which --features (features=) keeps: give it in one "
                        "of them")
    label = [i for i in gone if i not in candidates]
    if label:
        raise NNDLError(f"{source}: --drop {gone[label[0]]} (drop=) names the label column "
                        f"{shown(label[0])}; to read another column as the label, say which "
                        "with --label (label=)")


def select(data: Dataset, features: Columns = None, drop: Columns = None) -> Dataset:
    """``data`` with only the feature rows ``features`` / without ``drop`` (names from
    ``feature_names`` or indices)."""
    if features is None and drop is None:
        return data
    n = data.n_features
    rows = choose_columns(range(n), data.feature_names, n, features, drop, data.name)
    names = None if data.feature_names is None else [data.feature_names[j] for j in rows]
    return replace(data, X=data.X[rows], feature_names=names, images=None)


# --- arrays (NPZ, HDF5) ---------------------------------------------------------------------
# --- CSV and other text tables ----------------------------------------------------------------
def load_csv(path: "str | os.PathLike", label: "str | int | bool | None" = None,
             task: "str | None" = None, classes: "Sequence[str] | None" = None, *,
             features: Columns = None, drop: Columns = None, drop_missing: bool = False,
             delimiter: "str | None" = None, decimal: "str | None" = None,
             header: "bool | None" = None, max_bytes: "int | str | None" = None) -> Dataset:
    """A text table (``.csv``, ``.tsv``, ``.txt``, gzipped or not), one sample per row.

    The delimiter (``,`` ``;`` tab ``|``), a decimal comma and the header row are detected
    (:mod:`nndl.datasets.tables`; ``delimiter=`` / ``decimal=`` override). The first row is
    a header when it holds no number at all, or when some column is numeric in the other rows
    but not in the first one, or when ``label``, ``features`` or ``drop`` name a column (the
    rules: :mod:`nndl.datasets.tables`); ``header=True`` / ``False`` says so instead.
    ``label`` picks the label column by name or index (default: the last column; a number
    beyond the columns that is a column's name, such as ``2022``, is that column); ``False``
    means no label column. ``features`` / ``drop`` choose the feature columns; rows with a
    missing value are refused, or left out with ``drop_missing=True``.
    """
    p = regular_file(path, "data file")
    source = shorten(p.name)
    named = [c for c in [label, *(features or []), *(drop or [])]
             if isinstance(c, str) and not c.lstrip("-").isdigit()]
    table = read_table(p, Budget(source, max_bytes), delimiter=delimiter, decimal=decimal,
                       header=header if header is not None else (True if named else None))
    if not table.rows:
        raise NNDLError(f"{source}: the CSV file has a header but no samples")
    width, header = table.width, table.header
    twice = sorted(h for h, k in Counter(header).items() if k > 1) if header is not None else []
    if twice:
        raise NNDLError(f"{source}: the header names a column twice: {shorten(twice, 200)}; "
                        "columns are matched by name (rename one)")

    # which column holds the labels
    if label is False:
        col = None
    elif label is None or label is True:
        col = width - 1
    else:
        col = label_column(label, header, width, source)
    if col is not None and width < 2:
        raise NNDLError(f"{source}: needs at least one feature column besides the label column")
    feat_cols = choose_columns([j for j in range(width) if j != col], header, width,
                               features, drop, source)

    used = feat_cols + ([col] if col is not None else [])
    bad = missing_rows(table, used)
    if bad:
        if not drop_missing:
            refuse_missing(table, used, bad, label=col)
        table.drop(set(bad))
        if not table.rows:
            raise NNDLError(f"{source}: every row has a missing value; none is left to read")
    decide_decimal(table, used)  # the label's numbers count too
    X = number_cells(table, feat_cols)
    names = [header[j] for j in feat_cols] if header is not None else None
    # the labels as an object array: a NumPy text array gives each cell the room of the
    # longest (one 130 000-character cell among 300 000 made 145 GiB)
    y = None if col is None else text_array([r[col] for r in table.rows])
    if y is not None and table.decimal == "," and all(
            is_number(v, ",") for v in y.tolist()):
        y = text_array([v.replace(",", ".") for v in y.tolist()])
    table.rows = []  # the cells' strings (most of a big file's memory) go before X is copied
    data = from_arrays(X, y, source, task=task, classes=classes, feature_names=names)
    if header is not None and col is not None:
        data.label_name = header[col]
    data.label_column, data.columns, data.header, data.decimal = col, width, header, table.decimal
    return data


def table_header(path: "str | os.PathLike", max_bytes: "int | str | None" = None,
                 names: "Sequence[str] | None" = None, header: "bool | None" = None,
                 counted: bool = True, decimal: "str | None" = None) -> "list[str] | None":
    """The header row of a text table (its column names), or None when the file is not a
    table or has no header row (as :func:`load_csv` detects it; ``names``, a model's columns:
    a first row that holds them all is the header; ``header``: say so instead;
    ``counted=False``, for a model trained without a header: a first row counting 0..n-1 or
    1..n is not taken for default column names, :func:`~nndl.datasets.tables.read_table`;
    ``decimal``: the decimal mark, which header detection reads numbers with)."""
    p = regular_file(path, "data file")
    if not is_table(p) or header is False:
        return None
    return read_table(p, Budget(shorten(p.name), max_bytes), names=names,
                      header=header, counted=counted, head_only=True, decimal=decimal).header


def table_width(path: "str | os.PathLike", decimal: "str | None" = None,
                max_bytes: "int | str | None" = None) -> int:
    """How many columns a text table without a header has (its first rows read, as
    :func:`table_header` reads them): a model trained on such a table knows its columns by
    position only, in a file of this many."""
    p = regular_file(path, "data file")
    return read_table(p, Budget(shorten(p.name), max_bytes), header=False, head_only=True,
                      decimal=decimal).width


def label_column(label: object, header: "list[str] | None", width: int, source: str) -> int:
    """The index of the column ``label`` names in a table of ``width`` columns whose header is
    ``header`` (None: no header): a text that does not read as an integer is a column's name;
    an integer is an index (from the end when negative), or beyond the columns a column's
    name (2022). Raises :class:`~nndl.errors.NNDLError` naming ``source`` when it names none."""
    if isinstance(label, str) and not label.lstrip("-").isdigit():
        at = NameIndex(header).find(label)
        if at is None:
            raise NNDLError(f"{source}: no column named {shorten(repr(label), 80)}; the columns "
                            f"are {shorten(header, 300) if header is not None else '(no header row)'}")
        return at
    try:
        col = int(label)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NNDLError(f"{source}: label must be a column name or index; got "
                        f"{shorten(repr(label), 80)}") from None
    if not -width <= col < width:
        if header is not None and str(col) in header:  # a column named by a number: 2022
            return header.index(str(col))
        hint = "" if header is not None else (
            "; if it is a column's name, the first row is a header: say so (header=True; "
            "nndl --header)")
        raise NNDLError(f"{source}: label column {col} is out of range; the file has {width} "
                        f"columns{hint}")
    return col % width
