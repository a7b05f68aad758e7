"""Scores of predictions: plain functions on arrays (any shape; the two arguments alike).

Classification (labels or class indices):

    accuracy(y_true, y_pred)                        fraction of equal entries
    confusion_matrix(y_true, y_pred, n_classes)     counts[i, j]: true class i predicted as j
    precision_recall_f1(counts)                     per class, from a confusion matrix

Regression (values, e.g. Y and A[L] of shape (n[L], m)):

    mse = (1/N) sum (y_pred - y_true)^2,  rmse = sqrt(mse),  mae = (1/N) sum |y_pred - y_true|,
    r2  = 1 - sum (y_pred - y_true)^2 / sum (y_true - mean(y_true))^2   (per output row)

:mod:`nndl.heads` picks the scores that fit a model's output layer (``Head.scores``).
"""

from __future__ import annotations

import numpy as np

from .errors import NNDLError

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
    """Fraction of entries where the prediction equals the truth."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(p.reshape(t.shape) == t))


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


def mse(y_true: object, y_pred: object) -> float:
    """Mean squared error (1/N) sum (y_pred - y_true)^2 over all entries."""
    t, p = _pair(y_true, y_pred)
    err = p - t.reshape(p.shape)
    return float(np.mean(err ** 2))


def rmse(y_true: object, y_pred: object) -> float:
    """sqrt(mse)."""
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true: object, y_pred: object) -> float:
    """Mean absolute error (1/N) sum |y_pred - y_true|."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(p - t.reshape(p.shape))))


def r2_score(y_true: object, y_pred: object) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot, per output row (samples are columns;
    a 1-D input is one row), averaged over the rows. A constant row scores 1.0 when predicted
    exactly and 0.0 otherwise (as scikit-learn's ``r2_score``)."""
    t, p = _pair(y_true, y_pred)
    t = np.asarray(t, dtype=np.float64)
    t = t.reshape(1, -1) if t.ndim == 1 else t.reshape(t.shape[0], -1)
    p = np.asarray(p, dtype=np.float64).reshape(t.shape)
    ss_res = np.sum((t - p) ** 2, axis=1)
    ss_tot = np.sum((t - t.mean(axis=1, keepdims=True)) ** 2, axis=1)
    exact = np.where(ss_res == 0, 1.0, 0.0)
    r2 = np.divide(ss_res, ss_tot, out=np.ones_like(ss_res), where=ss_tot > 0)
    return float(np.mean(np.where(ss_tot > 0, 1.0 - r2, exact)))


HIGHER_IS_BETTER = frozenset({"accuracy", "r2"})
"""Scores where more is better; for the others (mse, rmse, mae) less is."""


def regression_scores(y_true: object, y_pred: object) -> dict[str, float]:
    """``{"mse", "rmse", "mae", "r2"}`` of a regression (one error array, computed once;
    R^2 = 0 is the mean baseline, so a model that learned nothing shows as r2 <= 0)."""
    t, p = _pair(y_true, y_pred)
    err = p - t.reshape(p.shape)
    m = float(np.mean(err ** 2))
    return {"mse": m, "rmse": float(np.sqrt(m)), "mae": float(np.mean(np.abs(err))),
            "r2": r2_score(t, p)}
