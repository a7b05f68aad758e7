"""``Dataset``: what every loader, generator and built-in set returns, and how labels are read.

Samples are columns, as everywhere in nndl: ``X`` is (n[0], m) float64 and ``Y`` is (1, m):
int64 class indices 0..k-1 for classification (``classes[i]`` names index i), float64 targets
for regression. ``task`` is ``"binary"`` (k <= 2), ``"multiclass"`` (k > 2) or
``"regression"``; a data set read without labels (``label=False``, image files for prediction)
has ``Y = None`` and ``task = "unlabeled"``.

How label values become a task (one rule for CSV, NPZ and HDF5):

- text labels ("cat", "dog") -> classes, sorted;
- numbers that are all integers with at most :data:`MAX_AUTO_CLASSES` distinct values ->
  classes named by the value ("0", "1", "7"), sorted numerically;
- any other numbers -> regression.

Pass ``task=`` to a loader to override the rule (``"classification"``: classes whatever the
values, binary or multi-class by their count; ``"regression"``: numbers as targets), and ``classes=`` (e.g. a trained model's class
names) to map labels onto a fixed list of classes, so that a test file holding only some of the
classes gets the same indices as the training file (numbers that are not among the names are
read as class indices 0..k-1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..errors import NNDLError
from ..heads import TASKS, for_classes
from ..labels import label_number, missing_labels, one_hot
from ..limits import ENV, human, max_bytes
def task_for_classes(k: int) -> str:
    """The task of labels of ``k`` classes: ``"binary"`` for k <= 2, else ``"multiclass"``
    (the classifier heads of :mod:`nndl.heads`)."""
    return for_classes(max(int(k), 2)).task


TASK_CHOICES = (*TASKS, "classification")
"""What ``task=`` of a loader accepts: a data set's task, or ``"classification"`` (classes,
binary or multi-class by their count)."""
MAX_AUTO_CLASSES = 20
"""Integer labels with at most this many distinct values are read as classes, not targets."""


@dataclass
class Dataset:
    """A labelled data set with samples as columns.

    Attributes
    ----------
    X : (n[0], m) float64
    Y : (1, m) int64 class indices (classification), float64 targets (regression), or None
        (unlabeled data, ``task == "unlabeled"``).
    classes : names of the class indices (``classes[Y[0, j]]`` is the label of sample j);
        None for regression.
    feature_names : one name per row of X (a CSV file's header), or None.
    task : ``"binary"``, ``"multiclass"``, ``"regression"`` (or ``"unlabeled"``).
    images : (m, h, w, c) uint8 for image data (for plotting), else None.
    name : where the data came from (file name, generator, built-in name).
    sample_names : one name per sample (column of X), or None: the image file names of a
        folder of images.
    label_name : the header name of a table's label column, or None.
    label_column : a table's label column as an index into its ``columns``, or None.
    columns : how many columns the table holds (its width), or None for data not read from
        a table: with ``label_column``, what ``label=`` names the same column (-1 or the name).
    header : a table's header row (a name for each of its ``columns``, those left out
        included), or None (no header, or data not read from a table).
    decimal : the decimal mark a table's numbers were read with (``"."`` or ``","``, said or
        detected), or None for data not read from a table.
    """

    X: np.ndarray
    Y: "np.ndarray | None"
    classes: "list[str] | None" = None
    feature_names: "list[str] | None" = None
    task: str = "binary"
    images: "np.ndarray | None" = None
    name: str = ""
    sample_names: "list[str] | None" = None
    label_name: "str | None" = None
    label_column: "int | None" = None
    columns: "int | None" = None
    header: "list[str] | None" = None
    decimal: "str | None" = None

    def __post_init__(self) -> None:
        if not isinstance(self.X, np.ndarray) or self.X.ndim != 2:
            raise NNDLError(f"Dataset.X must be a 2-D array (n0, m); got "
                            f"{getattr(self.X, 'shape', type(self.X).__name__)}")
        m = self.X.shape[1]
        if self.Y is None:
            self.task = "unlabeled"
        else:
            if self.task not in TASKS:
                raise NNDLError(f"Dataset.task must be one of {list(TASKS)}; got {self.task!r}")
            if self.Y.shape != (1, m):
                raise NNDLError(f"Dataset.Y must have shape (1, m) = (1, {m}); got {self.Y.shape}")
        if self.feature_names is not None and len(self.feature_names) != self.X.shape[0]:
            raise NNDLError(f"Dataset has {self.X.shape[0]} features but "
                            f"{len(self.feature_names)} feature names")
        if self.sample_names is not None and len(self.sample_names) != m:
            raise NNDLError(f"Dataset has {m} samples but {len(self.sample_names)} sample names")
        if self.images is not None and self.images.shape[0] != m:
            raise NNDLError(f"Dataset has {m} samples but {self.images.shape[0]} images")

    # --- description --------------------------------------------------------------------
    @property
    def m(self) -> int:
        """Number of samples (columns of X)."""
        return int(self.X.shape[1])

    @property
    def n_features(self) -> int:
        """n[0], the number of input features (rows of X)."""
        return int(self.X.shape[0])

    @property
    def n_classes(self) -> int:
        """k, the number of classes (0 for regression or unlabeled data)."""
        return len(self.classes) if self.classes is not None else 0

    def __repr__(self) -> str:
        k = f", classes={self.classes}" if self.classes is not None else ""
        return (f"Dataset({self.name!r}, task={self.task!r}, n0={self.n_features}, "
                f"m={self.m}{k})")

    # --- targets for a network ------------------------------------------------------------
    def one_hot(self) -> np.ndarray:
        """Y as one-hot columns (k, m), for a softmax output."""
        if self.task not in ("binary", "multiclass"):
            raise NNDLError(f"one-hot labels need classes; this data set is {self.task}")
        return one_hot(self.Y[0], max(self.n_classes, 1))

    def targets(self) -> np.ndarray:
        """Y in the shape the matching network wants: (1, m) 0/1 for binary (sigmoid output),
        (k, m) one-hot for multiclass (softmax), (1, m) float for regression (linear)."""
        if self.task == "multiclass":
            return self.one_hot()
        if self.task == "unlabeled":
            raise NNDLError(f"{self.name or 'this data set'} has no labels")
        return self.Y

    def subset(self, idx: "Sequence[int] | np.ndarray", name: "str | None" = None) -> "Dataset":
        """The samples ``idx`` (column indices), keeping classes, feature names and task."""
        idx = np.asarray(idx, dtype=np.int64)
        return replace(
            self,
            X=self.X[:, idx],
            Y=None if self.Y is None else self.Y[:, idx],
            images=None if self.images is None else self.images[idx],
            sample_names=None if self.sample_names is None
            else [self.sample_names[i] for i in idx.tolist()],
            name=self.name if name is None else name,
        )


def _read_labels(values: np.ndarray, source: str) -> tuple[np.ndarray, "np.ndarray | None"]:
    """``(values, numbers)``: labels that are numbers (or text of numbers) as float64, else
    None and the text stripped; missing labels (None, NaN in an object array) refused. Text
    comes back as an object array of str: a NumPy text array gives every label the room of
    the longest (one label of 130 000 characters made 300 000 short ones take 145 GiB)."""
    if values.dtype.kind in "biuf":
        return values, values.astype(np.float64)
    if values.dtype.kind not in "USO":
        raise NNDLError(f"{source}: labels must be numbers or text; got dtype {values.dtype}")
    if values.dtype.kind == "O":
        gone = missing_labels(values.tolist())
        if gone:
            raise NNDLError(f"{source}: {len(gone)} label(s) are missing (None or NaN; the "
                            f"first at sample {gone[0]}): fill them in or leave those "
                            "samples out")
    strs = _texts(values, source)
    numbers = [label_number(s) for s in strs]
    if any(v is None for v in numbers):
        return text_array([s.strip() for s in strs]), None
    return text_array(strs), np.array(numbers, dtype=np.float64)


def _texts(values: np.ndarray, source: str) -> list[str]:
    """The labels ``values`` (text, bytes or objects) as str; bytes are UTF-8 text, and bytes
    that are not (an HDF5 or .npz label written in Latin-1) are an NNDLError saying so, not
    a UnicodeDecodeError traceback."""
    try:
        return [v.decode() if isinstance(v, bytes) else str(v) for v in values.tolist()]
    except UnicodeDecodeError as exc:
        raise NNDLError(f"{source}: a label is bytes that are not UTF-8 text ({exc.reason} at "
                        f"byte {exc.start} of {exc.object[:40]!r}); labels must be numbers or "
                        "UTF-8 text") from None


def text_array(strs: "list[str]") -> np.ndarray:
    """A 1-D object array of the strings ``strs``, each the size of its own text (a NumPy
    text array gives every one the room of the longest)."""
    out = np.empty(len(strs), dtype=object)
    out[:] = strs
    return out


def _exact_integers(values: np.ndarray) -> "list[int] | None":
    """The labels as Python integers when they are integers (an integer array, or text of
    whole numbers such as ``9007199254740993``), else None."""
    if values.dtype.kind in "iu":
        return [int(v) for v in values.tolist()]
    if values.dtype.kind == "O":  # text: str objects, as _read_labels decoded them
        strs = values.tolist()
        if all(_INTEGER.fullmatch(s.strip()) for s in strs):
            return [int(s) for s in strs]
    return None


_INTEGER = re.compile(r"[+-]?\d+")


def _number_name(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def check_class_names(order: "Sequence[str]", source: str) -> None:
    """NNDLError when the class names would take more than :func:`nndl.limits.max_bytes` as
    the one NumPy text array a model keeps them in (every name as wide as the longest, 4
    bytes a character): many classes and one very long name (a text column taken for the
    labels) would ask for gigabytes when the model is built, after the data was read."""
    if not order:
        return
    width = max(len(c) for c in order)
    need, limit = len(order) * width * 4, max_bytes()
    if need > limit:
        raise NNDLError(f"{source}: its {len(order)} classes, the longest name {width} "
                        f"characters, would take {human(need)} as the model's table of class "
                        f"names (each as wide as the longest), above the limit of "
                        f"{human(limit)}: is the label column the right one? To use them "
                        f"anyway, raise the limit (nndl.limits.MAX_BYTES or ${ENV}, e.g. "
                        f"{ENV}=16G)")


def encode_labels(
    values: np.ndarray,
    source: str,
    task: "str | None" = None,
    classes: "Sequence[str] | None" = None,
) -> tuple[np.ndarray, "list[str] | None", str]:
    """Label values (m,) -> ``(Y (1, m), classes, task)`` by the rule in the module docstring.

    ``values`` holds numbers or strings. ``source`` names the file in error messages.
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise NNDLError(f"{source}: labels must be one value per sample, shape (m,); got "
                        f"shape {values.shape}")
    if task is not None and task not in TASK_CHOICES:
        raise NNDLError(f"task must be one of {list(TASK_CHOICES)}; got {task!r}")
    as_classes = task == "classification"
    if as_classes:
        task = None
    values, numeric = _read_labels(values, source)
    m = values.shape[0]

    exact: "list[int] | None" = None
    if numeric is not None:
        if not np.isfinite(numeric).all():
            raise NNDLError(f"{source}: labels must be finite; found NaN or inf")
        if np.abs(numeric).max() > 2.0**53:  # float64 merges such integers: keep them exact
            exact = _exact_integers(values)
        few_integers = bool(np.all(numeric == np.round(numeric))
                            and len(set(exact) if exact is not None
                                    else np.unique(numeric)) <= MAX_AUTO_CLASSES)
        if task == "regression" or (task is None and classes is None and not as_classes
                                    and not few_integers):
            if classes is not None:
                raise NNDLError(f"{source}: class names were given but the labels are "
                                "regression targets")
            return numeric.reshape(1, m), None, "regression"
        if exact is not None:  # class names of every digit, in the integers' order
            names = [str(v) for v in exact]
            order = [str(v) for v in sorted(set(exact))]
        else:
            names = [_number_name(v) for v in numeric]
            order = [_number_name(v) for v in np.unique(numeric)]
    else:
        if task == "regression":
            raise NNDLError(f"{source}: regression needs numeric targets; got text labels such "
                            f"as {values[:3].tolist()}")
        names = values.tolist()
        order = sorted(set(names))

    if classes is not None:
        order = [str(c) for c in classes]
        if len(set(order)) != len(order):
            raise NNDLError(f"{source}: classes must be distinct; got {order}")
        lookup = {c: i for i, c in enumerate(order)}
        distinct = set(names)
        unknown = sorted(distinct - set(lookup))
        if unknown and len(unknown) == len(distinct) and numeric is not None \
                and np.all(numeric == np.round(numeric)) \
                and numeric.min() >= 0 and numeric.max() < len(order):
            # numbers none of which is a class name are class indices 0..k-1 (labels that
            # are partly names, [1, 2, 0] for classes "1".."3", are an error: 0 is unknown)
            names = [order[int(v)] for v in numeric]
            unknown = []
        if unknown:
            raise NNDLError(f"{source}: labels {unknown[:5]} are not among the expected classes "
                            f"{order}")
    check_class_names(order, source)
    lookup = {c: i for i, c in enumerate(order)}
    Y = np.array([lookup[c] for c in names], dtype=np.int64).reshape(1, m)
    k = len(order)
    if task is None:
        task = task_for_classes(k)
    elif task == "binary" and k > 2:
        raise NNDLError(f"{source}: task 'binary' needs at most 2 classes; found {k}: "
                        f"{order[:10]}")
    return Y, order, task
