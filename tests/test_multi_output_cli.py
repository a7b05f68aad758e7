"""The command line on models of several outputs: multi-label (k sigmoid units) and
multi-output regression (a linear layer of k units), saved from Python."""

from __future__ import annotations

import csv


import numpy as np
import pytest

import nndl
from nndl.preprocessing import Standardizer

from .test_cli import fails, ok


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    """reg2.npz (2 regression outputs), ml3.npz (3 labels), X.npz, and data files."""
    d = tmp_path_factory.mktemp("multi")
    rng = np.random.RandomState(0)
    X = rng.randn(3, 60)
    Y = np.vstack([1e-3 * X[0], 1e6 * X[1] + 5e6])
    net = nndl.Network([3, 8, 2], output="linear", seed=0)
    net.target_scaling = Standardizer().fit(Y)
    net.fit(X, Y, learning_rate=0.05, iterations=50)
    net.save(d / "reg2.npz")
    L = np.vstack([X[0] > 0, X[1] > 0, X[2] > 0]).astype(float)
    ml = nndl.Network([3, 8, 3], output="sigmoid", seed=0)
    ml.fit(X, L, learning_rate=0.5, iterations=50)
    ml.save(d / "ml3.npz")
    np.savez(d / "X.npz", X=X.T)
    np.savez(d / "reg_xy.npz", X=X.T, y=Y.T)
    np.savez(d / "ml_xy.npz", X=X.T, y=L.T.astype(int))
    np.savez(d / "ml_1col.npz", X=X.T, y=L[0].astype(int))
    return d, X, net, ml


def test_evaluate_refuses_a_model_of_several_outputs_saying_why(multi):
    """It said 'labels must be one value per sample' of a y matching the model's outputs,
    or named metrics' y_true/y_pred with transposed shapes."""
    d = multi[0]
    for model, data, words in (("reg2.npz", "reg_xy.npz", ("2 outputs", "regression_scores")),
                               ("ml3.npz", "ml_xy.npz", ("3 outputs", "multi-label",
                                                         "net.accuracy")),
                               ("ml3.npz", "ml_1col.npz", ("3 outputs",))):
        fails("evaluate", "--model", d / model, "--data", d / data,
              words=(*words, "evaluate scores models of one target"))


def test_predict_writes_one_column_per_output(multi):
    """Every output went into one space-separated cell ('0.0017 4653307.9'), read as text;
    a multi-label row's probabilities were of the predicted value (P(label = 0) for a 0)."""
    d, X, net, ml = multi
    for model, model_net in (("reg2.npz", net), ("ml3.npz", ml)):
        ok("predict", "--model", d / model, d / "X.npz", "--out", d / "p.csv")
        with open(d / "p.csv", newline="") as f:
            rows = list(csv.reader(f))
        A = model_net.forward(X)
        assert len(rows) == 1 + X.shape[1] and all(len(r) == len(rows[0]) for r in rows)
        if model == "reg2.npz":
            assert rows[0] == ["input", "index", "value_1", "value_2"]
            np.testing.assert_array_equal(np.array([r[2:] for r in rows[1:]], float), A.T)
        else:
            assert rows[0] == ["input", "index", "label_1", "label_2", "label_3",
                               "probability_1", "probability_2", "probability_3"]
            got = np.array([r[2:] for r in rows[1:]], float)
            np.testing.assert_array_equal(got[:, :3], ml.predict(X).T)
            np.testing.assert_allclose(got[:, 3:], ml.predict_proba(X).T, atol=5e-7)
        lines = ok("predict", "--model", d / model, d / "X.npz").splitlines()
        assert [ln.split("\t") for ln in lines] == rows[1:]


def test_info_says_how_many_outputs(multi):
    """A 2-output regression said only 'task regression'."""
    d = multi[0]
    assert "task         regression (2 outputs)" in ok("info", d / "reg2.npz")
    assert "multi-label (3 sigmoid units" in ok("info", d / "ml3.npz")


def test_gradcheck_says_when_saturated_sigmoid_outputs_make_it_meaningless(multi, tmp_path):
    """A correct trained multi-label model whose outputs are exactly 0/1 FAILED with no word
    of why (the numerical gradient is flat there)."""
    from .test_cli import run

    ml = multi[3]
    p = dict(ml.params)
    p["W2"], p["b2"] = p["W2"] * 20, p["b2"] * 20
    sat = nndl.Network([3, 8, 3], output="sigmoid", seed=0)
    sat.params = p
    sat.save(tmp_path / "sat.npz")
    out = run("gradcheck", "--model", tmp_path / "sat.npz").stdout
    assert "sigmoid outputs are within 1e-06 of 0 or 1" in out
    assert "saturated outputs, see the note" in out.splitlines()[-1]
    assert "saturated" not in ok("gradcheck", "--model", multi[0] / "ml3.npz")
