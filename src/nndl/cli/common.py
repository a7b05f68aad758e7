"""What several commands share: the model-and-data width check, how scores are printed, a
model file read and checked (data read for a model: :mod:`nndl.cli.model_data`)."""

from __future__ import annotations

from typing import Any

from ..errors import NNDLError, shorten


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
    if info.get("columns") is not None and not (type(info["columns"]) is int
                                                and 1 <= info["columns"] < 2**62):
        return f"info columns must be null or a positive integer; got {info['columns']!r:.60}"
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


def p_is_table(spec: str) -> bool:
    """``spec`` is a text table file (CSV, TSV, ...)."""
    from pathlib import Path

    from ..datasets.tables import is_table

    return Path(spec).is_file() and is_table(Path(spec))
