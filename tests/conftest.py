"""Shared fixtures: the cat data (skipped with a reason when absent) and small helpers."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples (reproducible failures, no flakes
# from a lucky draw); a developer's run explores new examples every time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

from nndl.datasets import default_cat_dir, load_cat


@pytest.fixture(scope="session")
def cat_data():
    """(train, test) splits of the course's cat data, or a skip saying where it was looked for."""
    folder = default_cat_dir()
    if not (folder / "train_catvnoncat.h5").is_file():
        pytest.skip(f"cat data not found at {folder} (set NNDL_CAT_DIR or place ../shared beside "
                    "the checkout)")
    pytest.importorskip("h5py", reason="h5py is needed to read the cat data")
    return load_cat(folder)


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    Y = np.zeros((k, labels.size))
    Y[labels.ravel(), np.arange(labels.size)] = 1
    return Y
