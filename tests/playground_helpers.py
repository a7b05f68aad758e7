"""Helpers of the playground's tests: the web stack (skipped when absent, except on CI where
it must be there), small CSV files, the grid's features."""

from __future__ import annotations

import os

import numpy as np
import pytest


def need(module: str, what: str):
    """Import ``module``, or skip saying why; on CI (CI set) a missing module fails."""
    try:
        return __import__(module)
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is missing on CI: {what} (pip install -e '.[test]')")
        pytest.skip(f"{module} is not installed: {what} (pip install -e '.[test]')")


def separable_csv(m: int = 120, seed: int = 0) -> bytes:
    """A CSV file: height, weight, noise (numbers) and a text label (a line separates)."""
    rng = np.random.RandomState(seed)
    a, b = rng.uniform(150, 200, m), rng.uniform(40, 110, m)
    label = np.where((a - 150) / 50 + (b - 40) / 70 > 1.0, "tall", "short")
    rows = ["height,weight,noise,kind"] + [f"{x:.3f},{y:.3f},{z:.3f},{c}" for x, y, z, c in
                                           zip(a, b, rng.randn(m), label)]
    return ("\n".join(rows) + "\n").encode()


def grid_inputs(features) -> np.ndarray:
    """The features of the heat map's grid points (what the page's boundary is computed on)."""
    from nndl.playground.features import feature_matrix
    from nndl.playground.render import grid_points

    return feature_matrix(grid_points(), features)
