"""The notes' claims about initialization and activations, as experiments."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.datasets import make_flower


@pytest.fixture(scope="module")
def flower():
    return make_flower(seed=1)


def test_flower_matches_the_course_layout(flower):
    X, Y = flower
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert Y.sum() == 200
    assert np.abs(X).max() < 4.0 + 4 * 0.2 * 5  # radius a sin(4t) plus noise


def test_zero_init_keeps_hidden_units_identical(flower):
    """Symmetry: with W = 0 every hidden unit computes the same function, forever."""
    X, Y = flower
    net = nndl.Network([2, 4, 1], hidden="tanh", init="zeros", seed=0)
    net.fit(X, Y, learning_rate=1.2, iterations=500)
    W1, b1, W2 = net.params["W1"], net.params["b1"], net.params["W2"]
    assert np.all(W1 == W1[0]) and np.all(b1 == b1[0]) and np.all(W2 == W2[0, 0])
    # ... and so the network is no better than chance-level logistic regression here.
    assert net.accuracy(X, Y) < 0.6


def test_random_init_breaks_symmetry(flower):
    X, Y = flower
    net = nndl.Network([2, 4, 1], hidden="tanh", init="small", seed=0)
    net.fit(X, Y, learning_rate=1.2, iterations=50)
    W1 = net.params["W1"]
    assert not np.allclose(W1, W1[0])


def test_four_tanh_units_reach_about_90_percent(flower):
    X, Y = flower
    net = nndl.Network([2, 4, 1], hidden="tanh", init="small", rng=np.random.RandomState(2))
    net.fit(X, Y, learning_rate=1.2, iterations=10000)
    assert net.accuracy(X, Y) >= 0.88


def test_logistic_regression_is_near_chance_on_the_flower(flower):
    X, Y = flower
    net = nndl.Network([2, 1], output="sigmoid", init="zeros")
    net.fit(X, Y, learning_rate=1.2, iterations=2000)
    assert 0.40 <= net.accuracy(X, Y) <= 0.55


@pytest.mark.parametrize("L", [2, 3])
def test_linear_hidden_layers_add_nothing(flower, L):
    """A stack of linear layers is linear: no better than logistic regression."""
    X, Y = flower
    lr = nndl.Network([2, 1], init="zeros")
    lr.fit(X, Y, learning_rate=0.5, iterations=3000)
    deep = nndl.Network([2] + [4] * (L - 1) + [1], hidden="linear", init="xavier", seed=3)
    deep.fit(X, Y, learning_rate=0.5, iterations=3000)
    assert deep.accuracy(X, Y) <= lr.accuracy(X, Y) + 0.02
    assert deep.accuracy(X, Y) < 0.6
    # The composed map W2 W1 is one linear map: predictions equal one 1-layer model's.
    W = deep.params["W1"]
    b = deep.params["b1"]
    for l in range(2, deep.L + 1):
        b = deep.params[f"W{l}"] @ b + deep.params[f"b{l}"]
        W = deep.params[f"W{l}"] @ W
    single = nndl.Network([2, 1])
    single.params["W1"][:] = W
    single.params["b1"][:] = b
    np.testing.assert_allclose(single.forward(X), deep.forward(X), rtol=1e-12, atol=1e-12)
