"""What several commands share: the model-and-data width check and how scores are printed."""

from __future__ import annotations

from typing import Any

from ..errors import MissingValueError, NNDLError, shorten
from ..labels import NameIndex


def check_width(net: Any, data: Any, what: str, hint: str = "") -> None:
    """NNDLError unless the data has the model's n[0] features (rows of ``data.X``);
    ``hint`` says what to do."""
    n0 = net.layer_dims[0]
    if data.X.shape[0] != n0:
        raise NNDLError(f"the model takes {n0} input features but {what} "
                        f"({data.name or 'the data'}) has {data.X.shape[0]}{hint}")


def image_size_of(data: Any) -> "list[int] | None":
    """[height, width] of an image data set, else None."""
    images = getattr(data, "images", None)
    return None if images is None else [int(images.shape[1]), int(images.shape[2])]


def format_scores(s: dict) -> str:
    """'accuracy 0.9500' or 'mse 0.0123  rmse 0.111  r2 0.8123' (one line of a report)."""
    def show(v: object, fmt: str) -> str:
        return "beyond float64" if v is None else format(v, fmt)

    if "accuracy" in s:
        return f"accuracy {show(s['accuracy'], '.4f')}"
    r2 = f"  r2 {show(s['r2'], '.4f')}" if "r2" in s else ""
    return f"mse {show(s['mse'], '.6g')}  rmse {show(s['rmse'], '.6g')}{r2}"


def most_frequent(counts: Any, names: "list[str]") -> "tuple[str, float] | None":
    """The most frequent true class of a confusion matrix (``counts[i, j]``: true class i
    predicted as j) and its share of the samples: the accuracy of always predicting it, what a
    model that learned nothing scores; None unless the samples hold two classes or more."""
    true = counts.sum(axis=1)
    if (true > 0).sum() < 2:
        return None
    return names[int(true.argmax())], float(true.max() / true.sum())


R2_NOTHING = 0.05
"""An R^2 at or below this is "no better than predicting the mean of the targets"."""


def no_better(s: dict, counts: Any = None, names: "list[str] | None" = None) -> "str | None":
    """Why a model's scores ``s`` are no better than a model that learned nothing, or None:
    an R^2 at most :data:`R2_NOTHING` (the mean of the targets scores 0), or an accuracy at
    most the most frequent class's share (``counts``, the confusion matrix, and the classes'
    ``names``), as a warning's text. A model that is quietly no better than a constant (the
    majority class of unbalanced data, a regression that learned the mean) is said so."""
    if "r2" in s:
        r2 = s["r2"]
        if r2 is None or r2 > R2_NOTHING:
            return None
        return f"the model does no better than predicting the mean of the targets (r2 {r2:.4f})"
    if counts is None or names is None or s.get("accuracy") is None:
        return None
    top = most_frequent(counts, names)
    if top is None or s["accuracy"] > top[1]:
        return None
    predicted = counts.sum(axis=0)
    alone = (f"; it predicts {names[int(predicted.argmax())]!r} for every sample"
             if (predicted > 0).sum() == 1 else "")
    return (f"the model does no better than always predicting the most frequent class, "
            f"{top[0]!r} (accuracy {s['accuracy']:.4f}; that class is {top[1]:.4f} of the "
            f"samples){alone}")


def read_model(path: str, describe: bool = False) -> tuple[Any, dict]:
    """``(net, meta)`` of a model file (:func:`nndl.io.read`), with what ``nndl train``
    stores in ``meta["info"]`` (its settings, scores, checkpoint state, column names)
    checked too: a value of the wrong type is "PATH is not a valid nndl model: ..."."""
    from pathlib import Path

    from .. import io
    from ..model_format import bad

    net, meta = io.read(path)
    wrong = _wrong_info(meta.get("info") or {})
    if wrong:
        raise bad(Path(path), wrong)
    if not describe and (why := outdated(path, meta)):  # (info describes it, and says why)
        raise NNDLError(why)
    return net, meta


def outdated(path: str, meta: dict) -> "str | None":
    """Why the model at ``path`` would read today's data wrongly, or None (``read_model``
    refuses it, ``info`` says it): :func:`trained_on_old_digits`,
    :func:`old_playground_export`."""
    return trained_on_old_digits(path, meta) or old_playground_export(path, meta)


def old_playground_export(path: str, meta: dict) -> "str | None":
    """Why the model at ``path`` cannot read a file's values, or None: the playground
    exported a model of an uploaded file that takes the points' plane coordinates,
    (value - center) / scale, before 2026-12-07 (since then the map is its preprocessing
    and its inputs are named); fed a file's raw values it scored 0.475 where the page showed
    1.0, with a warning about column positions only."""
    info = meta.get("info") or {}
    page = info.get("playground")
    if not isinstance(page, dict) or page.get("columns") is None or "feature_names" in info:
        return None
    return (f"{path} was exported by the playground before 2026-12-07 from an uploaded file: "
            "it takes the points' plane coordinates, (value - center) / scale (its info "
            "'playground'), not the file's values; export it again from the page")


def trained_on_old_digits(path: str, meta: dict) -> "str | None":
    """Why the model at ``path`` reads the built-in digits wrongly, or None: nndl read their
    grey levels 0..16 before 2026-12-07 and reads pixels in [0, 1] since, as images are; an
    older model given today's digits scored 0.947 for 0.983, without a word (its file has no
    ``info["digits_scale"]``, :data:`nndl.cli.steps.DIGITS_SCALE`). ``read_model`` refuses
    such a model (:func:`outdated`)."""
    from ..io import digits_of_old_scale

    if not digits_of_old_scale(meta.get("info") or {}):
        return None
    return (f"{path} was trained on the built-in digits as nndl read them before 2026-12-07 "
            "(grey levels 0..16); nndl reads them as pixels in [0, 1] now, so its scores, "
            "predictions and a continued training would be wrong: train it again")


_CHECKPOINT_NUMBERS = ("iterations_done", "target_iterations", "epochs_done", "target_epochs",
                       "learning_rate")
"""The numbers of a checkpoint's ``info["checkpoint"]`` (:class:`nndl.checkpoint.Checkpointer`)."""


def _wrong_info(info: dict) -> "str | None":
    """What is wrong with the ``info`` of a model saved by ``nndl train``, or None."""
    from .settings import check_saved

    if info.get("train_args") is not None and (wrong := check_saved(info["train_args"])):
        return wrong
    for k in ("data_name", "data_fingerprint", "label_name", "digits_scale"):
        if info.get(k) is not None and not isinstance(info[k], str):
            return f"info {k} must be null or a string; got {info[k]!r:.60}"
    for k in ("feature_names", "dropped_names"):
        names = info.get(k)
        if names is not None and not (isinstance(names, list)
                                      and all(isinstance(n, str) for n in names)):
            return f"info {k} must be null or a list of strings; got {names!r:.60}"
    for k, check in (("summary", _wrong_summary), ("checkpoint", _wrong_checkpoint)):
        if info.get(k) is None:
            continue
        if not isinstance(info[k], dict):
            return f"info {k} must be an object; got {info[k]!r:.60}"
        if wrong := check(info[k]):
            return f"info {k} {wrong}"
    return None


def _number(v: object, bound: float = float("inf")) -> bool:
    """A JSON number (not a bool), finite, below ``bound`` in magnitude."""
    return type(v) in (int, float) and abs(v) < bound  # type: ignore[operator]  # NaN: False


def _wrong_summary(summary: dict) -> "str | None":
    """The scores ``nndl train`` saved: numbers, or null for a score beyond float64."""
    for part, v in summary.items():
        if not all(x is None or _number(x) for x in (v.values() if isinstance(v, dict)
                                                      else [v])):
            return f"{part} must hold numbers; got {v!r:.60}"
    return None


def _wrong_checkpoint(ck: dict) -> "str | None":
    """A checkpoint's state (:class:`nndl.checkpoint.Checkpointer`)."""
    for k, v in ck.items():
        if v is None:
            continue
        if k == "early_stopping" and not isinstance(v, dict):
            return f"early_stopping must be an object; got {v!r:.60}"
        if k in ("unit", "signal") and not isinstance(v, str):
            return f"{k} must be a string; got {v!r:.60}"
        if k in _CHECKPOINT_NUMBERS and not _number(v, 2**62):
            return f"{k} must be a number; got {v!r:.60}"
    return None


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
    model's by header name (in any order; missing or unknown columns are an NNDLError).
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

    if not is_named(spec):  # missing, or a pipe: said so (not "no header row" further on)
        datasets.existing_path(spec)
    names, label_name, dropped = trained_columns(meta)
    train_args = meta["info"].get("train_args") or {}
    kw = {"image_size": meta["info"].get("image_size"), "drop": list(drop) if drop else None}
    if labelled:  # the labels are read for the model's task, not guessed from their values
        kw["task"], kw["task_of_model"] = model_task(net), True
    headerless = headerless_table(names, train_args.get("data"))  # a first row 0,1,2: data
    decimal = decimal or train_args.get("decimal")  # the training file's, unless said
    header = _header(spec, names, header, counted=not headerless, decimal=decimal)
    if p_is_table(spec):  # the loader reads the header found here
        kw["header"], kw["decimal"] = header is not None, decimal
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
    given = _dropped_here(drop, header, names, spec)
    ignore = [c for c in [*dropped, *given, label_name, col if isinstance(col, str) else None,
                          skip if isinstance(skip, str) else None]
              if c is not None]  # '' is a name: pandas' index column
    if train_args.get("features") and names is not None \
            and header is not None:  # trained on chosen columns (--features): the rest is not
        chosen = NameIndex(names)  # the model's, in the training file too
        ignore += [h for h in header if h not in chosen]
    if drop_missing:
        kw["drop_missing"] = True
    if names is not None and header is not None:  # read the model's columns, by name
        kw["features"] = datasets.check_columns(header, names, spec, ignore=ignore)
        kw["drop"] = None
    try:
        if col is False and (header is None or names is None) and skip is None:  # no names to
            # match by: features only, or a label at the trained position (else last)
            data = _features_or_last_label(
                spec, net.layer_dims[0], kw, names,
                _position(train_args.get("label")), guess=headerless)
        else:
            data, test = datasets.load_spec(spec, col, **kw)  # type: ignore[arg-type]
            data = test if labelled and test is not None else data
    except MissingValueError as exc:
        if labelled:
            raise
        raise MissingValueError(exc.where, exc.rows, exc.total, "fill them in (every row "
                                "gets a prediction, so none is left out)") from None
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


def _dropped_here(drop: "list | None", header: "list[str] | None",
                  names: "list[str] | None", spec: str) -> list[str]:
    """The names of the columns ``--drop`` leaves out of this file (an index, ``--drop 0``,
    is a column of its header; a name the file lacks is fine); NNDLError for one of the
    model's own columns, which it needs (it was read anyway, in silence)."""
    from .. import datasets

    given = [c for c in (drop or []) if isinstance(c, str)]
    if header is not None:
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


def headerless_table(names: "list[str] | None", data: object) -> bool:
    """Whether a model (or a training) of these feature ``names`` and data spec ``data`` was
    trained on a table without a header: a first row 0,1,2 of its files is then data (not
    pandas' default names; models of arrays or from Python have no such table)."""
    from pathlib import Path

    from ..datasets.tables import is_table

    return names is None and isinstance(data, str) and is_table(Path(data))


def warn_by_position(what: str, as_: str) -> None:
    """The warning that ``what``, without column names, is read by position, ``as_`` the
    model's (or the training data's) named columns (scikit-learn warns for it too)."""
    import warnings

    from ..errors import NNDLWarning

    warnings.warn(NNDLWarning(f"{what} has no column names: its columns are taken by position, "
                              f"as {as_}"))


def warn_in_files_order(whose: str, what: str, header: "list[str]") -> None:
    """The warning that ``whose`` columns have no names (a model, a training), so the columns
    of ``what``, a file with a ``header``, are taken by position (scikit-learn warns too)."""
    import warnings

    from ..errors import NNDLWarning

    warnings.warn(NNDLWarning(f"{whose} has no column names: the columns of {what} are taken "
                              f"by position, in the file's order {shorten(header, 200)}"))


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


def p_is_table(spec: str) -> bool:
    """``spec`` is a text table file (CSV, TSV, ...)."""
    from pathlib import Path

    from ..datasets.tables import is_table

    return Path(spec).is_file() and is_table(Path(spec))


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


def check_table_options(specs: "list[str]", decimal: "str | None",
                        header: "bool | None") -> None:
    """NNDLError for ``--decimal`` or ``--header`` / ``--no-header`` given when no file of
    ``specs`` is a table (they would be ignored, exit 0), as nndl train refuses them for data
    that is not a table."""
    given = ["--decimal"] if decimal is not None else []
    if header is not None:
        given.append("--header" if header else "--no-header")
    from pathlib import Path

    from ..datasets.tables import is_table

    # a table file, or a table's name that is no file (mistyped: the read says not found)
    if given and not any(is_table(Path(s)) and (Path(s).is_file() or not Path(s).exists())
                         for s in specs):
        raise NNDLError(f"{given[0]} is for table files (CSV, TSV); {shorten(specs[0], 80)} is "
                        f"not one")


def _position(label: object) -> "int | str | None":
    """A label setting as saved: an index or name (a name of digits is an index)."""
    from .arguments import label_column

    return label_column(label) if isinstance(label, str) else label  # type: ignore[return-value]
