"""The Python API and the other commands as users call them, from the audit of 2026-12-07:
each case was quietly wrong, or a Python/NumPy traceback, before; now the right result or
nndl's own error saying what was expected."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nndl
from nndl.regularization import dropout_masks

from .test_trust_cli import fails, ok

sklearn = pytest.importorskip("sklearn")
from nndl.sklearn import NNClassifier, NNRegressor  # noqa: E402


def _data(m: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(seed).standard_normal((m, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)


# --- scikit-learn estimators ------------------------------------------------------------------
def test_warm_start_takes_a_new_learning_rate_and_optimizer_and_keeps_unchanged_ones():
    X, y = _data()
    c = NNClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0, warm_start=True,
                     optimizer="adam", learning_rate=0.001).fit(X, y)
    first = c.net_.optimizer
    c.fit(X, y)
    assert c.net_.optimizer is first and first.t > 0  # the same state continues
    c.set_params(learning_rate=0.5).fit(X, y)  # was ignored: the old optimizer's 0.001
    assert c.net_.optimizer is not first and c.net_.optimizer.learning_rate == 0.5
    c.set_params(optimizer="gd").fit(X, y)
    assert c.net_.optimizer.name == "gd" and c.n_iter_ == 12
    r = NNRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0, warm_start=True,
                    learning_rate=0.01).fit(X, X[:, 0])
    r.set_params(learning_rate=0.02).fit(X, X[:, 0])
    assert r.net_.optimizer.learning_rate == 0.02


@pytest.mark.parametrize("change", [{"hidden_layer_sizes": (50, 50)}, {"activation": "tanh"}])
def test_warm_start_refuses_settings_the_fitted_network_does_not_have(change):
    X, y = _data()
    c = NNClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0,
                     warm_start=True).fit(X, y)
    with pytest.raises(nndl.NNDLError, match="cannot continue it.*warm_start=False"):
        c.set_params(**change).fit(X, y)
    p = NNClassifier(hidden_layer_sizes=(5,), random_state=0)
    p.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(nndl.NNDLError, match="cannot continue it"):
        p.set_params(**change).partial_fit(X, y)
    c.set_params(warm_start=False).fit(X, y)  # a new network with the new settings
    c.set_params(warm_start=True).fit(X, y)
    assert c.n_iter_ == 4


@pytest.mark.parametrize("bad", [{"hidden_layer_sizes": None}, {"shuffle": "no"}])
def test_estimator_parameters_of_the_wrong_type_are_nndl_errors(bad):
    X, y = _data()
    with pytest.raises(nndl.NNDLError):
        NNClassifier(max_iter=2, **bad).fit(X, y)


# --- Network ----------------------------------------------------------------------------------
def test_a_refused_fit_leaves_no_label_map():
    X, y = _data()
    net = nndl.Network([3, 4, 3], output="softmax", seed=0)
    with pytest.raises(nndl.NNDLError):
        net.fit(X.T, np.array(["a", "b", "c"])[y], dev=(X, y), iterations=3)  # dev transposed
    assert net.label_map is None and net.iterations_done == 0
    net.fit(X.T, y, iterations=3)  # was refused: "unknown labels [0, 1, 2]"
    assert net.iterations_done == 3


def test_fit_arguments_of_the_wrong_kind_are_refused():
    X, y = _data()
    net = nndl.Network([3, 4, 3], output="softmax", seed=0)
    with pytest.raises(nndl.NNDLError, match="keep_probs must be .* got dict"):
        net.fit(X.T, y, keep_probs={1: 0.5}, iterations=2)  # was: its keys, i.e. no dropout
    with pytest.raises(nndl.NNDLError, match="shuffle must be True or False"):
        net.fit(X.T, y, shuffle="no", iterations=2)
    with pytest.raises(nndl.NNDLError, match="preprocessing must be None or a fitted object"):
        net.preprocessing = "abc"
    with pytest.raises(nndl.NNDLError, match="target_scaling must be"):
        net.target_scaling = object()


def test_float64_data_beyond_float32s_range_is_named_so():
    X, y = _data()
    net = nndl.Network([3, 4, 3], output="softmax", dtype="float32", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: RuntimeWarning: overflow encountered in cast
        with pytest.raises(nndl.NNDLError, match="beyond float32's range.*float64"):
            net.fit(X.T * 1e39, y, iterations=2)  # was: "must be finite; it holds NaN or inf"


@pytest.mark.parametrize("masks, words", [
    ([np.ones((4, 7))], "shape (4, 7)"),
    ("x", "must be a list"),
    ([np.ones((4, 10)), np.ones((3, 10))], "output layer"),
    ([np.full((4, 10), np.nan)], "inf or NaN"),
])
def test_dropout_masks_are_checked(masks, words):
    X, y = _data(10)
    net = nndl.Network([3, 4, 3], output="softmax", seed=0)
    with pytest.raises(nndl.NNDLError, match=words.replace("(", r"\(").replace(")", r"\)")):
        nndl.gradcheck(net, X.T, y, masks=masks)
    with pytest.raises(nndl.NNDLError):
        net.gradients(X.T, y, masks=masks)
    good = dropout_masks(net.layer_dims, [0.5], 10, np.random.default_rng(0))
    assert nndl.gradcheck(net, X.T, y, masks=good) < 1e-6


@pytest.mark.parametrize("seed", [-1, 1.5])
def test_gradcheck_seed_is_checked(seed):
    X, y = _data(10)
    net = nndl.Network([3, 4, 3], output="softmax", seed=0)
    with pytest.raises(nndl.NNDLError, match="seed must be a non-negative integer"):
        nndl.gradcheck(net, X.T, y, seed=seed)


@pytest.mark.parametrize("path", [None, 3, "folder/"])
def test_saving_to_something_that_is_no_file_path_is_refused(tmp_path, path):
    net = nndl.Network([2, 1])
    target = str(tmp_path / path) + "/" if isinstance(path, str) else path
    with pytest.raises(nndl.NNDLError, match="must be a str|names a folder"):
        net.save(target)


# --- the other commands -------------------------------------------------------------------
def test_commands_refuse_bad_seeds_and_folder_outputs_in_one_line(tmp_path):
    fails("gradcheck", "--seed", "-1", cwd=tmp_path, words=["--seed"])  # was a traceback, 1
    fails("train", "--rng", "legacy", "--seed", str(2**32), "--iterations", "2", cwd=tmp_path,
          words=["--seed", "2**32 - 1"])  # was RandomState's ValueError traceback
    ok("train", "--iterations", "200", "--quiet", "--out", "m.npz", cwd=tmp_path)
    fails("export", "m.npz", "--out", "newdir/", cwd=tmp_path, words=["names a folder"])
    assert not (tmp_path / "newdir").exists()  # was a file named newdir
    fails("train", "--resume", "m.npz", "--iterations", "150", cwd=tmp_path,
          words=["has done 200 iterations", "150 is not more", "--iterations 400"])


def test_targets_too_large_for_the_cost_are_named_not_the_inputs():
    X = np.random.default_rng(0).standard_normal((3, 50))
    net = nndl.Network([3, 4, 1], output="linear", seed=0)
    with pytest.raises(nndl.NNDLError, match=r"the targets Y reach \|y\| = 2.3.e\+200"):
        net.fit(X, X[:1] * 1e200, iterations=3)  # was: "the inputs reach |x| = 2.37"
    with pytest.raises(nndl.NNDLError, match=r"the inputs reach \|x\|"):
        net.fit(X * 1e200, X[:1], iterations=3)


def test_train_refuses_a_network_too_big_before_drawing_its_parameters(tmp_path):
    """--layers 100000000 on a 3-feature table drew 2.4 GB of parameters (13 s) before fit
    refused its 242 GiB; now the whole need is checked first (the hint names --layers; fit's
    own refusal, reached only after drawing them, does not)."""
    X, y = _data(200)
    with open(tmp_path / "t.csv", "w") as f:
        f.write("a,b,c,label\n" + "".join(f"{a},{b},{c},{k}\n" for (a, b, c), k in zip(X, y)))
    fails("train", "--data", "t.csv", "--layers", "100000000", "--iterations", "2",
          cwd=tmp_path, words=["the network [3, 100000000, 3] and its training", "--layers"])
