"""Output heads: everything that depends on the output layer, in one table.

| task         | output  | cost                 | targets Y (n[L], m)   | A[L] -> label            |
|--------------|---------|----------------------|-----------------------|--------------------------|
| ``binary``     | sigmoid | binary cross-entropy | 0/1 rows              | 1 if A[L] > 0.5 else 0   |
| ``multiclass`` | softmax | cross-entropy        | one-hot columns       | argmax over the units    |
| ``regression`` | linear  | squared error        | values                | A[L] itself              |

A head owns its cost, the checks of its targets, the encoding of labels of any kind (text,
integers, ...) through a :class:`~nndl.labels.LabelMap` and their decoding, its number of
classes, its scores and the turning of A[L] into labels. No other module of nndl compares
output names: they ask :func:`for_output` (a model's ``net.head``), :func:`for_task` (a data
set's task) or :func:`for_classes` (a classifier's number of classes) for the head.

    head = for_output("softmax")
    Y = head.targets(["cat", "dog"], n_out=2, dtype=np.float64, label_map=lm)   # (2, m)
    head.predict(AL, lm)                                                    # labels (1, m)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import metrics
from .costs import COSTS, Cost
from .errors import NNDLError, shorten
from .labels import LabelMap, as_label_vector, label_number, missing_labels, name_key, one_hot
from .validation import as_matrix

Array = np.ndarray

__all__ = ["Head", "HEADS", "TASKS", "for_output", "for_task", "for_classes", "one_hot",
           "dataset_targets", "class_names", "scores", "confusion_matrix"]


def _shape(Y: object) -> tuple:
    return np.shape(Y) if isinstance(Y, np.ndarray) else np.asarray(Y, dtype=object).shape


def _is_text(Y: object) -> bool:
    """Y holds strings (a str/bytes array, or a list of them)."""
    try:
        arr = np.asarray(Y)
    except Exception:  # ragged: as_matrix reports it
        return False
    if arr.dtype.kind in "US":
        return True
    if arr.dtype != object or arr.size == 0:
        return False
    values = arr.ravel().tolist()
    if all(isinstance(v, (str, bytes)) for v in values):
        return True
    gone = missing_labels(values)
    holes = set(gone)
    if gone and all(isinstance(v, (str, bytes)) for i, v in enumerate(values)
                    if i not in holes):  # text labels with holes (pandas' NaN, None)
        raise NNDLError(f"Y has {len(gone)} missing label(s) (None or NaN; the first at sample "
                        f"{gone[0]}): leave those samples out, or fill them in")
    return False


def _index_labels(y: Array, n_classes: int) -> bool:
    """Labels that are already class indices 0..n_classes-1 (a class may be absent):
    integers, booleans, or floats holding whole numbers (``np.loadtxt``'s, pandas' after
    ``dropna``), so that the same indices as int or float give the same model."""
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):  # (finite: as_label_vector)
        return False
    return y.dtype.kind in "biuf" and y.min() >= 0 and y.max() < n_classes


def _whole_number_labels(Y: object) -> bool:
    """Y is a vector (1-D or one row) of finite whole numbers, not all 0 or 1."""
    try:
        y = np.asarray(Y)
    except Exception:  # ragged: as_matrix reports it
        return False
    if y.dtype.kind not in "iuf" or y.size == 0 or not (y.ndim == 1 or y.shape[:1] == (1,)) \
            or y.ndim > 2 or not np.isfinite(y).all():
        return False
    return bool(np.all(y == np.round(y)) and not np.all((y == 0) | (y == 1)))


class Head:
    """What an output layer decides: cost, targets, labels, scores (one instance per task)."""

    task: str = ""
    output: str = ""
    """Name of the output activation (the only place nndl spells it)."""
    cost: Cost
    is_classifier: bool = True
    metric_names: "tuple[str, ...]" = ("accuracy",)
    """The names :meth:`scores` returns (the first is the one reported by default)."""

    def __repr__(self) -> str:
        return f"<head {self.task}: {self.output} output, {self.cost.name}>"

    # --- sizes -------------------------------------------------------------------------------
    def n_classes(self, n_out: int) -> "int | None":
        """Number of classes of an output layer of ``n_out`` units (None for regression)."""
        raise NotImplementedError

    def n_units(self, n_classes: int) -> int:
        """Output units for ``n_classes`` classes (regression: ``n_classes`` target rows)."""
        raise NotImplementedError

    def check_units(self, n_out: int) -> None:
        """NNDLError when an output layer of ``n_out`` units cannot serve this head."""

    # --- targets -----------------------------------------------------------------------------
    def check_targets(self, Y: Array) -> None:
        """NNDLError unless the (n[L], m) matrix Y holds valid targets for this head."""

    def takes_labels(self, Y: object, label_map: "LabelMap | None") -> bool:
        """Whether Y is given as labels (to encode) rather than as the target matrix."""
        return False

    def fit_label_map(self, Y: object, n_out: int) -> "LabelMap | None":
        """The label map a first fit with labels Y sets (None when Y is a target matrix)."""
        return None

    def encode(self, y: object, label_map: LabelMap, dtype: Any = np.float64) -> Array:
        """Labels -> the target matrix, through ``label_map``."""
        raise NNDLError(f"a {self.output} output takes values, not class labels")

    def from_indices(self, y: Array, n_out: int) -> Array:
        """Class indices (1-D int) -> the float64 target matrix."""
        raise NNDLError(f"a {self.output} output takes values, not class indices")

    def targets(self, Y: object, n_out: int, dtype: Any,
                label_map: "LabelMap | None", encoded: bool = False) -> Array:
        """Y as the checked (n[L], m) target matrix of ``dtype``: labels are encoded through
        ``label_map``; a matrix is taken as it is (always when ``encoded``: Y is known to be
        the matrix, e.g. a sigmoid's 0/1 row beside a label map of the numbers 1 and 2)."""
        if not encoded and self.takes_labels(Y, label_map):
            Yt = self._encode_labels(Y, n_out, dtype, label_map)
        else:
            Yt = as_matrix("Y", Y, dtype, rows=n_out)
        self.check_targets(Yt)
        return Yt

    def _encode_labels(self, Y: object, n_out: int, dtype: Any,
                       label_map: "LabelMap | None") -> Array:
        raise NotImplementedError

    def random_targets(self, rng: np.random.Generator, n_out: int, m: int) -> Array:
        """Valid random targets (n_out, m) in float64, e.g. for a gradient check."""
        raise NotImplementedError

    # --- A[L] -> labels ------------------------------------------------------------------------
    def indices(self, AL: Array) -> Array:
        """A[L] -> class indices (int64): (n[L], m) for sigmoid, (1, m) for softmax."""
        raise NNDLError("class indices are for classifiers; this model is a regression "
                        f"({self.output} output)")

    def truth(self, Y: Array) -> Array:
        """The target matrix -> class indices, shaped like :meth:`indices`."""
        raise NNDLError("class indices are for classifiers; this model is a regression "
                        f"({self.output} output)")

    def predict(self, AL: Array, label_map: "LabelMap | None" = None) -> Array:
        """A[L] -> what ``predict`` returns: labels (decoded by ``label_map`` when given)."""
        idx = self.indices(AL)
        return idx if label_map is None else label_map.decode(idx)

    def proba(self, AL: Array) -> Array:
        """A[L] as probabilities (what ``predict_proba`` returns)."""
        return AL

    def class_probabilities(self, AL: Array) -> Array:
        """(k, m): the probability of every class (for sigmoid, rows 1 - A and A)."""
        return AL

    def confidence(self, AL: Array) -> Array:
        """(m,) float64: the probability of the predicted class of every sample."""
        raise NNDLError("probabilities are for classifiers; this model is a regression")

    # --- scores -------------------------------------------------------------------------------
    def scores(self, AL: Array, Y: Array) -> dict[str, float]:
        """``{"accuracy"}`` for classifiers, ``{"mse", "rmse", "mae", "r2"}`` for regression
        (the names of ``metric_names``)."""
        return {"accuracy": metrics.subset_accuracy(self.truth(Y), self.indices(AL),
                                                    matrix=True)}


class BinaryHead(Head):
    """One sigmoid unit per binary label: P(y = 1 | x); the positive class is index 1."""

    task, output, cost = "binary", "sigmoid", COSTS["binary_cross_entropy"]

    def n_classes(self, n_out: int) -> int:
        return 2

    def n_units(self, n_classes: int) -> int:
        return 1

    def check_targets(self, Y: Array) -> None:
        bad = (Y != 0) & (Y != 1)
        if bad.any():
            seen = np.unique(Y[bad])[:5]
            raise NNDLError("labels for a sigmoid output must be 0 or 1; got other values such "
                            f"as {seen.tolist()}")

    def takes_labels(self, Y: object, label_map: "LabelMap | None") -> bool:
        """Text labels, or any vector of labels when the label map's classes are numbers
        (numbers are otherwise the 0/1 targets themselves)."""
        if _is_text(Y):
            return True
        return label_map is not None and label_map.classes.dtype.kind not in "US" \
            and len(_shape(Y)) in (1, 2) and (len(_shape(Y)) == 1 or _shape(Y)[0] == 1)

    def fit_label_map(self, Y: object, n_out: int) -> "LabelMap | None":
        """Text labels, or a vector of whole numbers other than 0/1 (1/2, -1/+1: the classes,
        in sorted order, as for text and for softmax). Numbers within {0, 1} stay the targets
        themselves (the course's path, no label map); fractions are no class labels, and
        :meth:`check_targets` still refuses them."""
        if not (_is_text(Y) or (n_out == 1 and _whole_number_labels(Y))):
            return None
        lm = LabelMap.from_labels(as_label_vector(Y, "Y"))
        if lm.n_classes != 2 or n_out != 1:
            raise NNDLError(f"Y has {lm.n_classes} distinct labels {lm.classes[:10].tolist()!r}"
                            f" for a sigmoid output of {n_out} unit(s): it takes targets 0 or 1, "
                            "or labels of exactly 2 classes and 1 unit (the second class, in "
                            "sorted order, is 1)")
        return lm

    def encode(self, y: object, label_map: LabelMap, dtype: Any = np.float64) -> Array:
        return label_map.encode(y).astype(dtype).reshape(1, -1)

    def _encode_labels(self, Y: object, n_out: int, dtype: Any,
                       label_map: "LabelMap | None") -> Array:
        if label_map is None:
            y = as_label_vector(Y, "Y")
            raise NNDLError(f"Y holds labels {np.unique(y)[:5].tolist()!r} but this network has "
                            "no label map yet: fit it with these labels first, or give Y as 0/1")
        if n_out != 1:
            raise NNDLError(f"labels need a sigmoid output of 1 unit; this one has {n_out}")
        return self.encode(Y, label_map, dtype)

    def from_indices(self, y: Array, n_out: int) -> Array:
        return y.reshape(1, -1).astype(np.float64)

    def random_targets(self, rng: np.random.Generator, n_out: int, m: int) -> Array:
        return (rng.random((n_out, m)) > 0.5).astype(np.float64)

    def indices(self, AL: Array) -> Array:
        return (AL > 0.5).astype(np.int64)

    def truth(self, Y: Array) -> Array:
        return Y

    def class_probabilities(self, AL: Array) -> Array:
        return np.vstack([1.0 - AL, AL])

    def confidence(self, AL: Array) -> Array:
        A = np.asarray(AL[0], dtype=np.float64)
        return np.where(A > 0.5, A, 1.0 - A)


class MulticlassHead(Head):
    """A softmax over k >= 2 units: P(class c | x) for c = 0..k-1."""

    task, output, cost = "multiclass", "softmax", COSTS["cross_entropy"]

    def n_classes(self, n_out: int) -> int:
        return n_out

    def n_units(self, n_classes: int) -> int:
        return n_classes

    def check_units(self, n_out: int) -> None:
        if n_out < 2:
            raise NNDLError("a softmax output needs at least 2 units (one per class)")

    def check_targets(self, Y: Array) -> None:
        if ((Y != 0) & (Y != 1)).any() or not np.all(Y.sum(axis=0) == 1):
            raise NNDLError(f"labels for a softmax output must be one-hot columns, shape "
                            f"({Y.shape[0]}, m) with a single 1 per column")

    def takes_labels(self, Y: object, label_map: "LabelMap | None") -> bool:
        """A vector (1-D or one row) of labels, rather than one-hot columns."""
        shape = _shape(Y)
        return len(shape) == 1 or (len(shape) == 2 and shape[0] == 1)

    def targets(self, Y: object, n_out: int, dtype: Any,
                label_map: "LabelMap | None", encoded: bool = False) -> Array:
        shape = _shape(Y)
        if not encoded and len(shape) == 2 and shape[1] == 1 and shape[0] not in (1, n_out):
            raise NNDLError(f"Y must be one-hot columns ({n_out}, m) or a vector of m labels; "
                            f"got shape {shape}: a column of labels or class indices? pass "
                            "y.ravel() (samples are columns)")
        return super().targets(Y, n_out, dtype, label_map, encoded)

    def fit_label_map(self, Y: object, n_out: int) -> "LabelMap | None":
        """Class indices 0..n[L]-1 (integers, or floats holding whole numbers) map to
        themselves (an int64 map: ``predict`` returns int64 indices), other labels to their
        sorted distinct values (``predict`` returns labels of their kind)."""
        if not self.takes_labels(Y, None):
            return None
        y = as_label_vector(Y, "Y")
        if _index_labels(y, n_out):
            return LabelMap(np.arange(n_out))
        lm = LabelMap.from_labels(y)
        if lm.n_classes != n_out:
            raise NNDLError(f"Y has {lm.n_classes} distinct labels {lm.classes[:10].tolist()!r} "
                            f"but the softmax output has {n_out} units: one unit per class is "
                            "needed")
        return lm

    def encode(self, y: object, label_map: LabelMap, dtype: Any = np.float64) -> Array:
        return label_map.one_hot(y, dtype)

    def _encode_labels(self, Y: object, n_out: int, dtype: Any,
                       label_map: "LabelMap | None") -> Array:
        if label_map is None:  # without a label map, integers 0..n[L]-1 are class indices
            y = as_label_vector(Y, "Y")
            if not _index_labels(y, n_out):
                raise NNDLError(
                    f"Y holds labels {np.unique(y)[:5].tolist()!r} but this network has no "
                    "label map yet: fit it with these labels first, or give Y as one-hot "
                    f"columns ({n_out}, m) or class indices 0..{n_out - 1}")
            label_map = LabelMap(np.arange(n_out))
        return self.encode(as_label_vector(Y, "Y"), label_map, dtype)

    def from_indices(self, y: Array, n_out: int) -> Array:
        return one_hot(y, n_out, np.float64)

    def random_targets(self, rng: np.random.Generator, n_out: int, m: int) -> Array:
        return one_hot(rng.integers(0, n_out, m), n_out, np.float64)

    def indices(self, AL: Array) -> Array:
        return np.argmax(AL, axis=0).reshape(1, -1)

    def truth(self, Y: Array) -> Array:
        return np.argmax(Y, axis=0).reshape(1, -1)

    def confidence(self, AL: Array) -> Array:
        return np.asarray(np.max(AL, axis=0), dtype=np.float64)


class RegressionHead(Head):
    """Linear units: A[L] = Z[L] are the predicted values, one row per target."""

    task, output, cost = "regression", "linear", COSTS["squared_error"]
    is_classifier = False
    metric_names = ("rmse", "mse", "mae", "r2")

    def n_classes(self, n_out: int) -> None:
        return None

    def n_units(self, n_classes: int) -> int:
        return n_classes

    def random_targets(self, rng: np.random.Generator, n_out: int, m: int) -> Array:
        return rng.standard_normal((n_out, m))

    def predict(self, AL: Array, label_map: "LabelMap | None" = None) -> Array:
        return AL

    def proba(self, AL: Array) -> Array:
        raise NNDLError("predict_proba needs a sigmoid or softmax output; this model is a "
                        "regression (linear output): use predict")

    def class_probabilities(self, AL: Array) -> Array:
        return self.proba(AL)

    def scores(self, AL: Array, Y: Array) -> dict[str, float]:
        return metrics.regression_scores(Y, AL, matrix=True)


HEADS: dict[str, Head] = {h.task: h for h in (BinaryHead(), MulticlassHead(), RegressionHead())}
"""The table: task name -> head."""

TASKS: tuple[str, ...] = tuple(HEADS)
"""``("binary", "multiclass", "regression")``."""

_BY_OUTPUT: dict[str, Head] = {h.output: h for h in HEADS.values()}


def for_output(output: str) -> Head:
    """The head of an output activation name (``sigmoid``, ``softmax`` or ``linear``)."""
    head = _BY_OUTPUT.get(output) if isinstance(output, str) else None
    if head is None:
        raise NNDLError(f"the output layer's activation must be one of {sorted(_BY_OUTPUT)} "
                        f"(each has a matching cost); got {output!r}")
    return head


def find_output(output: object) -> "Head | None":
    """The head of an output activation name, or None (for names read from files)."""
    return _BY_OUTPUT.get(output) if isinstance(output, str) else None


def for_task(task: str) -> Head:
    """The head of a task (``binary``, ``multiclass`` or ``regression``)."""
    head = HEADS.get(task) if isinstance(task, str) else None
    if head is None:
        raise NNDLError(f"task must be one of {list(TASKS)}; got {task!r}")
    return head


def for_classes(n_classes: int) -> Head:
    """The classifier head for ``n_classes`` classes: binary for 2, multi-class for more."""
    return HEADS["binary" if n_classes == 2 else "multiclass"]


# --- a model and a data set (duck-typed: ``net.head``, ``net.layer_dims``, ``data.Y``) ----------
def _head(net: Any) -> Head:
    return getattr(net, "head", None) or for_output(net.output)


def class_names(net: Any) -> list[str]:
    """Display names of the model's classes: its ``classes``, else "0", "1", ..."""
    k = _head(net).n_classes(net.layer_dims[-1]) or 0
    return list(net.classes) if net.classes else [str(i) for i in range(k)]


def dataset_targets(data: Any, net: Any) -> Array:
    """A data set's labels in the model's layout (float64): (1, m) 0/1, one-hot (k, m), or
    (n, m) values. ``data.Y`` holds class indices into ``data.classes``; those are matched
    to the model's classes by name when both have names."""
    if data.Y is None:
        raise NNDLError(f"{data.name or 'the data'} has no labels")
    head = _head(net)
    task = getattr(data, "task", None)
    if task is not None and (task == "regression") == head.is_classifier:
        read, kind = (("regression targets", "classification") if task == "regression"
                      else ("classes", "regression"))
        raise NNDLError(f"{data.name or 'the data'}: its labels were read as {read}, but the "
                        f"model is a {head.task} model; read them for it (nndl.datasets.load(..., "
                        f"task={kind!r}))")
    if not head.is_classifier:
        return np.asarray(data.Y, dtype=np.float64)
    y = np.asarray(data.Y).astype(np.int64).ravel()
    k = head.n_classes(net.layer_dims[-1])
    if not net.classes and data.classes:  # unnamed classes 0..k-1: the labels' values count
        y = _as_indices(data, k)[y]       # (data.Y indexes the classes this file holds)
    elif net.classes and data.classes and list(data.classes) != list(net.classes):
        bools = set(map(str, net.classes)) <= {"False", "True"}  # a model fitted on bools
        same = (lambda c: _same(c, bools)) \
            if len({_same(c, bools) for c in net.classes}) == len(net.classes) else str
        index = {same(c): i for i, c in enumerate(net.classes)}  # (str: '1' and '1.0' both
        unknown = [c for c in data.classes if same(c) not in index]  # classes: as written)
        if unknown:
            raise NNDLError(f"the data has classes {unknown} that the model does not know "
                            f"(the model's classes: {net.classes})")
        y = np.array([index[same(c)] for c in data.classes], dtype=np.int64)[y]
    if y.size and (y.min() < 0 or y.max() >= k):
        raise NNDLError(f"labels must be class indices 0..{k - 1} for this model; got values up "
                        f"to {int(y.max())}")
    return head.from_indices(y, net.layer_dims[-1])


def _same(name: object, bools: bool = False) -> object:
    """A class name as it is compared: a number by its value (a model fitted on the floats
    np.loadtxt gives has classes '0.0', '1.0'; a file's labels read '0', '1'); for a model
    of ``bools``, 'False', 'True' are 0 and 1, as in NumPy; any other name as its text (the
    loader's text: '1_0' is no 10, 'True' no class 1 of a model of 1 and 2), in one Unicode
    form (:func:`~nndl.labels.name_key`)."""
    text = str(name)
    if bools and text in ("False", "True"):
        return float(text == "True")
    v = label_number(text)
    return v if v is not None and np.isfinite(v) else name_key(text)


def _as_indices(data: Any, k: int) -> Array:
    """The class index each of ``data.classes`` is, for a model without class names (its
    classes are 0..k-1, as it predicts them): numbers ("1", "1.0", by the loader's rule,
    :func:`~nndl.labels.label_number`) by value (a file holding only label 1 is class 1, not
    its first class); names (a data set's own list, e.g. the cat data's non-cat, cat) by
    position when they are k, all the classes, and none is a number (the loader sorts
    '0'..'9', '1_0' as text: by position '2' would be class 3); else NNDLError."""
    values = [label_number(str(c)) for c in data.classes]
    if all(v is not None and v.is_integer() and 0 <= v < k for v in values):
        return np.array(values, dtype=np.int64)
    if all(v is None for v in values) and len(data.classes) == k:
        return np.arange(k)
    raise NNDLError(f"{data.name or 'the data'} has the classes {shorten(list(data.classes))}, "
                    f"which cannot be told apart as the model's: it has no class names, its "
                    f"classes are the numbers 0..{k - 1}")


def scores(net: Any, X: Array, Y: Array) -> dict[str, float]:
    """The model's scores on (X, Y) (Y the target matrix): ``{"accuracy"}`` for classifiers,
    ``{"mse", "rmse", "mae", "r2"}`` for regression (the head's ``metric_names``)."""
    return _head(net).scores(net.forward(X), Y)


def confusion_matrix(net: Any, X: Array, Y: Array) -> Array:
    """counts[i, j] = number of samples of true class i predicted as class j (Y the target
    matrix)."""
    head = _head(net)
    k = head.n_classes(net.layer_dims[-1])
    return metrics.confusion_matrix(head.truth(Y), head.indices(net.forward(X)), k)
