"""A wrong shape is reported on the argument that is wrong, saying what its rows are
(issue 10 A.6)."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.errors import NNDLError
from nndl.validation import as_matrix


def _sklearn_style(m: int = 30, n: int = 4):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, n))        # samples as rows, as scikit-learn has them
    y = (X[:, 0] > 0).astype(float)
    return X, y


def test_fit_with_y_as_a_column_blames_y_not_x():
    X, y = _sklearn_style()
    net = nndl.Network([4, 3, 1], seed=0)
    with pytest.raises(NNDLError) as e:
        net.fit(X.T, y.reshape(-1, 1), iterations=1)
    msg = str(e.value)
    assert msg.startswith("Y must have 1 rows (one per output unit n[L]), shape (1, m); "
                          "got shape (30, 1)")
    assert "try Y.T or Y.reshape(1, -1)" in msg
    assert "X" not in msg and "n[0]" not in msg


def test_fit_with_x_transposed_still_blames_x():
    X, y = _sklearn_style()
    net = nndl.Network([4, 3, 1], seed=0)
    with pytest.raises(NNDLError) as e:
        net.fit(X, y, iterations=1)
    msg = str(e.value)
    assert msg.startswith("X must have 4 rows (one per input feature n[0]), shape (4, m); "
                          "got shape (30, 4)")
    assert msg.endswith("try X.T)")


def test_y_with_several_outputs_transposed():
    rng = np.random.default_rng(1)
    net = nndl.Network([2, 3, 3], output="linear", seed=0)
    with pytest.raises(NNDLError, match=r"^Y must have 3 rows \(one per output unit n\[L\]\).*"
                                        r"got shape \(5, 3\).*try Y\.T\)$"):
        net.fit(rng.standard_normal((2, 5)), rng.standard_normal((5, 3)), iterations=1)


def test_rows_are_can_be_named_and_unknown_names_stay_generic():
    with pytest.raises(NNDLError, match=r"^Z must have 2 rows \(one per pixel\)"):
        as_matrix("Z", np.zeros((3, 4)), np.float64, rows=2, rows_are="one per pixel")
    with pytest.raises(NNDLError) as e:
        as_matrix("Z", np.zeros((3, 4)), np.float64, rows=2)
    assert str(e.value) == "Z must have 2 rows (one per feature), shape (2, m); got shape (3, 4)"
