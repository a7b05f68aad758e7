"""Optimizers: convergence to a known minimum, Adam's first steps by hand, state round trips."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nndl
from nndl import optimizers as O
from nndl.errors import DivergenceError, NNDLError

# f(P) = 1/2 sum(a * (P - c)^2): gradient a * (P - c), minimum at P = c.
A = {"W1": np.array([[1.0, 4.0], [0.5, 2.0]]), "b1": np.array([[3.0], [0.25]])}
C = {"W1": np.array([[1.0, -2.0], [0.5, 3.0]]), "b1": np.array([[-1.0], [2.0]])}

SETTINGS = {  # (optimizer, steps, tolerance on |P - c|)
    "gd": (O.GradientDescent(learning_rate=0.2), 500, 1e-8),
    "momentum": (O.Momentum(learning_rate=0.1, beta=0.9), 800, 1e-8),
    "rmsprop": (O.RMSprop(learning_rate=0.01, decay=0.01), 3000, 1e-3),
    "adam": (O.Adam(learning_rate=0.05, decay=0.01), 3000, 1e-3),
}


def quadratic_grads(P):
    return {"d" + k: A[k] * (P[k] - C[k]) for k in P}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_optimizer_converges_to_the_known_minimum(name):
    opt, steps, tol = SETTINGS[name]
    opt = type(opt)(**{k: v for k, v in opt.state_dict().items()
                       if k in ("learning_rate", "decay", *opt.hyper)})  # a fresh copy
    P = {"W1": np.zeros((2, 2)), "b1": np.zeros((2, 1))}
    start = max(float(np.max(np.abs(P[k] - C[k]))) for k in P)
    for _ in range(steps):
        opt.step(P, quadratic_grads(P))
        opt.end_epoch()  # one step per "epoch": the decay schedule moves every step
    err = max(float(np.max(np.abs(P[k] - C[k]))) for k in P)
    assert err < tol < start


@pytest.mark.parametrize("name", sorted(O.OPTIMIZERS))
def test_each_optimizer_fits_a_line_through_network_fit(name):
    """y = 3x - 1 with a one-layer linear network: the minimum is W = 3, b = -1."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1, 200))
    Y = 3 * X - 1
    lr = {"gd": 0.3, "momentum": 0.1, "rmsprop": 0.01, "adam": 0.05}[name]
    opt = O.get_optimizer(name, lr, decay=0.05)
    net = nndl.Network([1, 1], output="linear", init="zeros", seed=0)
    net.fit(X, Y, batch_size=20, epochs=150, optimizer=opt)
    assert net.params["W1"][0, 0] == pytest.approx(3, abs=2e-3)
    assert net.params["b1"][0, 0] == pytest.approx(-1, abs=2e-3)
    assert net.optimizer is opt and opt.t == 150 * 10 and opt.epoch == 150


def test_adam_first_two_steps_match_hand_computed_values():
    P = {"W1": np.array([[1.0, -2.0]])}
    g1 = np.array([[0.5, -0.1]])
    g2 = np.array([[0.2, 0.3]])
    opt = O.Adam(learning_rate=0.1, beta1=0.9, beta2=0.999, epsilon=1e-8)
    # step 1: m = 0.1 g1, v = 0.001 g1^2; bias correction gives m^ = g1, v^ = g1^2, so each
    # entry moves by lr * g / (|g| + eps): 0.1 * 0.5 / 0.50000001 and 0.1 * 0.1 / 0.10000001
    opt.step(P, {"dW1": g1})
    w1 = [1.0 - 0.1 * 0.5 / 0.50000001, -2.0 + 0.1 * 0.1 / 0.10000001]
    np.testing.assert_allclose(P["W1"], [w1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(opt.state["m"]["W1"], [[0.05, -0.01]], rtol=1e-14)
    np.testing.assert_allclose(opt.state["v"]["W1"], [[0.00025, 0.00001]], rtol=1e-14)
    # step 2: m = 0.9 m + 0.1 g2 = (0.065, 0.021); v = 0.999 v + 0.001 g2^2
    # = (0.00024975 + 0.00004, 0.00000999 + 0.00009) = (0.00028975, 0.00009999);
    # m^ = m / (1 - 0.9^2) = m / 0.19;  v^ = v / (1 - 0.999^2) = v / 0.001999
    opt.step(P, {"dW1": g2})
    np.testing.assert_allclose(opt.state["m"]["W1"], [[0.065, 0.021]], rtol=1e-14)
    np.testing.assert_allclose(opt.state["v"]["W1"], [[0.00028975, 0.00009999]], rtol=1e-14)
    w2 = [w - 0.1 * (m / 0.19) / (math.sqrt(v / 0.001999) + 1e-8)
          for w, m, v in zip(w1, (0.065, 0.021), (0.00028975, 0.00009999))]
    # the step sizes, rounded: 0.0898575 and 0.0494190
    assert w1[0] - w2[0] == pytest.approx(0.0898575, abs=1e-7)
    assert w1[1] - w2[1] == pytest.approx(0.0494190, abs=1e-7)
    np.testing.assert_allclose(P["W1"], [w2], rtol=1e-14)
    assert opt.t == 2


def test_gd_optimizer_is_the_notes_update_exactly():
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((4, 30)), rng.integers(0, 2, (1, 30))
    a = nndl.Network([4, 5, 1], seed=2)
    b = nndl.Network([4, 5, 1], seed=2)
    ha = a.fit(X, Y, learning_rate=0.1, iterations=20)
    hb = b.fit(X, Y, learning_rate=0.1, iterations=20, optimizer=O.GradientDescent(0.1))
    assert ha.costs == hb.costs
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert isinstance(a.optimizer, O.GradientDescent) and a.optimizer.t == 20


@pytest.mark.parametrize("name", sorted(O.OPTIMIZERS))
def test_state_dict_round_trip_resumes_exactly(name, tmp_path):
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 40)), rng.integers(0, 2, (1, 40))
    net = nndl.Network([3, 4, 1], seed=0)
    net.fit(X, Y, learning_rate=0.01, batch_size=10, epochs=2, optimizer=name, shuffle=False)
    state = net.optimizer.state_dict()
    params = {k: v.copy() for k, v in net.params.items()}
    # through a file, without pickle
    np.savez(tmp_path / "opt.npz", **state)
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as f:
        loaded = {k: f[k] for k in f.files}
    net.fit(X, Y, batch_size=10, epochs=2, optimizer=net.optimizer, shuffle=False)
    other = nndl.Network([3, 4, 1], seed=0)
    other.params = params
    opt = O.from_state_dict(loaded)
    assert type(opt) is type(net.optimizer) and opt.t == 8 and opt.epoch == 2
    other.fit(X, Y, batch_size=10, epochs=2, optimizer=opt, shuffle=False)
    for k in params:
        np.testing.assert_array_equal(other.params[k], net.params[k])
    assert opt.state_dict().keys() == net.optimizer.state_dict().keys()


def test_learning_rate_decay_schedule():
    opt = O.Momentum(learning_rate=0.5, decay=1.0, decay_every=2)
    rates = []
    for _ in range(6):
        rates.append(opt.current_learning_rate)
        opt.end_epoch()
    assert rates == [0.5, 0.5, 0.25, 0.25, 0.5 / 3, 0.5 / 3]
    assert O.Adam(learning_rate=0.02).current_learning_rate == 0.02


def test_load_state_checks_names_and_shapes():
    adam = O.Adam()
    P = {"W1": np.ones((2, 2))}
    adam.step(P, {"dW1": np.ones((2, 2))})
    with pytest.raises(NNDLError, match="'adam', not 'rmsprop'"):
        O.RMSprop().load_state_dict(adam.state_dict())
    other = O.Adam()
    other.load_state_dict(adam.state_dict())
    with pytest.raises(NNDLError, match="another network"):
        other.step({"W1": np.ones((3, 2))}, {"dW1": np.ones((3, 2))})


@pytest.mark.parametrize("bad", [
    lambda: O.get_optimizer("adamw"),
    lambda: O.get_optimizer(3),
    lambda: O.Adam(beta1=1.0),
    lambda: O.Momentum(beta=-0.1),
    lambda: O.RMSprop(learning_rate=0),
    lambda: O.Adam(decay=-1),
    lambda: O.GradientDescent(decay_every=0),
    lambda: O.get_optimizer("adam", 0.1, gamma=2),
])
def test_bad_settings_raise_nndl_error(bad):
    with pytest.raises(NNDLError):
        bad()


def test_names_and_aliases():
    assert sorted(O.OPTIMIZERS) == ["adam", "gd", "momentum", "rmsprop"]
    assert isinstance(O.get_optimizer("SGD", 0.1), O.GradientDescent)
    assert O.get_optimizer(None, 0.3).learning_rate == 0.3
    assert O.get_optimizer("adam", 0.02, beta2=0.99).beta2 == 0.99


def test_divergence_rolls_back_the_optimizer_state_too():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50)) * 10
    Y = rng.standard_normal((1, 50)) * 100
    net = nndl.Network([3, 8, 1], output="linear", hidden="relu", seed=0)
    with pytest.raises(DivergenceError):
        net.fit(X, Y, learning_rate=50.0, epochs=1000, batch_size=25, optimizer="momentum")
    assert net.optimizer.t == net.iterations_done
    assert all(np.isfinite(v).all() for v in net.optimizer.state["v"].values())
