"""The steps of ``nndl train`` that ``nndl tune`` shares: the data and its parts, the model
for its task, ``Network.fit``'s arguments from the settings, what a model file's ``info``
holds and the summary of a run.

``s`` is always the settings dict of :func:`nndl.cli.settings.train_settings` (one entry per
``nndl train`` option).
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .. import datasets, heads, labels
from ..callbacks import EarlyStopping
from ..datasets import MAX_AUTO_CLASSES, Dataset
from ..dual import fingerprint as dual_fingerprint
from ..errors import NNDLError, NNDLWarning, shorten
from ..heads import dataset_targets, scores
from ..initializers import initialize_bytes
from ..memory import check_memory
from ..network import Network
from ..optimizers import get_optimizer
from ..preprocessing import Standardizer
from ..training import training_entries
from . import arguments as a
from .applies import check_train_options
from .common import check_width, headerless_table, image_size_of, no_better, p_is_table, \
    warn_by_position, warn_in_files_order


def fingerprint(data: Dataset) -> str:
    """SHA-256 of the data's values (X and Y, with their shapes and dtypes): a resumed run
    checks that it trains on the data the checkpoint was trained on. The digest of
    :func:`nndl.dual.fingerprint`, which reads the arrays without copying them."""
    return dual_fingerprint(data.X, data.Y)


@dataclass
class Parts:
    """The data (what --data names) and its parts: train, dev (held out), test."""

    data: Dataset
    train: Dataset
    dev: "Dataset | None"
    test: "Dataset | None"
    dropped: "list[str] | None" = None
    """The header names of the columns --drop left out (by name or index), saved with the
    model: a later file laid out like the training file has them, by name."""

    def named(self) -> list[tuple[str, Dataset]]:
        """[("train", train), ("dev", dev), ("test", test)], without the missing ones."""
        return [(n, d) for n, d in (("train", self.train), ("dev", self.dev),
                                    ("test", self.test)) if d is not None]


def load_parts(s: dict) -> Parts:
    label = a.label_column(s["label"])
    options = {"task": s["task"], "features": s["features"], "drop": s["drop"],
               "drop_missing": bool(s["drop_missing"]), "header": s.get("header"),
               "decimal": s.get("decimal")}
    data, test = datasets.load_spec(s["data"], label, image_size=s["image_size"], **options)
    if data.Y is None:
        raise NNDLError(f"{data.name or s['data']} has no labels: training needs them")
    check_train_options(s, data)
    _warn_many_classes(data, s)
    dropped = _dropped_names(s, data)
    if s["test"] is not None:
        test = _load_test(s, data, label, options, dropped)
    train, dev = data, None
    if s["dev"] > 0:
        train, dev, _ = datasets.split(data, dev=s["dev"], test=0.0, seed=s["seed"],
                                       stratify=heads.for_task(data.task).is_classifier)
    return Parts(data, train, dev, test, dropped)


def _label_said(data: Dataset, s: dict) -> str:
    """The label column, for a message: its header name, else as --label gave it."""
    name = data.label_name if data.label_name is not None else s.get("label")
    return "the label column" + (f" {name!r}" if name is not None else " (the last)")


def numbers_as_classes(classes: "list | None") -> bool:
    """Whether ``classes`` (more than two) are all numbers: labels that nndl took for classes
    (up to MAX_AUTO_CLASSES distinct whole numbers are), which may be numbers to predict
    (model years 16 classes, dev accuracy 0.21; as a regression r2 0.78)."""
    return bool(classes) and len(classes) > 2 and all(  # type: ignore[arg-type]
        labels.label_number(str(c)) is not None for c in classes)  # type: ignore[union-attr]


def task_note(s: dict, classes: "list | None", data: "Dataset | None" = None) -> str:
    """What the report's data line adds when a data file's labels, all numbers, had their
    task chosen without --task: whole numbers, up to MAX_AUTO_CLASSES distinct ones, read
    as classes (how to predict them as numbers instead); more distinct whole numbers read as
    a regression (``data``'s targets: how to read them as classes instead; 30 class ids
    were trained as one number, r2 0.65 for accuracy 0.93). Only for a data file: not for a
    folder of images (class folders named 0..9), nor for the built-in sets and generators
    (digits' classes '0'..'9' are classes)."""
    from pathlib import Path

    from ..datasets.spec import is_named

    Y = data.Y if data is not None and data.task == "regression" else None
    whole = Y is not None and Y.shape[0] == 1 and _class_ids(Y)
    as_classes = numbers_as_classes(classes)
    if s["task"] is not None or not (as_classes or whole) or s["data"] is None \
            or is_named(s["data"]) \
            or not Path(str(s["data"])).is_file():  # (a name wins over a file of that name)
        return ""
    if as_classes:
        return " (whole numbers read as classes; --task regression predicts them as numbers)"
    return (f" ({len(np.unique(Y))} distinct whole numbers, more than {MAX_AUTO_CLASSES}, read "
            "as numbers to predict; if they are class ids, --task classification reads them "
            "as classes)")


def _class_ids(Y: np.ndarray) -> bool:
    """Whether targets look like class ids: every whole number from 0 (or 1) to the largest
    present, below 2**53 (counts, years, prices and timestamps have gaps or another start,
    and were advised --task classification, which failed on them)."""
    lo, hi = float(Y.min()), float(Y.max())
    if lo not in (0.0, 1.0) or hi >= 2.0**53 or not np.all(Y == np.round(Y)):
        return False
    return len(np.unique(Y)) == int(hi - lo) + 1


def _warn_many_classes(data: Dataset, s: dict) -> None:
    """A warning when the labels are more classes than half the samples: an ID or e-mail
    column read as the label (the last column, by default) makes thousands of classes, and
    a few whole numbers to predict (up to MAX_AUTO_CLASSES distinct ones are classes) make
    one class per value."""
    k = data.n_classes if heads.for_task(data.task).is_classifier else 0
    if k > 2 and k > data.m // 2:
        numbers = s["task"] is None and numbers_as_classes(data.classes)
        warnings.warn(NNDLWarning(
            f"{data.name}: {_label_said(data, s)} has {k} classes for {data.m} samples (an ID "
            "or a name per row?); if another column is the label, say which with --label"
            + ("; if they are numbers to predict, not classes: --task regression"
               if numbers else "")))


def _dropped_names(s: dict, data: Dataset) -> "list[str] | None":
    """The names of the columns ``--drop`` left out of a table with a header (None without
    one): an index (``--drop 0``, the only way to name pandas' unnamed index column '') is
    looked up in the header, read again only then."""
    drop = s["drop"] or []
    if data.feature_names is None or not drop or not p_is_table(str(s["data"])):
        return None  # (a named set's columns are matched by their own names)
    if all(isinstance(c, str) for c in drop):
        return list(drop)
    header = datasets.table_header(s["data"], names=data.feature_names,
                                   header=True if s.get("header") is None else s["header"],
                                   decimal=s.get("decimal"))
    return None if header is None else datasets.column_names(drop, header, str(s["data"]))


def _load_test(s: dict, data: Dataset, label: object, options: dict,
               dropped: "list[str] | None" = None) -> Dataset:
    """--test, read as the training data: its columns matched by header name (in any order)
    when both files have a header; its label column by the training file's name for it; its
    header as --test-header / --test-no-header say, else as --header / --no-header; its
    decimal mark as --test-decimal says, else as --decimal."""
    names = data.feature_names
    if not datasets.spec.is_named(s["test"]):
        try:
            datasets.existing_path(s["test"])
        except NNDLError as exc:  # (named: the file of --test, not of --data)
            raise NNDLError(f"--test: {exc}") from None
    is_file = Path(s["test"]).is_file()
    said = s.get("header") if s.get("test_header") is None else s["test_header"]
    decimal = s.get("decimal") if s.get("test_decimal") is None else s["test_decimal"]
    headerless = headerless_table(names, s["data"])  # a first row 0,1,2 is data, as for
    with _said_of_test():                            # evaluate
        header = datasets.table_header(s["test"], names=names, header=said, counted=not
                                       headerless, decimal=decimal) if is_file else None
    options = {**options, "decimal": decimal, "task": "regression" if data.task == "regression"
               else "classification"}  # the training data's task, not the test labels' look
    if is_file:  # as found with the training columns' names
        options["header"] = header is not None
    if header is not None and names is not None:
        options = {**options, "drop": None, "features": datasets.check_columns(
            header, names, f"--test {s['test']}", ignore=[data.label_name, *(dropped or [])])}
    with _said_of_test():
        d, t = datasets.load_spec(s["test"], data.label_name or label,
                                  image_size=s["image_size"], **options)
    test = t if t is not None else d  # the course folder: its test file
    if names is not None and test.feature_names is None \
            and test.X.shape[0] == len(names):  # an array's X: by position (else refused)
        warn_by_position(f"--test {shorten(str(s['test']), 80)}",
                         f"the training data's {shorten(names, 200)}")
    elif names is None and test.feature_names is not None:  # as evaluate warns (_matched)
        warn_in_files_order("the training data", f"--test {shorten(str(s['test']), 80)}",
                            test.feature_names)
    return test


_HEADER_FLAGS = {"(nndl --header or --no-header)": "(nndl train --test-header or "
                 "--test-no-header)", "(nndl --header)": "(nndl train --test-header)",
                 "(nndl --no-header)": "(nndl train --test-no-header)",
                 "(decimal=',' or nndl --decimal ,; nndl predict and evaluate take the model's "
                 "unless told)": "(nndl train --decimal , or --test-decimal ,)",
                 "nndl --decimal": "nndl train --test-decimal"}
"""What the header and decimal-mark messages of :mod:`nndl.datasets` say to give, and what
to give for --test's file: --header / --no-header / --decimal would speak for the training
file too."""


@contextlib.contextmanager
def _said_of_test() -> Iterator[None]:
    """Header and decimal-mark warnings and errors while --test's file is read, naming
    --test-header, --test-no-header and --test-decimal instead of --header, --no-header and
    --decimal."""
    def said(text: str) -> str:
        for flag, test_flag in _HEADER_FLAGS.items():
            text = text.replace(flag, test_flag)
        return text

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except NNDLError as exc:
            if said(str(exc)) == str(exc):
                raise
            raise NNDLError(said(str(exc))) from None
    for w in caught:
        warnings.warn(NNDLWarning(said(str(w.message))) if isinstance(w.message, NNDLWarning)
                      else w.message, stacklevel=2)


def _check_fits(s: dict, dims: "list[int]", m: int, classes: str = "") -> None:
    """NNDLError before any parameter is drawn when the network, its training and the m
    training targets cannot fit in memory (Network and fit check their own parts, but only
    once the parameters, which alone may take gigabytes, exist; the targets are n[L] x m:
    one-hot rows of thousands of classes take gigabytes with mini-batches too)."""
    dtype = np.dtype(s["dtype"])
    batch = min(m, s["batch_size"] or m)
    slots = len(get_optimizer(s["optimizer"]).slots)
    dropout = s["keep_prob"] is not None and s["keep_prob"] < 1
    targets = dims[-1] * m * (8 + (dtype.itemsize if dtype != np.float64 else 0))  # float64
    need = initialize_bytes(dims, dtype) + targets \
        + training_entries(dims, batch, slots, dropout) * dtype.itemsize  # (and fit's copy)
    lead = ("use smaller --layers (or a smaller --batch-size)" if 2 * targets < need else
            f"train on fewer samples (the targets are one row per class, {dims[-1]} rows)")
    check_memory(f"the network {dims} and its training ({dtype.name}, batches of {batch}; "
                 f"targets {dims[-1]} x {m})", need, lead + classes)


def _head(output: "str | None", data: Any) -> heads.Head:
    """The output layer for the data's task: ``--output`` when given, which may only differ
    from the task's own as a softmax over the 2 classes of a binary task (2 units, as the
    Python API builds it); any other mismatch is an NNDLError saying what fits."""
    head = heads.for_task(data.task)
    if output is None or output == head.output:
        return head
    chosen = heads.for_output(output)
    if data.task == "binary" and chosen.task == "multiclass":
        return chosen
    what = {"binary": "2 classes", "multiclass": f"{data.n_classes} classes",
            "regression": "a regression (numbers to predict)"}[data.task]
    fits = ("sigmoid (one unit) or softmax (two)" if data.task == "binary"
            else heads.for_task(data.task).output)
    hint = ("; for a data file, --task classification reads its labels as classes"
            if data.task == "regression" else "; for a data file, --task regression reads "
            "numeric labels as numbers" if chosen.task == "regression" else "")
    raise NNDLError(f"--output {output} does not fit {data.name}: it holds {what}, whose output "
                    f"is {fits}{hint}")


def build_model(s: dict, parts: Parts) -> Network:
    """A new network for the data's task, standardizing as ``s`` says (auto: not images, whose
    pixels are already in [0, 1]; the choice is written back to ``s``, which is saved)."""
    data = parts.data
    head = _head(s["output"], data)
    if head.is_classifier:  # the data's classes, else the labels 0..max
        n_out = head.n_units(data.n_classes or int(data.Y.max()) + 1)
    else:  # one unit per target row
        n_out = head.n_units(int(data.Y.shape[0]))
    rng = np.random.RandomState(s["seed"]) if s["rng"] == "legacy" else None
    dims = [parts.train.X.shape[0], *s["layers"], n_out]
    many = n_out > 2 and n_out > parts.data.m // 2  # an ID column read as the labels?
    _check_fits(s, dims, parts.train.m, f"; its {n_out} output units are the classes of "
                f"{_label_said(data, s)}: if it is not the label, say which is with --label"
                if head.is_classifier and many else "")
    net = Network(dims, hidden=s["hidden"],
                  output=head.output, init=s["init"], dtype=s["dtype"],
                  seed=None if rng is not None else s["seed"], rng=rng)
    net.classes = list(data.classes) if data.classes and head.is_classifier else None
    if s["standardize"] is None:
        s["standardize"] = image_size_of(data) is None
    if s["standardize"]:
        net.preprocessing = Standardizer().fit(parts.train.X)
        if not net.head.is_classifier:  # regression: learn (Y - mean) / std, answer in Y units
            net.target_scaling = Standardizer().fit(parts.train.Y)
    return net


DIGITS_SCALE = "pixels in [0, 1]"
"""How a model of the built-in digits read them (``info["digits_scale"]``); models trained
before 2026-12-07 read grey levels 0..16 and lack it (:func:`nndl.cli.common.read_model`)."""


def model_info(s: dict, parts: Parts) -> dict:
    """What a model file of ``nndl train`` holds in ``info`` besides its summary: the
    settings ``s`` (to resume with), the data's name, fingerprint, columns and image size,
    and a table's width (``columns``: a table without a header, read for the model later,
    has its --features / --drop by position in a file of that many columns)."""
    return {"train_args": s, "image_size": image_size_of(parts.data),
            "data_name": parts.data.name, "data_fingerprint": fingerprint(parts.data),
            "feature_names": parts.data.feature_names, "label_name": parts.data.label_name,
            "dropped_names": parts.dropped, "columns": parts.data.columns,
            **({"digits_scale": DIGITS_SCALE} if s["data"] == "digits" else {})}


def fit_arguments(s: dict, net: Network, parts: Parts, callbacks: list,
                  early: "EarlyStopping | None", remaining: int,
                  optimizer: "Any | None" = None) -> dict:
    """``Network.fit``'s keyword arguments for the settings ``s``: ``remaining`` epochs
    (mini-batches) or iterations (full batch), the optimizer ``s`` names (or ``optimizer``,
    with its state, when resuming), L2, dropout, and the dev set when ``early`` stops."""
    if optimizer is None:
        optimizer = get_optimizer(s["optimizer"], s["lr"], decay=s["decay"])
    kw: dict = {"learning_rate": s["lr"], "callbacks": callbacks, "optimizer": optimizer,
                "lambd": s["lambd"], "keep_probs": s["keep_prob"]}
    if early is not None:
        kw["dev"] = (parts.dev.X, dataset_targets(parts.dev, net))
    kw.update({"batch_size": s["batch_size"], "epochs": remaining}
              if s["batch_size"] is not None else {"iterations": remaining})
    return kw


def early_stopping(s: dict, meta: "dict | None" = None) -> "EarlyStopping | None":
    """--patience's callback; with ``meta`` (the metadata of a checkpoint resumed from), its
    counters and best parameters."""
    if s["patience"] is None:
        return None
    early = EarlyStopping(s["patience"])
    state = (meta["info"].get("checkpoint") or {}).get("early_stopping") \
        if meta is not None else None  # a model saved at the end of its run has none
    if state is not None:
        early.load_state_dict(state, meta["param_sets"].get("best"))
    return early


@dataclass
class Fitted:
    seconds: float
    iterations: int
    """Iterations (parameter updates) this run made."""
    epochs: int
    """Epochs this run made (fewer than planned when early stopping stopped it)."""


def summarize(net: Network, parts: Parts, Ytrain: np.ndarray, fitted: Fitted) -> dict:
    """What the saved model's ``info["summary"]`` holds: counts, time, final cost, scores."""
    summary: dict = {"iterations": net.iterations_done, "epochs": net.epochs_done,
                     "best_epoch": net.history.best_epoch, "seconds": round(fitted.seconds, 3),
                     "final_cost": net.history.costs[-1] if net.history.costs else None,
                     "train": _finite(scores(net, parts.train.X, Ytrain))}
    for name, d in parts.named()[1:]:
        check_width(net, d, f"the {name} data")
        summary[name] = _finite(scores(net, d.X, dataset_targets(d, net)))
    return summary


def warn_no_better(net: Network, parts: Parts, Ytrain: np.ndarray, summary: dict) -> None:
    """A warning for each part (train, dev, test) on which the model scores no better than a
    model that learned nothing (:func:`~nndl.cli.common.no_better`: the majority class of
    unbalanced data, the mean of the targets), as ``nndl evaluate`` says it."""
    for name, d in parts.named():
        counts = names = None
        if "accuracy" in summary[name]:
            Y = Ytrain if name == "train" else dataset_targets(d, net)
            counts, names = heads.confusion_matrix(net, d.X, Y), heads.class_names(net)
        why = no_better(summary[name], counts, names)
        if why is not None:
            warnings.warn(NNDLWarning(f"on the {name} data, {why}"))


def _finite(scores: dict) -> dict:
    """Scores with None for a value beyond float64 (the mse of targets near 1e300 is inf): the
    model's JSON metadata holds numbers only."""
    return {k: (v if np.isfinite(v) else None) for k, v in scores.items()}
