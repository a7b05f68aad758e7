"""L2 and inverted dropout: gradient checks (fixed masks), values, training-only, early stopping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nndl
from nndl import regularization as R
from nndl.datasets import make_flower
from nndl.errors import NNDLError

from .test_gradients import HIDDEN, OUTPUTS, assume_away_from_kinks, make_problem


@st.composite
def regularized_networks(draw):
    L = draw(st.integers(2, 4))
    output = draw(st.sampled_from(OUTPUTS))
    n_out = draw(st.integers(2, 3)) if output == "softmax" else draw(st.integers(1, 2))
    dims = [draw(st.integers(1, 4)) for _ in range(L)] + [n_out]
    acts = [draw(st.sampled_from(HIDDEN + ["softmax"])) for _ in range(L - 1)] + [output]
    m = draw(st.integers(1, 6))
    lambd = draw(st.sampled_from([0.0, 0.1, 0.7, 3.0]))
    keep = draw(st.lists(st.sampled_from([0.5, 0.8, 1.0]), min_size=L - 1, max_size=L - 1))
    return dims, acts, m, lambd, keep, draw(st.integers(0, 2**31 - 1))


@settings(max_examples=80, deadline=None)
@given(regularized_networks())
def test_gradcheck_with_l2_and_fixed_dropout_masks(case):
    dims, acts, m, lambd, keep, seed = case
    rng = np.random.default_rng(seed)
    net = nndl.Network(dims, activations=acts, init="xavier", rng=rng)
    for k in net.params:
        if k.startswith("b"):
            net.params[k][:] = rng.standard_normal(net.params[k].shape) * 0.5
    X, Y = make_problem(dims, acts[-1], m, rng)
    masks = R.dropout_masks(dims, keep, m, rng)
    assume_away_from_kinks(net, X, masks)
    # epsilon 1e-5: see test_gradients (rounding noise ~1e-16/epsilon on tiny gradients)
    assert nndl.gradcheck(net, X, Y, epsilon=1e-5, lambd=lambd, masks=masks) < 1e-7


def _case(output="sigmoid", hidden="tanh"):
    rng = np.random.default_rng(4)
    dims = [3, 5, 4, 3 if output == "softmax" else 1]
    net = nndl.Network(dims, hidden=hidden, output=output, init="xavier", rng=rng)
    X, Y = make_problem(dims, output, 6, rng)
    masks = R.dropout_masks(dims, [0.5, 0.5], 6, rng)
    return net, X, Y, masks


def test_gradcheck_catches_a_missing_l2_gradient(monkeypatch):
    net, X, Y, _ = _case()
    assert nndl.gradcheck(net, X, Y, lambd=2.0) < 1e-7
    import nndl.propagation as prop

    monkeypatch.setattr(prop, "add_l2_gradient", lambda dW, W, lambd, m: dW)
    assert nndl.gradcheck(net, X, Y, lambd=2.0) > 1e-3


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_gradcheck_catches_a_backward_pass_that_ignores_the_masks(output, monkeypatch):
    net, X, Y, masks = _case(output)
    assert nndl.gradcheck(net, X, Y, masks=masks) < 1e-7
    import nndl.gradient_check as gc

    real = gc.model_backward
    monkeypatch.setattr(gc, "model_backward",
                        lambda *a, **k: real(*a, **{**k, "masks": None}))
    assert nndl.gradcheck(net, X, Y, masks=masks) > 1e-3


def test_l2_cost_value_and_network_cost():
    params = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[5.0]]), "W2": np.array([[3.0]]),
              "b2": np.array([[7.0]])}
    # lambd / (2m) * (1 + 4 + 9); biases are not penalized
    assert R.l2_cost(params, 0.5, 4) == pytest.approx(0.5 / 8 * 14, rel=1e-15)
    assert R.l2_cost(params, 0.0, 4) == 0.0
    net = nndl.Network([2, 1, 1], seed=0)
    net.params.update({k: v.copy() for k, v in params.items()})
    X, Y = np.ones((2, 4)), np.array([[0, 1, 1, 0]])
    assert net.cost(X, Y, lambd=0.5) == pytest.approx(net.cost(X, Y) + 0.875, rel=1e-15)


def test_l2_gradient_is_added_to_dw_only():
    net, X, Y, _ = _case()
    g0 = net.gradients(X, Y)
    g1 = net.gradients(X, Y, lambd=1.5)
    for l in (1, 2, 3):
        np.testing.assert_allclose(g1[f"dW{l}"], g0[f"dW{l}"] + 1.5 / 6 * net.params[f"W{l}"],
                                   rtol=1e-12)
        np.testing.assert_array_equal(g1[f"db{l}"], g0[f"db{l}"])


def test_dropout_masks_are_inverted_and_reproducible():
    dims = [3, 400, 300, 2]
    a = R.dropout_masks(dims, [0.8, 0.5], 500, np.random.default_rng(7))
    b = R.dropout_masks(dims, [0.8, 0.5], 500, np.random.default_rng(7))
    assert a[2] is None and len(a) == 3
    for D, p, n in zip(a[:2], (0.8, 0.5), (400, 300)):
        assert D.shape == (n, 500)
        assert set(np.unique(D)) == {0.0, 1.0 / p}
        # E[D] = 1: with 150k+ entries the mean is within 0.01 of 1 (about 5 sigma)
        assert abs(D.mean() - 1.0) < 0.01
        assert abs((D > 0).mean() - p) < 0.01
    for x, y in zip(a[:2], b[:2]):
        np.testing.assert_array_equal(x, y)
    assert R.dropout_masks(dims, [1.0, 0.5], 5, np.random.default_rng(0))[0] is None
    legacy = R.dropout_masks([2, 3, 1], [0.5], 4, np.random.RandomState(0))
    assert legacy[0].shape == (3, 4)


def test_dropout_is_for_training_only():
    X, Y = make_flower(seed=1)
    net = nndl.Network([2, 8, 8, 1], hidden="relu", seed=3)
    net.fit(X, Y, learning_rate=0.05, batch_size=64, epochs=3, keep_probs=0.5,
            optimizer="adam")
    state = net.rng.bit_generator.state
    p1 = net.predict_proba(X)
    p2 = net.predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert net.rng.bit_generator.state == state  # predict draws no mask
    assert net.cost(X, Y) == net.cost(X, Y)


def test_dropout_changes_training_and_still_learns():
    X, Y = make_flower(seed=1)
    plain = nndl.Network([2, 16, 1], hidden="tanh", seed=0)
    drop = nndl.Network([2, 16, 1], hidden="tanh", seed=0)
    plain.fit(X, Y, learning_rate=0.02, batch_size=50, epochs=60, optimizer="adam")
    drop.fit(X, Y, learning_rate=0.02, batch_size=50, epochs=60, optimizer="adam",
             keep_probs=[0.8])
    assert not np.array_equal(plain.params["W1"], drop.params["W1"])
    assert drop.accuracy(X, Y) > 0.8


def test_l2_shrinks_the_weights():
    X, Y = make_flower(seed=1)
    norms = []
    for lambd in (0.0, 5.0):
        net = nndl.Network([2, 8, 1], hidden="tanh", seed=0)
        h = net.fit(X, Y, learning_rate=0.5, iterations=300, lambd=lambd)
        norms.append(sum(float(np.sum(net.params[f"W{l}"] ** 2)) for l in (1, 2)))
        # the reported cost includes the L2 term
        assert h.costs[-1] == pytest.approx(
            net.cost(X, Y, lambd=lambd), rel=0.05)
    assert norms[1] < 0.5 * norms[0]


@pytest.mark.parametrize("bad,words", [
    (dict(keep_probs=0.0), "(0, 1]"),
    (dict(keep_probs=1.5), "(0, 1]"),
    (dict(keep_probs=[0.5, 0.5]), "one probability per hidden layer"),
    (dict(keep_probs="x"), "keep_probs"),
    (dict(lambd=-1), "lambd"),
    (dict(lambd=float("nan")), "lambd"),
    (dict(patience=2), "needs a dev set"),
    (dict(dev=(np.ones((2, 3)), np.ones((1, 3))), patience=0), "patience"),
    (dict(dev=np.ones(3)), "dev must be a pair"),
])
def test_bad_regularization_settings(bad, words):
    net = nndl.Network([2, 3, 1], seed=0)
    with pytest.raises(NNDLError) as e:
        net.fit(np.ones((2, 4)), [[0, 1, 0, 1]], iterations=2, **bad)
    assert words in str(e.value)


def test_early_stopping_restores_the_best_parameters():
    X, Y = make_flower(seed=1)
    Xd, Yd = X[:, ::4], 1 - Y[:, ::4]  # a dev set the training makes worse and worse
    net = nndl.Network([2, 8, 1], hidden="tanh", seed=0)
    h = net.fit(X, Y, learning_rate=0.01, batch_size=40, epochs=200, optimizer="adam",
                dev=(Xd, Yd), patience=4)
    best = h.best_epoch
    assert best == int(np.argmin(h.dev_costs))
    assert len(h.dev_costs) == best + 1 + 4 < 200  # stopped 4 epochs after the best one
    assert len(h.epoch_costs) == len(h.epochs) == len(h.dev_costs)
    assert net.cost(Xd, Yd) == h.dev_costs[best]  # the best parameters are back
    assert net.history.best_epoch == best


def test_dev_costs_are_recorded_without_patience():
    X, Y = make_flower(seed=1)
    net = nndl.Network([2, 4, 1], hidden="tanh", seed=0)
    h = net.fit(X, Y, learning_rate=0.5, iterations=30, dev=(X[:, :50], Y[:, :50]))
    assert len(h.dev_costs) == 30 and h.best_epoch is None
    assert h.dev_costs[-1] == net.cost(X[:, :50], Y[:, :50])
