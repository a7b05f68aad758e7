"""The playground's input features: functions of the point (x1, x2), as in TensorFlow
Playground. The network's input layer is the chosen features, in the order of
:data:`FEATURES`.

    >>> feature_matrix(np.array([[1.0], [2.0]]), ["x1", "x1x2"])
    array([[1.],
           [2.]])
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..errors import NNDLError

Array = np.ndarray

FEATURES: dict[str, tuple[str, Callable[[Array, Array], Array]]] = {
    "x1": ("x1", lambda a, b: a),
    "x2": ("x2", lambda a, b: b),
    "x1sq": ("x1²", lambda a, b: a * a),
    "x2sq": ("x2²", lambda a, b: b * b),
    "x1x2": ("x1·x2", lambda a, b: a * b),
    "sinx1": ("sin x1", lambda a, b: np.sin(a)),
    "sinx2": ("sin x2", lambda a, b: np.sin(b)),
}
"""Feature key -> (label shown on the page, function of the rows x1 and x2)."""

PYTHON: dict[str, str] = {
    "x1": "x1", "x2": "x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2", "x1x2": "x1 * x2",
    "sinx1": "np.sin(x1)", "sinx2": "np.sin(x2)",
}
"""Feature key -> the same function as Python source (for the exported code)."""


def check_features(names: Sequence[str]) -> list[str]:
    """The chosen feature keys, in the order of :data:`FEATURES` (at least one)."""
    if isinstance(names, str):
        names = [n for n in names.split(",") if n]
    names = [str(n) for n in names]
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise NNDLError(f"unknown feature(s) {unknown}; expected some of {list(FEATURES)}")
    chosen = [k for k in FEATURES if k in names]
    if not chosen:
        raise NNDLError(f"choose at least one input feature of {list(FEATURES)}")
    return chosen


def feature_matrix(X: Array, names: Sequence[str]) -> Array:
    """The network's input (len(names), m) from the points ``X`` (2, m)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2:
        raise NNDLError(f"points must be an array (2, m); got shape {np.shape(X)}")
    x1, x2 = X[0], X[1]
    return np.stack([FEATURES[n][1](x1, x2) for n in check_features(names)])


__all__ = ["FEATURES", "PYTHON", "check_features", "feature_matrix"]
