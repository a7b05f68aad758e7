"""Weight initializers: W[l] = randn(n[l], n[l-1]) * scale(n[l-1], n[l]); b[l] = 0.

| name    | scale                           | where from                                   |
|---------|---------------------------------|----------------------------------------------|
| small   | 0.01                            | the notes' default                           |
| scaled  | 1 / sqrt(n[l-1])                | the course's deep recipe                     |
| he      | sqrt(2 / n[l-1])                | He et al., for ReLU                          |
| xavier  | sqrt(2 / (n[l-1] + n[l]))       | Glorot and Bengio, for tanh / sigmoid        |
| zeros   | 0 (draws nothing)               | the symmetry problem of the notes            |

Randomness comes only from the ``rng`` passed in: a NumPy ``Generator`` (``standard_normal``) or
a legacy ``RandomState`` (``randn``, which reproduces ``np.random.seed(s); np.random.randn``).
W1 is drawn first, then W2, ...; b draws nothing. No global RNG state is read or written.
"""

from __future__ import annotations

from typing import Callable, Sequence, Union

import numpy as np

from .errors import NNDLError
from .memory import parameter_count
from .validation import check_seed

RNG = Union[np.random.Generator, np.random.RandomState]

INITIALIZERS: dict[str, Callable[[int, int], float]] = {
    "small": lambda n_prev, n: 0.01,
    "scaled": lambda n_prev, n: 1.0 / np.sqrt(n_prev),
    "he": lambda n_prev, n: np.sqrt(2.0 / n_prev),
    "xavier": lambda n_prev, n: np.sqrt(2.0 / (n_prev + n)),
    "zeros": lambda n_prev, n: 0.0,
}
"""The table: init name -> scale(n[l-1], n[l]) multiplying a standard normal draw."""


def make_rng(seed: "int | None" = None, rng: "RNG | None" = None) -> RNG:
    """The model's random source: ``rng`` if given, else ``numpy.random.default_rng(seed)``."""
    if rng is not None:
        if seed is not None:
            raise NNDLError("give either seed= or rng=, not both")
        if not isinstance(rng, (np.random.Generator, np.random.RandomState)):
            raise NNDLError(
                "rng must be a numpy.random.Generator or numpy.random.RandomState; "
                f"got {type(rng).__name__}"
            )
        return rng
    return np.random.default_rng(check_seed(seed))


def standard_normal(rng: RNG, shape: tuple[int, int]) -> np.ndarray:
    """A float64 standard normal draw of ``shape`` from either kind of NumPy RNG."""
    if isinstance(rng, np.random.RandomState):
        return rng.randn(*shape)
    return rng.standard_normal(shape)


def check_init(init: str) -> str:
    """The initializer's name in the table (given in any case: ``"He"`` is ``"he"``)."""
    name = init.strip().lower() if isinstance(init, str) else None
    if name not in INITIALIZERS:
        raise NNDLError(f"unknown init {init!r}; expected one of {sorted(INITIALIZERS)}")
    return name


def initialize(
    layer_dims: Sequence[int], init: str, rng: RNG, dtype: "np.dtype | str" = np.float64
) -> dict[str, np.ndarray]:
    """Parameters ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}`` for ``layer_dims = [n[0], ..., n[L]]``.

    W[l] = standard_normal(n[l], n[l-1]) * scale(n[l-1], n[l]), drawn in float64 in order
    W1, W2, ... and cast to ``dtype``; b[l] = zeros((n[l], 1)).
    """
    scale = INITIALIZERS[check_init(init)]
    params: dict[str, np.ndarray] = {}
    for l in range(1, len(layer_dims)):
        n_prev, n = int(layer_dims[l - 1]), int(layer_dims[l])
        s = scale(n_prev, n)
        if s == 0.0:
            W = np.zeros((n, n_prev), dtype=dtype)
        else:  # scaled in place: one float64 array of W's size at a time, besides the cast
            W = standard_normal(rng, (n, n_prev))
            W *= s
            W = W.astype(dtype, copy=False)
        params[f"W{l}"] = np.ascontiguousarray(W)
        params[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return params


def initialize_bytes(layer_dims: Sequence[int], dtype: "np.dtype | str" = np.float64) -> int:
    """The most memory :func:`initialize` holds at once: every parameter in ``dtype``, plus,
    for a dtype other than float64, the largest W[l] as drawn in float64 before its cast."""
    itemsize = np.dtype(dtype).itemsize
    largest = max(n * p for p, n in zip(layer_dims[:-1], layer_dims[1:]))
    return parameter_count(layer_dims) * itemsize + (largest * 8 if itemsize != 8 else 0)
