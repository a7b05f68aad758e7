"""Scores of predictions: plain functions on arrays (any shape; the two arguments alike).

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

:mod:`nndl.heads` picks the scores that fit a model's output layer (``Head.scores``).
"""

from __future__ import annotations

import numpy as np

from .errors import NNDLError
from .preprocessing import power_of_two_scale

Array = np.ndarray


def _pair(y_true: object, y_pred: object) -> tuple[Array, Array]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.size != p.size:
        raise NNDLError(f"y_true and y_pred must have the same number of entries; got shapes "
                        f"{t.shape} and {p.shape}")
    if t.size == 0:
        raise NNDLError("y_true and y_pred are empty")
    return t, p


def accuracy(y_true: object, y_pred: object) -> float:
    """Fraction of entries where the prediction equals the truth (any shape, both alike)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(p.reshape(t.shape) == t))


def subset_accuracy(Y_true: object, Y_pred: object) -> float:
    """Fraction of samples with every label right, for (k, m) arrays in nndl's layout (k
    labels per sample, samples as columns): scikit-learn's ``accuracy_score`` of multi-label
    data (the fraction of labels right, 1 - Hamming loss, said 0.73 where 0.35 of the
    samples had every label right); :func:`accuracy` for k = 1."""
    t, p = _pair(Y_true, Y_pred)
    if t.ndim != 2:
        t = t.reshape(1, -1)
    return float(np.mean((p.reshape(t.shape) == t).all(axis=0)))


def confusion_matrix(y_true: object, y_pred: object, n_classes: int) -> Array:
    """``counts[i, j]`` = number of samples of true class ``i`` predicted as class ``j``
    (int64, shape (k, k)); both arguments hold class indices 0..k-1."""
    t, p = _pair(y_true, y_pred)
    t, p = t.ravel().astype(np.int64), p.ravel().astype(np.int64)
    for name, v in (("y_true", t), ("y_pred", p)):
        if v.min() < 0 or v.max() >= n_classes:
            raise NNDLError(f"{name} must hold class indices 0..{n_classes - 1}; got values "
                            f"from {int(v.min())} to {int(v.max())}")
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (t, p), 1)
    return counts


def precision_recall_f1(counts: object) -> tuple[Array, Array, Array]:
    """Per class, from a confusion matrix (rows: true class, columns: predicted class):

        precision[c] = counts[c, c] / sum_i counts[i, c]     (0 when nothing was predicted c)
        recall[c]    = counts[c, c] / sum_j counts[c, j]     (0 when no sample is of class c)
        f1[c]        = 2 precision recall / (precision + recall)   (0 when both are 0)
    """
    C = np.asarray(counts, dtype=np.float64)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise NNDLError(f"counts must be a square confusion matrix; got shape {C.shape}")
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


def _error(t: Array, p: Array) -> Array:
    """y_pred - y_true (p's shape; float), inf where it is beyond the dtype, without a
    warning."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _float(p) - _float(t).reshape(p.shape)


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


def baseline_mse(y_true: object) -> float:
    """The mse of predicting each output row's mean for every sample (what R^2 = 0 means),
    without the mean's sum overflowing."""
    t = _float(np.asarray(y_true))
    t = t.reshape(1, -1) if t.ndim == 1 else t.reshape(t.shape[0], -1)
    return mse(t, np.broadcast_to(_row_mean(t), t.shape))


def r2_score(y_true: object, y_pred: object) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, per output row (samples are columns;
    a 1-D input is one row), averaged over the rows. A constant row scores 1.0 when predicted
    exactly and 0.0 otherwise (as scikit-learn's ``r2_score``). Both sums are taken of the
    errors divided by one power of two per row, so that values of any scale (1e300, 1e-300)
    give the right ratio."""
    t, p = _pair(y_true, y_pred)
    t = np.asarray(t, dtype=np.float64)
    t = t.reshape(1, -1) if t.ndim == 1 else t.reshape(t.shape[0], -1)
    p = np.asarray(p, dtype=np.float64).reshape(t.shape)
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


def regression_scores(y_true: object, y_pred: object) -> dict[str, float]:
    """``{"mse", "rmse", "mae", "r2"}`` of a regression (one error array, computed once;
    R^2 = 0 is the mean baseline, so a model that learned nothing shows as r2 <= 0)."""
    t, p = _pair(y_true, y_pred)
    return {**_error_scores(_error(t, p)), "r2": r2_score(t, p)}
