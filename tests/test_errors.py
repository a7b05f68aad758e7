"""Bad input gets NNDLError (a ValueError) saying what was expected and what came."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.errors import NNDLError

X = np.random.default_rng(0).standard_normal((3, 5))
Y = np.array([[0, 1, 1, 0, 1]])


@pytest.fixture
def net():
    return nndl.Network([3, 4, 1], seed=0)


def raises(fn, *words):
    with pytest.raises(NNDLError) as e:
        fn()
    msg = str(e.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    assert issubclass(NNDLError, ValueError)
    return msg


def test_wrong_number_of_rows(net):
    raises(lambda: net.fit(np.ones((4, 5)), Y), "3 rows", "(4, 5)")
    raises(lambda: net.predict(np.ones((2, 5))), "3 rows", "(2, 5)")
    raises(lambda: net.predict(np.ones((5, 3))), "transposed")


def test_x_and_y_with_different_m(net):
    raises(lambda: net.fit(X, [[0, 1, 0]]), "m = 5", "m = 3")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf(net, bad):
    Xb = X.copy()
    Xb[1, 2] = bad
    raises(lambda: net.fit(Xb, Y), "finite")
    raises(lambda: net.predict(Xb), "finite")
    Yb = Y.astype(float)
    Yb[0, 0] = bad
    raises(lambda: net.fit(X, Yb), "finite")


def test_labels_must_be_0_1_for_sigmoid(net):
    raises(lambda: net.fit(X, [[0, 1, 2, 0, 1]]), "0 or 1", "2")


def test_softmax_labels_must_be_one_hot():
    net = nndl.Network([3, 2], output="softmax")
    raises(lambda: net.fit(X, np.ones((2, 5))), "one-hot")


@pytest.mark.parametrize("kw,words", [
    (dict(hidden="relux"), ["unknown activation", "relux"]),
    (dict(output="tanh"), ["output", "tanh"]),
    (dict(init="glorot"), ["unknown init", "glorot"]),
    (dict(activations=["relu", "sigmoid", "sigmoid"]), ["one name per layer", "2", "3"]),
    (dict(activations="relu"), ["list"]),
    (dict(dtype="float16"), ["float32", "float16"]),
    (dict(seed=-1), ["seed"]),
    (dict(seed=1, rng=np.random.default_rng()), ["not both"]),
])
def test_bad_constructor_arguments(kw, words):
    raises(lambda: nndl.Network([3, 4, 1], **kw), *words)


@pytest.mark.parametrize("dims", [[], [3], [3, 0, 1], [3, -2, 1], [3, 2.5, 1], "abc"])
def test_bad_layer_sizes(dims):
    raises(lambda: nndl.Network(dims))


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "0.1"])
def test_non_positive_learning_rate(net, lr):
    raises(lambda: net.fit(X, Y, learning_rate=lr), "learning_rate")


@pytest.mark.parametrize("iters", [0, -5, 2.5])
def test_bad_iterations(net, iters):
    raises(lambda: net.fit(X, Y, iterations=iters), "iterations")


def test_non_numeric_input(net):
    raises(lambda: net.predict([["a", "b"]] * 3), "numbers")
    raises(lambda: net.predict(np.ones((3, 0))), "no samples")
    raises(lambda: net.predict(np.ones(3)), "2-D")


def test_predict_proba_on_regression():
    raises(lambda: nndl.Network([3, 1], output="linear").predict_proba(X), "regression")
