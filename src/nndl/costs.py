"""Costs J(A[L], Y) and the output layer's gradient, as a table.

Each cost pairs with the output activation whose derivative cancels against it (the pairs are
the heads of :mod:`nndl.heads`), so that the output layer uses the fused gradient of the
notes, ``dZ[L] = A[L] - Y``:

| cost                  | output  | J                                                   |
|-----------------------|---------|-----------------------------------------------------|
| binary_cross_entropy  | sigmoid | -(1/m) sum(Y log A + (1 - Y) log(1 - A))            |
| squared_error         | linear  | (1/(2m)) sum((A - Y)^2)                             |
| cross_entropy         | softmax | -(1/m) sum(Y log A)   (Y one-hot, shape (n[L], m))  |

A saturated output (A exactly 0 or 1 in floating point) never makes J inf or NaN: the
logarithms are taken of ``max(x, tiny)`` where ``tiny`` is the dtype's smallest normal number,
which changes nothing for any A that is a normal number; a subnormal A (a sigmoid of z below
about -708 in float64) costs -log(tiny), about 708, not -log(A).

Y must have AL's shape (n[L], m), or be a vector (m,) / (m, 1) for one output unit
(:func:`nndl.validation.shaped_like`, the rule of :mod:`nndl.functional` too): any other Y is
refused with an NNDLError, where NumPy would broadcast a (m, 1) Y against a (1, m) AL into an
(m, m) "cost" (class indices given to ``cross_entropy`` too: it takes one-hot columns).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .validation import as_real_array, shaped_like

Array = np.ndarray


def _safe_log(X: Array) -> Array:
    """log(max(X, tiny)): finite for X == 0, exact for every X > 0 that is a normal number.
    (One new array: the log is taken in place of the maximum.)"""
    T = np.maximum(X, np.finfo(X.dtype).tiny)
    return np.log(T, out=T)


def _sum_product(Y: Array, T: Array) -> Array:
    """sum(Y * T), the product written into T (a temporary of the caller's) when it has the
    product's dtype."""
    if np.result_type(T, Y) != T.dtype:
        return (Y * T).sum()
    return np.multiply(T, Y, out=T).sum()


def _pair(AL: Array, Y: Array) -> tuple[Array, Array]:
    """AL and Y as real arrays (lists, ints and bools as float64; masked entries, text and
    ragged lists refused: NNDLError), Y in AL's shape (:func:`nndl.validation.shaped_like`).
    Float arrays, what training passes at every step, are taken as they are without the
    reading (as_real_array returns them unchanged: 4 of a small cost's 15 us)."""
    if type(AL) is np.ndarray and type(Y) is np.ndarray and AL.dtype.kind == "f" \
            and Y.dtype.kind == "f":
        return AL, shaped_like(Y, AL)
    AL = as_real_array("AL", AL)
    return AL, shaped_like(as_real_array("Y", Y), AL)


def binary_cross_entropy(AL: Array, Y: Array) -> float:
    """J = -(1/m) * sum(Y * log(A[L]) + (1 - Y) * log(1 - A[L])); AL, Y of shape (1, m)."""
    AL, Y = _pair(AL, Y)
    m = AL.shape[1]
    return float(-(_sum_product(Y, _safe_log(AL)) + _sum_product(1 - Y, _safe_log(1 - AL))) / m)


def squared_error(AL: Array, Y: Array) -> float:
    """J = (1/(2m)) * sum((A[L] - Y)^2); AL, Y of shape (n[L], m)."""
    AL, Y = _pair(AL, Y)
    m = AL.shape[1]
    D = AL - Y
    return float(np.sum(D * D) / (2 * m))


def cross_entropy(AL: Array, Y: Array) -> float:
    """J = -(1/m) * sum(Y * log(A[L])) for a softmax output; Y one-hot, shape (n[L], m)."""
    AL, Y = _pair(AL, Y)
    m = AL.shape[1]
    return float(-_sum_product(Y, _safe_log(AL)) / m)


@dataclass(frozen=True)
class Cost:
    """A cost J(AL, Y). Its output activation (the one whose derivative cancels against it)
    is paired with it in :mod:`nndl.heads`, the table of output heads."""

    name: str
    value: Callable[[Array, Array], float]


COSTS: dict[str, Cost] = {c.name: c for c in (
    Cost("binary_cross_entropy", binary_cross_entropy),
    Cost("squared_error", squared_error),
    Cost("cross_entropy", cross_entropy),
)}
"""The table: cost name -> Cost."""


def output_delta(AL: Array, Y: Array) -> Array:
    """dZ[L] = A[L] - Y: the fused gradient of every output/cost pair above (times m)."""
    return AL - Y
