"""Scores of predictions: plain functions on arrays (any shape; the two arguments alike).

The two arguments must have one shape, except the vector forms of one row of m values,
(m,), (1, m) and (m, 1), which pair with each other; labels of two kinds (text against
numbers) are refused, as scikit-learn refuses them; masked arrays with masked entries too.

Classification (labels or class indices):

    accuracy(y_true, y_pred)                        fraction of equal entries
    subset_accuracy(Y_true, Y_pred)                 fraction of columns (samples) all right
    confusion_matrix(y_true, y_pred, n_classes)     counts[i, j]: true class i predicted as j
    precision_recall_f1(counts)                     per class, from a confusion matrix

Regression (values, e.g. Y and A[L] of shape (n[L], m)):

    mse = (1/N) sum (y_pred - y_true)^2,  rmse = sqrt(mse),  mae = (1/N) sum |y_pred - y_true|,
    r2  = 1 - sum (y_pred - y_true)^2 / sum (y_true - mean(y_true))^2   (per output row)

computed on the errors divided by a power of two near their largest (exact), so that values of
any scale give the right numbers without NumPy warnings: finite wherever the true value is a
float64 (rmse and r2 of targets near 1e300), inf where it is not (their mse).

Layout: samples are columns, (k outputs, m samples), as everywhere in nndl; scikit-learn's
(m, k) arrays (``NNRegressor.predict``) must be passed transposed, ``y.T``. Where the layout
matters (r2_score, regression_scores, baseline_mse, subset_accuracy) a 2-D input with more
rows than columns (more outputs than samples: scikit-learn's shape, almost surely) gets an
:class:`~nndl.errors.NNDLWarning` naming the shape (it is scored as given, since nndl cannot
tell); ``matrix=True`` says the arrays are in nndl's layout and silences it. A column (m, 1)
is refused outright (see :func:`r2_score`).

:mod:`nndl.heads` picks the scores that fit a model's output layer (``Head.scores``).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

from .errors import NNDLError, NNDLWarning
from .preprocessing import power_of_two_scale
from .validation import check_number, read_array

Array = np.ndarray


def _read(name: str, a: object) -> Array:
    """``a`` as an array (a masked array with masked entries refused); NNDLError naming
    ``name`` for what NumPy cannot read (ragged lists)."""
    return read_array(name, a, "an array of labels or values")


def _kind(a: Array) -> str:
    """What ``a`` holds: "text", "number" (booleans included), "mixed" (text and numbers
    among objects) or "other" (complex numbers, dates, ...)."""
    if a.dtype.kind in "US":
        return "text"
    if a.dtype.kind in "biuf":
        return "number"
    if a.dtype != object:
        return "other"
    kinds = {"text" if isinstance(v, (str, bytes)) else "number"
             if isinstance(v, (int, float, np.integer, np.floating, np.bool_)) else "other"
             for v in a.ravel().tolist()}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def _pair(y_true: object, y_pred: object) -> tuple[Array, Array]:
    """(y_true, y_pred) as arrays of one shape. The shapes must be alike, except the vector
    forms of one row of m values, (m,), (1, m) and (m, 1), paired with each other (y_pred
    reshaped to y_true's); text against numbers is refused, as scikit-learn refuses it."""
    t, p = _read("y_true", y_true), _read("y_pred", y_pred)
    if t.size != p.size:
        raise NNDLError(f"y_true and y_pred must have the same number of entries; got shapes "
                        f"{t.shape} and {p.shape}")
    if t.size == 0:
        raise NNDLError("y_true and y_pred are empty")
    if t.shape != p.shape:
        m = t.size
        if not (t.shape in ((m,), (1, m), (m, 1)) and p.shape in ((m,), (1, m), (m, 1))):
            hint = " (one is the other transposed: pass it .T)" \
                if t.shape == p.shape[::-1] else ""
            raise NNDLError(f"y_true and y_pred must have the same shape (or both be vectors of "
                            f"m values: (m,), (1, m), (m, 1)); got shapes {t.shape} and "
                            f"{p.shape}{hint}")
        p = p.reshape(t.shape)
    kt, kp = _kind(t), _kind(p)
    for name, k in (("y_true", kt), ("y_pred", kp)):
        if k == "mixed":
            raise NNDLError(f"{name} mixes text and numbers: labels must be all text or all "
                            "numbers")
    if {kt, kp} == {"text", "number"}:
        first = [a.ravel()[:1].tolist()[0] for a in (t, p)]
        raise NNDLError(f"y_true and y_pred must hold labels of the same kind; got {kt} and "
                        f"{kp} (e.g. {first[0]!r} and {first[1]!r})")
    return t, p


def accuracy(y_true: object, y_pred: object) -> float:
    """Fraction of entries where the prediction equals the truth (any shape, both alike; for
    one row of m labels, any of (m,), (1, m), (m, 1))."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(p == t))


def _check_layout(name: str, a: Array, matrix: bool) -> None:
    """An NNDLWarning when the 2-D ``a`` has more rows than columns (k outputs > m samples,
    scikit-learn's (m, k) shape almost surely), unless ``matrix`` (nndl's layout, said)."""
    if not matrix and a.ndim == 2 and a.shape[0] > a.shape[1] > 1:
        warnings.warn(NNDLWarning(
            f"{name} has shape {a.shape}: read as {a.shape[0]} outputs of {a.shape[1]} "
            f"samples each (samples are columns in nndl); for {a.shape[0]} samples of "
            f"{a.shape[1]} outputs (scikit-learn's layout) pass {name}.T (matrix=True says the "
            f"layout is nndl's)"), stacklevel=_outside())


def _outside() -> int:
    """The ``stacklevel`` of the first caller outside this module (a warning names the
    user's line, whichever public function, r2_score or regression_scores, was called)."""
    f, level = sys._getframe(1), 1  # the function that warns
    while f is not None and f.f_globals.get("__name__") == __name__:
        f, level = f.f_back, level + 1
    return level


def subset_accuracy(Y_true: object, Y_pred: object, *, matrix: bool = False) -> float:
    """Fraction of samples with every label right, for (k, m) arrays in nndl's layout (k
    labels per sample, samples as columns): scikit-learn's ``accuracy_score`` of multi-label
    data (the fraction of labels right, 1 - Hamming loss, said 0.73 where 0.35 of the
    samples had every label right); :func:`accuracy` for k = 1. A 1-D input is one row of
    m labels; a 2-D one is taken in that layout ((k, 1): one sample of k labels), with an
    NNDLWarning when it has more rows than columns (scikit-learn's (m, k): pass Y.T), unless
    ``matrix`` (the arrays are in nndl's layout)."""
    t, p = _pair(Y_true, Y_pred)
    _check_layout("Y_true", t, matrix)
    if t.ndim != 2:
        t, p = t.reshape(1, -1), p.reshape(1, -1)
    return float(np.mean((p == t).all(axis=0)))


def _indices(name: str, v: Array, n_classes: int) -> Array:
    """``v`` (1-D) as int64 class indices 0..n_classes-1: integers, booleans, or floats that
    are whole numbers; NNDLError naming ``name`` for text, fractions or values out of range
    (a cast to int64 would read 0.7 as class 0)."""
    if v.size == 0:  # said by _pair
        return v.astype(np.int64)
    if _kind(v) != "number":
        raise NNDLError(f"{name} must hold class indices 0..{n_classes - 1}; got "
                        f"{_kind(v)} values such as {v[:1].tolist()[0]!r}")
    f = v.astype(np.float64)
    whole = np.isfinite(f) & (f == np.round(f))
    if not whole.all():
        raise NNDLError(f"{name} must hold class indices 0..{n_classes - 1} (whole numbers); "
                        f"got {float(f[~whole][0])!r}")
    if f.min() < 0 or f.max() >= n_classes:
        raise NNDLError(f"{name} must hold class indices 0..{n_classes - 1}; got values "
                        f"from {int(f.min())} to {int(f.max())}")
    return f.astype(np.int64) if v.dtype.kind == "f" else v.astype(np.int64)


def confusion_matrix(y_true: object, y_pred: object, n_classes: int) -> Array:
    """``counts[i, j]`` = number of samples of true class ``i`` predicted as class ``j``
    (int64, shape (k, k)); both arguments hold class indices 0..k-1 (integers, or floats
    that are whole numbers; anything else is refused, naming the argument), one label per
    sample: a multi-label matrix (k, m) is refused (it pooled every label into one table)."""
    k = int(check_number("n_classes", n_classes, integer=True, low=1))
    t, p = _read("y_true", y_true), _read("y_pred", y_pred)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim > 2 or (a.ndim == 2 and min(a.shape) > 1):
            raise NNDLError(f"confusion_matrix takes one label per sample ((m,), (1, m) or "
                            f"(m, 1)); {name} has shape {a.shape}, a matrix of several labels "
                            f"per sample (multi-label): score each label's row on its own")
    ti, pi = _indices("y_true", t.ravel(), k), _indices("y_pred", p.ravel(), k)
    _pair(t, p)  # one shape
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (ti, pi), 1)
    return counts


def precision_recall_f1(counts: object) -> tuple[Array, Array, Array]:
    """Per class, from a confusion matrix (rows: true class, columns: predicted class):

        precision[c] = counts[c, c] / sum_i counts[i, c]     (0 when nothing was predicted c)
        recall[c]    = counts[c, c] / sum_j counts[c, j]     (0 when no sample is of class c)
        f1[c]        = 2 precision recall / (precision + recall)   (0 when both are 0)
    """
    C = _read("counts", counts)
    if _kind(C) != "number":
        raise NNDLError(f"counts must be a square confusion matrix of counts; got "
                        f"{_kind(C)} values of dtype {C.dtype}")
    C = C.astype(np.float64)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise NNDLError(f"counts must be a square confusion matrix; got shape {C.shape}")
    if not (np.isfinite(C).all() and (C >= 0).all()):
        raise NNDLError("counts must be finite numbers >= 0 (a confusion matrix's counts)")
    tp = np.diag(C)
    predicted, actual = C.sum(axis=0), C.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(tp), where=both > 0)
    return precision, recall, f1


def _float(A: Array) -> Array:
    """A itself when it is float32 or float64, else A in float64 (ints, bools)."""
    return A if A.dtype in (np.float32, np.float64) else A.astype(np.float64)


def _numbers(name: str, a: Array) -> Array:
    """``a`` when it holds numbers (booleans included); NNDLError naming ``name`` for text,
    complex numbers or other objects (a cast would read the text "1.5" as 1.5)."""
    if _kind(a) != "number":
        raise NNDLError(f"{name} must hold real numbers to score; got {_kind(a)} values of "
                        f"dtype {a.dtype}")
    return a


def _error(t: Array, p: Array) -> Array:
    """y_pred - y_true (one shape; float), inf where it is beyond the dtype, without a
    warning."""
    t, p = _float(_numbers("y_true", t)), _float(_numbers("y_pred", p))
    with np.errstate(over="ignore", invalid="ignore"):
        return p - t


def _scaled(E: Array) -> tuple[Array, Array]:
    """(E / s, s) for the rows of a 2-D E, s (n, 1) the power of two near each row's max |e|
    (:func:`nndl.preprocessing.power_of_two_scale`, in E's dtype): squares and sums of E / s
    neither overflow nor underflow, and results scaled back by s have the bits of E's own
    wherever E's do not over- or underflow."""
    s = power_of_two_scale(E).astype(E.dtype)
    with np.errstate(invalid="ignore"):  # inf / inf in a row that is already inf
        return E / s, s


def _error_scores(err: Array) -> dict[str, float]:
    """mse, rmse and mae of an error array, each finite wherever its true value is a float64
    (rmse of errors near 1e300 too), inf where it is beyond (mse of such errors), NaN where
    the errors are; never a NumPy warning."""
    Es, s = _scaled(err.reshape(1, -1))
    scale = float(s[0, 0])
    with np.errstate(over="ignore", invalid="ignore"):
        mean_square = float(np.mean(Es * Es))
        return {"mse": mean_square * scale * scale, "rmse": float(np.sqrt(mean_square)) * scale,
                "mae": float(np.mean(np.abs(Es))) * scale}


def mse(y_true: object, y_pred: object) -> float:
    """Mean squared error (1/N) sum (y_pred - y_true)^2 over all entries (inf when beyond
    float64: errors above ~1e154)."""
    return _error_scores(_error(*_pair(y_true, y_pred)))["mse"]


def rmse(y_true: object, y_pred: object) -> float:
    """sqrt(mse), computed without squaring the errors' scale (finite where it is)."""
    return _error_scores(_error(*_pair(y_true, y_pred)))["rmse"]


def mae(y_true: object, y_pred: object) -> float:
    """Mean absolute error (1/N) sum |y_pred - y_true|."""
    return _error_scores(_error(*_pair(y_true, y_pred)))["mae"]


def _row_mean(T: Array) -> Array:
    """The mean of each row of T (n, 1), without its sum overflowing."""
    Ts, s = _scaled(T)
    return Ts.mean(axis=1, keepdims=True) * s


def _rows(name: str, a: Array, matrix: bool) -> Array:
    """``a`` as float64 rows (outputs) of samples (columns): a 1-D input is one row, a 2-D
    one is (n, m) as it is. Unless ``matrix`` (an (n[L], m) matrix in nndl's layout), a
    column (m, 1) of m > 1 values is refused: it would be m rows of one sample each, whose
    R^2 is undefined (it scored 0.0), and it is scikit-learn's shape of m samples; a 2-D
    input of more rows than columns gets an NNDLWarning (:func:`_check_layout`)."""
    a = _float(_numbers(name, a)).astype(np.float64, copy=False)
    if a.ndim <= 1:
        return a.reshape(1, -1)
    _check_layout(name, a, matrix)
    if not matrix and a.ndim == 2 and a.shape[1] == 1 and a.shape[0] > 1:
        raise NNDLError(f"{name} has shape {a.shape}: {a.shape[0]} output rows of one sample "
                        f"each (samples are columns in nndl), whose R^2 is undefined; for "
                        f"{a.shape[0]} samples of one output pass {name}.ravel() (or {name}.T)")
    return a.reshape(a.shape[0], -1)


def _finite_truth(t: Array) -> Array:
    """``t`` (y_true as rows) when finite; NNDLError otherwise (a NaN made SS_tot NaN, and
    R^2 read 0.0)."""
    if not (np.isfinite(t.min()) and np.isfinite(t.max())):
        bad = int(t.size - np.count_nonzero(np.isfinite(t)))
        raise NNDLError(f"y_true must be finite; it holds {bad} NaN or inf value(s)")
    return t


def baseline_mse(y_true: object, *, matrix: bool = False) -> float:
    """The mse of predicting each output row's mean for every sample (what R^2 = 0 means),
    without the mean's sum overflowing. Rows as in :func:`r2_score` (``matrix`` too)."""
    t = _finite_truth(_rows("y_true", _read("y_true", y_true), matrix))
    return mse(t, np.broadcast_to(_row_mean(t), t.shape))


def r2_score(y_true: object, y_pred: object, *, matrix: bool = False) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, per output row (samples are columns;
    a 1-D input is one row), averaged over the rows. A constant row scores 1.0 when predicted
    exactly and 0.0 otherwise (as scikit-learn's ``r2_score``), a single sample too (m = 1:
    (1,), (1, 1)). A column (m, 1) of m > 1 values is refused, saying to pass y.ravel()
    (scikit-learn's shape, which here would be m rows of one sample), unless ``matrix``:
    the arrays are (n[L], m) matrices in nndl's layout, a (n, 1) one sample of n outputs
    (what :mod:`nndl.heads` passes). Without ``matrix``, a 2-D input with more rows than
    columns (scikit-learn's (m, k) of m samples, k outputs, read here as m outputs) gets an
    NNDLWarning saying to pass y.T. A NaN or inf in y_true is refused. Both sums are taken
    of the errors divided by one power of two per row, so that values of any scale (1e300,
    1e-300) give the right ratio."""
    t, p = _pair(y_true, y_pred)
    t = _finite_truth(_rows("y_true", t, matrix))
    p = _rows("y_pred", p, True).reshape(t.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        res, dev = t - p, t - _row_mean(t)
        s = np.maximum(power_of_two_scale(res), power_of_two_scale(dev))
        ss_res = np.sum((res / s) ** 2, axis=1)
        ss_tot = np.sum((dev / s) ** 2, axis=1)
        exact = np.where(ss_res == 0, 1.0, 0.0)
        r2 = np.divide(ss_res, ss_tot, out=np.ones_like(ss_res), where=ss_tot > 0)
        return float(np.mean(np.where(ss_tot > 0, 1.0 - r2, exact)))


HIGHER_IS_BETTER = frozenset({"accuracy", "r2"})
"""Scores where more is better; for the others (mse, rmse, mae) less is."""


def regression_scores(y_true: object, y_pred: object, *, matrix: bool = False
                      ) -> dict[str, float]:
    """``{"mse", "rmse", "mae", "r2"}`` of a regression (one error array, computed once;
    R^2 = 0 is the mean baseline, so a model that learned nothing shows as r2 <= 0). Shapes
    and ``matrix`` as in :func:`r2_score`."""
    t, p = _pair(y_true, y_pred)
    r2 = r2_score(t, p, matrix=matrix)
    return {**_error_scores(_error(t, p)), "r2": r2}
