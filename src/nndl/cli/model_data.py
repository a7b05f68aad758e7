"""Data read for a saved model (``evaluate``, ``predict``): laid out as the model was trained
(its label column, its feature columns matched by name, or by the training's own selection
by position for a file without a header), and the options given checked against it."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ..errors import MissingValueError, NNDLError, shorten
from ..labels import NameIndex
from .applies import ARRAYS, kind
from .common import check_width, headerless_table, image_size_of, p_is_table, \
    warn_by_position, warn_in_files_order


def trained_columns(meta: dict) -> tuple["list[str] | None", "str | None", list]:
    """(feature names, label column name, columns dropped at training) of a model saved by
    ``nndl train`` from a table with a header; (None, None, []) otherwise. The columns
    dropped are their names (``dropped_names``, a drop by index too; an older model: its
    drops by name)."""
    info = meta.get("info") or {}
    names = info.get("feature_names")
    names = [str(n) for n in names] if isinstance(names, list) else None
    label = info.get("label_name")
    label = str(label) if isinstance(label, str) else None
    settings = info.get("train_args") or {}
    dropped = [str(c) for c in (settings.get("drop") or []) if isinstance(c, str)]
    dropped += [str(c) for c in (info.get("dropped_names") or [])]
    return names, label, dropped


def model_task(net: Any) -> str:
    """How a file's labels are read for ``net``: ``"classification"`` (class names, matched
    to the model's by name) or ``"regression"`` (numbers). Whole-number targets such as 3, 7,
    12 would otherwise be read as classes and replaced by their indices 0, 1, 2."""
    return "classification" if net.head.is_classifier else "regression"


def read_for_model(spec: str, net: Any, meta: dict, *, label: "str | None",
                   labelled: bool, drop: "list | None" = None,
                   header: "bool | None" = None, drop_missing: bool = False,
                   decimal: "str | None" = None) -> Any:
    """The data ``spec`` names, read as the model was trained: its label column (``label``
    if given, else the one chosen at training: by its header name when the file has a header
    with that name, else by position), the image size, and the feature columns matched to the
    model's by header name (in any order; missing or unknown columns are an NNDLError); a
    built-in set's columns by their names too, and a file without a header, for a model
    trained on one with --features / --drop, by that selection's positions.
    ``labelled=False`` (data to predict on) leaves out the label column when the file has
    it, unread (its cells may be empty: the labels are what is to be predicted), and refuses
    rows with missing features (every row gets a prediction, so none may be dropped).
    ``header``: whether a table's first row is a header (None: detected, and a first row
    that holds the model's column names is one). ``drop_missing`` (labelled data): leave out
    rows with a missing value. ``decimal``: a table's decimal mark (None: the one given at
    training, else detected). Checks the width against the model."""
    from .. import datasets
    from ..datasets.spec import is_named
    from .arguments import label_column

    names, label_name, dropped = trained_columns(meta)
    train_args = meta["info"].get("train_args") or {}
    kw = {"image_size": meta["info"].get("image_size"), "drop": list(drop) if drop else None}
    if labelled:  # the labels are read for the model's task, not guessed from their values
        kw["task"], kw["task_of_model"] = model_task(net), True
    if drop_missing:
        kw["drop_missing"] = True
    if is_named(spec):
        return _read_named(spec, net, meta, drop, kw, labelled)
    datasets.existing_path(spec)  # missing, or a pipe: said so (not "no header row" below)
    headerless = headerless_table(names, train_args.get("data"))  # a first row 0,1,2: data
    decimal = decimal or train_args.get("decimal")  # the training file's, unless said
    header = _header(spec, names, header, counted=not headerless, decimal=decimal)
    if p_is_table(spec):  # the loader reads the header found here
        kw["header"], kw["decimal"] = header is not None, decimal
    if header is None and label is None and headerless and _selected(train_args) \
            and isinstance(meta["info"].get("columns"), int):
        with _every_row(labelled):
            data = _read_as_trained(spec, train_args, meta["info"]["columns"], kw, labelled,
                                    drop)
        return _matched(data, net, spec, None, None, [])
    has_label = bool(label_name and header and label_name in NameIndex(header))
    skip = None  # to predict on: a table's label column, left out unread
    if not labelled:  # features only: X alone (a label column or array, if there, unread)
        if p_is_table(spec) and (label is not None or has_label):
            skip = label_column(label) if label is not None else label_name
            if label is not None and header is not None:  # a column of the file (was ignored)
                skip = datasets.column_names([skip], header, spec)[0]
            kw["drop"] = [*(kw["drop"] or []), skip]
        col: object = False
    elif label is not None:  # --label given
        col = label_column(label)
    elif has_label:
        col = label_name
    else:
        col = _position(train_args.get("label"))
    exempt = dropped if labelled or not label_name else [*dropped, label_name]
    given = _dropped_here(drop, header, names, spec, exempt)  # (predict leaves the label out)
    if labelled and isinstance(col, str) and col in given:  # (it was read anyway)
        raise NNDLError(f"--drop {col}: {col!r} is the label column, which evaluate reads; "
                        "to read another column as the label, say which with --label")
    ignore = [c for c in [*dropped, *given, label_name, col if isinstance(col, str) else None,
                          skip if isinstance(skip, str) else None]
              if c is not None]  # '' is a name: pandas' index column
    if train_args.get("features") and names is not None \
            and header is not None:  # trained on chosen columns (--features): the rest is not
        chosen = NameIndex(names)  # the model's, in the training file too
        ignore += [h for h in header if h not in chosen]
    if names is not None and header is not None:  # read the model's columns, by name
        kw["features"] = datasets.check_columns(header, names, spec, ignore=ignore)
        kw["drop"] = None
    if header is None and names is None and not drop and _selected(train_args) \
            and kind(spec) == ARRAYS:  # numbered features: the saved selection read again
        kw["features"], kw["drop"] = train_args.get("features"), train_args.get("drop")
    with _every_row(labelled):
        if col is False and (header is None or names is None) and skip is None:  # no names to
            # match by: features only, or a label at the trained position (else last)
            data = _features_or_last_label(
                spec, net.layer_dims[0], kw, names,
                _position(train_args.get("label")), guess=headerless)
        else:
            data, test = datasets.load_spec(spec, col, **kw)  # type: ignore[arg-type]
            data = test if labelled and test is not None else data
    _refuse_pixels_for_a_features_model(data, net, meta, spec)
    return _matched(data, net, spec, names, header, ignore)


def _refuse_pixels_for_a_features_model(data: Any, net: Any, meta: dict, spec: str) -> None:
    """NNDLError for images (arrays of 8- or 16-bit pixels, read in [0, 1]) given to a model
    trained on standardized features, not images: one trained on a 16-bit image array before
    2026-12-08, when nndl read its values as they are (0..65535), scored 0.53 for 1.0 on its
    own file, without a word."""
    if image_size_of(data) is None or meta["info"].get("image_size") is not None \
            or net.preprocessing is None:
        return
    raise NNDLError(
        f"{shorten(spec, 80)} holds images (arrays of 8- or 16-bit pixels, which nndl reads "
        "in [0, 1]), but this model was trained on standardized features, not on images: a "
        "model trained on a 16-bit image array before 2026-12-08 took its values as they are "
        "(0..65535) and would score wrongly; train it again on this file")


def _selected(train_args: dict) -> bool:
    """Whether the model was trained on a selection of its data's columns (--features,
    --drop): the others are not its own, and a file laid out as the training data's holds
    them."""
    return bool(train_args.get("features") or train_args.get("drop"))


@contextlib.contextmanager
def _every_row(labelled: bool) -> Iterator[None]:
    """Data to predict on (not ``labelled``): a row with a missing value is refused saying
    that every row gets a prediction."""
    try:
        yield
    except MissingValueError as exc:
        if labelled:
            raise
        raise MissingValueError(exc.where, exc.rows, exc.total, "fill them in (every row "
                                "gets a prediction, so none is left out)") from None


def _read_named(spec: str, net: Any, meta: dict, drop: "list | None", kw: dict,
                labelled: bool) -> Any:
    """A built-in set or generator, read for the model: its columns have names, matched to
    the model's as a table's header is (those the model was not trained on are left out when
    it was trained with a selection, --features or --drop, as for a table; ``--drop`` by name
    or index, checked as for a table)."""
    from .. import datasets

    names, _, dropped = trained_columns(meta)
    data, test = datasets.load_spec(spec, None, **{**kw, "drop": None})
    data = test if labelled and test is not None else data
    have = data.feature_names
    given = _dropped_here(drop, have, names, spec, dropped)
    if names is None:
        return _matched(datasets.select(data, drop=given or None), net, spec, None, None, [])
    train_args = meta["info"].get("train_args") or {}
    chosen = NameIndex(names)
    ignore = [*given, *(h for h in have or [] if h not in chosen and _selected(train_args))]
    return _matched(data, net, spec, names, None, ignore)


def _read_as_trained(spec: str, train_args: dict, width: int, kw: dict, labelled: bool,
                     drop: "list | None") -> Any:
    """A table without a header, for a model trained on one of ``width`` columns with
    --features / --drop: the training's selection, by position, read again; from a file
    laid out as the training file, or, to predict on, without its label column. ``--drop``
    may leave out columns the model does not use (NNDLError for one it does)."""
    from .. import datasets
    from ..datasets.loaders import choose_columns, column_indices, table_width

    at = _position(train_args.get("label"))
    label = width - 1 if at is None else int(at) % width  # type: ignore[arg-type]
    kept = choose_columns([j for j in range(width) if j != label], None, width,
                          train_args.get("features"), train_args.get("drop"), spec)
    have = table_width(spec, decimal=kw.get("decimal"))
    if have == width - 1 and not labelled:  # no label column: the columns after it move
        kept = [j - (j > label) for j in kept]
    elif have != width:
        raise NNDLError(
            f"{spec} has {have} columns; the model was trained on a file of {width} columns "
            f"without a header (label column {label}, features {shorten(kept, 100)} by "
            f"position{'' if labelled else f', or {width - 1} without the label column'}): "
            "give a file laid out the same way")
    for c, j in zip(drop or [], column_indices(drop, None, have, spec)):
        if j in kept:
            raise NNDLError(f"--drop {c}: the model was trained on this column (of the "
                            f"columns {shorten(kept, 100)} it takes, by position)")
    kw = {**kw, "features": kept, "drop": None}
    return datasets.load_spec(spec, label if have == width and labelled else False, **kw)[0]


def _dropped_here(drop: "list | None", header: "list[str] | None",
                  names: "list[str] | None", spec: str, dropped: "list[str]") -> list[str]:
    """The names of the columns ``--drop`` leaves out of this file (an index, ``--drop 0``,
    is a column of its header); NNDLError for one of the model's own columns, which it
    needs (it was read anyway, in silence), and, as ``train`` refuses it, for a name the
    file's header lacks, unless the model itself dropped that column at training
    (``dropped``: a later file may lack it, and the same --drop is said again)."""
    from .. import datasets

    given = [c for c in (drop or []) if isinstance(c, str)]
    if header is not None:
        datasets.column_names([c for c in given if c not in dropped], header, spec)
        given += datasets.column_names([c for c in drop or [] if not isinstance(c, str)],
                                       header, spec)
    used = [c for c in given if names is not None and c in names]
    if used:
        raise NNDLError(f"--drop {shorten(used, 100)}: the model was trained on "
                        f"{'this column' if len(used) == 1 else 'these columns'}, and needs "
                        f"every one of its features {shorten(names, 200)}")
    return given


def _matched(data: Any, net: Any, spec: str, names: "list[str] | None",
             header: "list[str] | None", ignore: list) -> Any:
    """``data`` with the model's columns in its order (by name when the file has names),
    its width checked; a warning when a model of named columns takes them by position."""
    from .. import datasets

    unnamed = names is not None and data.feature_names is None  # an array's X, no header
    if names is not None:
        data = datasets.match_features(data, names, spec, ignore=ignore)
    hint = "" if header is None or names is not None else (
        f"; the model has no column names, and this file's header has columns "
        f"{shorten(header, 200)}: name its label column with --label NAME (leave others out with "
        "--drop)")  # positions only: which column is the label, or an ID, cannot be told
    check_width(net, data, "the data", hint)
    if unnamed:
        warn_by_position(shorten(spec, 80), f"the model's {shorten(names, 200)}; a file with a "
                         "header is matched by name")
    elif names is None and header is not None:  # as scikit-learn warns for this too
        warn_in_files_order("the model", shorten(spec, 80), header)
    return data


def _features_or_last_label(spec: str, n0: int, kw: dict,
                            names: "list[str] | None" = None, label: object = None,
                            guess: bool = True) -> Any:
    """A table to predict on whose columns cannot be matched by name (no header, or a model
    without column names): every column a feature when that makes the model's width n0,
    else the label column is left out: the one training used (``label``, its position, e.g.
    ``--label 0``), else the last; in a file with a header only when a column of text (a
    label's) shows that not all are features: an extra column of numbers there may be an ID
    as well (``id,a,b,c``: the width check refuses it, naming --label). For a model trained
    on named columns (``names``) and a headerless file, only the first: which other column
    is the label, or an ID, cannot be told, and the wrong guess predicts from wrong columns.
    Not ``guess`` (a model not trained on a headerless table: no label position of its own),
    an extra column of numbers is left to the width check, which refuses it."""
    from .. import datasets
    from ..errors import NNDLError

    try:
        data = datasets.load_spec(spec, False, **kw)[0]
    except NNDLError:  # e.g. a text label column
        data = None
    if data is None or data.X.shape[0] != n0:
        if names is not None and not kw.get("drop"):
            width = "" if data is None else f"{data.X.shape[0]} columns, "
            raise NNDLError(
                f"{spec} has no header row ({width}not the model's {n0}): its columns cannot "
                f"be matched to the model's features {shorten(names, 200)}; add the header "
                "row, or say which columns to leave out (--drop, --label)")
        if data is not None and (kw.get("header") or not guess):  # the label, or an ID?
            return data
        data = datasets.load_spec(spec, label if isinstance(label, int) else None, **kw)[0]
    return data


def _header(spec: str, names: "list[str] | None" = None, header: "bool | None" = None,
            counted: bool = True, decimal: "str | None" = None) -> "list[str] | None":
    """The header row of ``spec`` when it is a table file with one, else None (``names``: the
    model's feature names, which a header holds; ``header``: as the user said; ``counted``:
    whether a first row 0,1,2 or 1,2,3 may be default column names, not for a model trained
    on a file without a header; ``decimal``: the decimal mark)."""
    from pathlib import Path

    from .. import datasets

    p = Path(spec)
    return datasets.table_header(p, names=names, header=header, counted=counted,
                                 decimal=decimal) if p.is_file() else None


def _position(label: object) -> "int | str | None":
    """A label setting as saved: an index or name (a name of digits is an index)."""
    from .arguments import label_column

    return label_column(label) if isinstance(label, str) else label  # type: ignore[return-value]
