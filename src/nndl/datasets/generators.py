"""Synthetic 2-D data sets. Every generator returns ``X`` of shape (2, m) and ``Y`` of shape
(1, m) (samples are columns) and draws only from its own ``seed``."""

from __future__ import annotations

import numpy as np

from ..errors import NNDLError
from ..initializers import standard_normal


def _rng(seed: "int | np.random.RandomState | np.random.Generator | None"):
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise NNDLError(f"seed must be a non-negative integer; got {seed!r}")
    return np.random.RandomState(seed)


def make_flower(m: int = 400, noise: float = 0.2, seed: "int | None" = 1, a: float = 4.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": two classes of m/2 points each, in petals.

    For class j in {0, 1}:  t = linspace(3.12 j, 3.12 (j+1), m/2) + noise * randn(m/2),
    r = a sin(4t) + noise * randn(m/2),  points (r sin t, r cos t).  With ``seed=1`` and the
    legacy stream this is exactly the course's ``load_planar_dataset()``.
    """
    if not isinstance(m, (int, np.integer)) or m < 2 or m % 2:
        raise NNDLError(f"m must be an even integer >= 2; got {m!r}")
    rng = _rng(seed)
    N = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype=np.int64)
    for j in range(2):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + standard_normal(rng, (N,)) * noise
        r = a * np.sin(4 * t) + standard_normal(rng, (N,)) * noise
        X[N * j:N * (j + 1)] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[N * j:N * (j + 1)] = j
    return X.T.copy(), Y.T.copy()
