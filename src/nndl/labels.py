"""Class labels of any kind (integers, strings, ...) <-> class indices 0..k-1 and one-hot columns.

    lm = LabelMap.from_labels(["cat", "dog", "cat", "bird"])   # classes: bird, cat, dog
    lm.encode(["dog", "bird"])      -> array([2, 0])
    lm.one_hot(["dog", "bird"])     -> (3, 2) one-hot columns (samples are columns)
    lm.decode([2, 0])               -> array(['dog', 'bird'])

The classes are kept as a plain (non-object) NumPy array, so that :meth:`LabelMap.state_dict`
can be saved with ``np.savez`` and read back with ``allow_pickle=False``.
"""

from __future__ import annotations

import unicodedata
from typing import Any, Sequence

import numpy as np

from .errors import NNDLError
from .memory import check_memory, out_of_memory
from .validation import unmasked

Array = np.ndarray


def missing_labels(values: "list[Any]") -> list[int]:
    """The positions of the missing labels among ``values`` (Python objects): None, or a
    float NaN (pandas' and NumPy's missing value in a column of text)."""
    return [i for i, v in enumerate(values) if v is None or (isinstance(v, float) and v != v)]


def name_key(name: object) -> str:
    """A column's or a class's name as names are compared: its text in Unicode's composed
    form (NFC). The same word written on macOS (decomposed: ``e`` + U+0301) and elsewhere
    (``é``) is one name; a file from one and a model trained on the other matched nothing,
    with a message that showed the same names on both sides."""
    text = str(name)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


class NameIndex:
    """Where each of ``names`` (a header's columns) is: a name is found by its exact text,
    else by its Unicode form (:func:`name_key`) when that form is one column's only. The same
    word written composed or decomposed is found; two columns that differ only in their
    form (``K`` and the Kelvin sign) stay two. A name given twice: its first position."""

    def __init__(self, names: "Sequence[object] | None") -> None:
        self.names = None if names is None else [str(n) for n in names]
        self.exact: dict[str, int] = {}
        spellings: dict[str, set[str]] = {}
        for i, n in enumerate(self.names or []):
            self.exact.setdefault(n, i)
            spellings.setdefault(name_key(n), set()).add(n)
        self.keyed = {k: self.exact[next(iter(s))] for k, s in spellings.items() if len(s) == 1}

    def find(self, name: object) -> "int | None":
        """The position of ``name``, or None."""
        text = str(name)
        i = self.exact.get(text)
        return self.keyed.get(name_key(text)) if i is None else i

    def __contains__(self, name: object) -> bool:
        return self.find(name) is not None


def label_number(text: str) -> "float | None":
    """The number a label written as text is, or None for text: what Python's float() reads
    (spaces around it, ``1e3``, ``inf`` and ``nan`` too: the caller decides about those),
    except a text with ``_``, which float() reads as a number (``1_0`` is 10) but a data
    file's reader keeps as text. The one rule of the loader (a file's label column is
    numbers when every label is one) and of the matching of a file's classes to a model's
    (:mod:`nndl.heads`), so that they never disagree on what a label is."""
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def as_label_vector(y: object, name: str = "labels") -> Array:
    """Labels as a 1-D non-object array: a 1-D input, or a (1, m) / (m, 1) 2-D one (a masked
    array with masked entries refused: they are missing labels)."""
    try:
        arr = np.asarray(unmasked(name, y))
    except NNDLError:
        raise
    except Exception as exc:
        raise NNDLError(f"{name} could not be read as an array ({exc})") from None
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise NNDLError(f"{name} must be a 1-D vector (or a single row) of labels; got shape "
                        f"{arr.shape}")
    if arr.size == 0:
        raise NNDLError(f"{name} is empty")
    if arr.dtype == object:
        if all(isinstance(v, str) for v in arr):
            arr = arr.astype(str)
        else:
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise NNDLError(f"{name} must all be strings or all be numbers; got "
                                f"{sorted({type(v).__name__ for v in arr})}") from None
    if arr.dtype.kind not in "biufUS":
        raise NNDLError(f"{name} must be integers, numbers, strings or booleans; got dtype "
                        f"{arr.dtype}")
    if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        raise NNDLError(f"{name} must be finite; they hold NaN or inf")
    return arr


def one_hot(indices: object, n_classes: int, dtype: "np.dtype | str | type" = np.float64
            ) -> Array:
    """One-hot columns of shape (k, m): ``Y[indices[j], j] = 1`` (``indices`` any shape with m
    entries, each in 0..k-1)."""
    idx = np.asarray(indices).reshape(-1)
    Y = _zeros_checked(n_classes, idx.size, np.dtype(dtype))
    Y[idx, np.arange(idx.size)] = 1
    return Y


MANY_CLASSES_HINT = ("so many classes are often a column of IDs, names or dates read as the "
                     "labels: predict another column, or train on fewer samples")
"""What to do when the one-hot targets of many classes cannot fit (the CLI says which column)."""


def _zeros_checked(k: int, m: int, dtype: np.dtype) -> Array:
    """The (k, m) zeros of a one-hot matrix, refused (NNDLError saying the classes and samples)
    before they are allocated when they cannot fit in memory: k x m grows with both, and a
    label per sample (an ID column: k = m) makes 20 000 samples 3 GiB."""
    what = f"the one-hot targets of {m} samples in {k} classes ({k} x {m}, {dtype.name})"
    need = k * m * dtype.itemsize
    check_memory(what, need, MANY_CLASSES_HINT)
    try:
        return np.zeros((k, m), dtype=dtype)
    except MemoryError:
        raise out_of_memory(what, need, MANY_CLASSES_HINT) from None


class LabelMap:
    """A fixed, ordered list of classes: ``classes[i]`` is the label of class index ``i``."""

    def __init__(self, classes: object) -> None:
        cls = as_label_vector(classes, "classes")
        if len(np.unique(cls)) != cls.size:
            raise NNDLError(f"classes must be distinct; got {cls.tolist()!r}")
        self.classes: Array = cls
        order = np.argsort(cls, kind="stable")
        self._sorted, self._order = cls[order], order

    @classmethod
    def from_labels(cls, y: object) -> "LabelMap":
        """The sorted distinct values of ``y`` (like ``np.unique``)."""
        return cls(np.unique(as_label_vector(y)))

    @property
    def n_classes(self) -> int:
        return int(self.classes.size)

    def encode(self, y: object) -> Array:
        """Class indices (int64, 1-D) of the labels ``y``; unknown labels raise NNDLError."""
        y = as_label_vector(y)
        try:
            pos = np.searchsorted(self._sorted, y)
        except TypeError:  # e.g. string labels against numeric classes
            raise NNDLError(f"labels of dtype {y.dtype} cannot match the classes "
                            f"{self.classes.tolist()!r}") from None
        pos = np.minimum(pos, self.n_classes - 1)
        found = self._sorted[pos] == y
        if not np.all(found):
            unknown = np.unique(y[~np.asarray(found, dtype=bool)])[:5]
            raise NNDLError(f"unknown labels {unknown.tolist()!r}; the known classes are "
                            f"{self.classes.tolist()!r}")
        return self._order[pos].astype(np.int64)

    def decode(self, indices: object) -> Array:
        """The labels of class indices (any shape; the result has the same shape)."""
        idx = np.asarray(indices)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0
                         or idx.max() >= self.n_classes):
            raise NNDLError(f"class indices must be integers in [0, {self.n_classes}); got "
                            f"{idx.ravel()[:5].tolist()!r}...")
        return self.classes[idx]

    def one_hot(self, y: object, dtype: "np.dtype | str" = np.float64) -> Array:
        """One-hot columns of shape (k, m): ``Y[encode(y)[j], j] = 1``."""
        return one_hot(self.encode(y), self.n_classes, dtype)

    def state_dict(self) -> dict[str, Any]:
        """``{"classes": array}`` (a non-object array: saveable without pickle)."""
        return {"classes": self.classes.copy()}

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> "LabelMap":
        return cls(state["classes"])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LabelMap) and self.classes.dtype.kind == \
            other.classes.dtype.kind and np.array_equal(self.classes, other.classes)

    __hash__ = None  # type: ignore[assignment]

    def __len__(self) -> int:
        return self.n_classes

    def __repr__(self) -> str:
        return f"LabelMap({self.classes.tolist()!r})"
