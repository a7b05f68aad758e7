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


# --- every update is the table's equations, bit for bit ----------------------------------------
def _reference_update(name, opt, state, P, dP, t, lr):
    """The module table's update for one parameter, written as plain NumPy expressions (each
    operation rounded once, in the equations' order); ``state`` holds this reference's own
    buffers. Returns the new P."""
    f = P.dtype.type
    if name == "gd":
        return P - f(lr) * dP
    if name == "momentum":
        b = f(opt.beta)
        state["v"] = b * state["v"] + (1 - b) * dP
        return P - f(lr) * state["v"]
    if name == "rmsprop":
        b = f(opt.beta)
        state["s"] = b * state["s"] + (1 - b) * (dP * dP)
        return P - f(lr) * dP / (np.sqrt(state["s"]) + f(opt.epsilon))
    b1, b2 = f(opt.beta1), f(opt.beta2)
    state["m"] = b1 * state["m"] + (1 - b1) * dP
    state["v"] = b2 * state["v"] + (1 - b2) * (dP * dP)
    m_hat = state["m"] / f(1.0 - opt.beta1 ** t)
    v_hat = state["v"] / f(1.0 - opt.beta2 ** t)
    return P - m_hat * f(lr) / (np.sqrt(v_hat) + f(opt.epsilon))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_update_has_the_bits_of_the_equations_in_their_order(name, dtype):
    """The optimizers work in place (no temporaries the size of a parameter but one), yet each
    step gives exactly what the equations give when written out (tolerance: none), for both
    step() and step_into(), over steps of gradients of many magnitudes."""
    rng = np.random.default_rng(11)
    shapes = {"W1": (37, 23), "b1": (37, 1)}
    P = {k: rng.standard_normal(s).astype(dtype) for k, s in shapes.items()}
    for into in (False, True):
        opt = O.get_optimizer(name, learning_rate=0.01, decay=0.1)
        ref_P = {k: v.copy() for k, v in P.items()}
        live = {k: v.copy() for k, v in P.items()}
        ref_state = {k: {s: np.zeros(shapes[k], dtype) for s in ("v", "s", "m")}
                     for k in shapes}
        for step in range(1, 8):
            grads = {"d" + k: (rng.standard_normal(s) * 10.0 ** rng.integers(-6, 3)
                               ).astype(dtype) for k, s in shapes.items()}
            lr = opt.current_learning_rate
            for k in shapes:
                ref_P[k] = _reference_update(name, opt, ref_state[k], ref_P[k],
                                             grads["d" + k], step, lr)
            if into:
                live = opt.step_into(live, {g: v.copy() for g, v in grads.items()})
            else:
                opt.step(live, {g: v.copy() for g, v in grads.items()})
            for k in shapes:
                assert live[k].dtype == dtype
                np.testing.assert_array_equal(live[k], ref_P[k], err_msg=f"{name} {k} {step}")
            opt.end_epoch()


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_undo_takes_back_the_last_step_without_copies(name):
    """undo() restores the state (bits) and t of before the last step; it is refused when
    there is no step to undo (twice in a row, after load_state_dict, after forget_previous)."""
    rng = np.random.default_rng(1)
    P = {"W1": rng.standard_normal((5, 4)), "b1": rng.standard_normal((5, 1))}
    opt = O.get_optimizer(name, learning_rate=0.1)
    with pytest.raises(NNDLError, match="no step to undo"):
        opt.undo()
    grads = lambda: {"d" + k: rng.standard_normal(v.shape) for k, v in P.items()}  # noqa: E731
    opt.step_into(P, grads())
    before = opt.state_dict()
    buffers = {s: dict(b) for s, b in opt.state.items()}
    opt.step_into(P, grads())
    assert opt.t == 2
    opt.undo()
    assert opt.t == 1
    after = opt.state_dict()
    assert after.keys() == before.keys()
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)
    for s, bufs in buffers.items():  # the same arrays, not copies of them
        assert all(opt.state[s][k] is bufs[k] for k in bufs)
    with pytest.raises(NNDLError, match="no step to undo"):
        opt.undo()
    opt.step_into(P, grads())
    opt.load_state_dict(before)
    with pytest.raises(NNDLError, match="no step to undo"):
        opt.undo()
    opt.step_into(P, grads())
    opt.forget_previous()
    with pytest.raises(NNDLError, match="no step to undo"):
        opt.undo()


def test_an_interrupt_inside_the_update_takes_the_optimizer_back_to_before_it(monkeypatch):
    # a Ctrl-C landing in Adam's update left t one ahead and some moment buffers advanced
    # while the parameters were not updated: a continued fit went on from a wrong state
    X = np.random.default_rng(0).standard_normal((3, 40))
    Y = (X[0:1] > 0).astype(float)
    full = nndl.Network([3, 4, 2, 1], seed=1)
    full.fit(X, Y, iterations=12, optimizer=O.Adam(0.01))
    net = nndl.Network([3, 4, 2, 1], seed=1)
    calls, real = [0], O.Adam._corrections

    def cut(self, t):  # called per parameter, after its m and v were advanced
        calls[0] += 1
        if calls[0] == 6 * 5 + 4:  # the 4th parameter of the 6th update (6 per update)
            raise KeyboardInterrupt
        return real(self, t)

    monkeypatch.setattr(O.Adam, "_corrections", cut)
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, Y, iterations=12, optimizer=O.Adam(0.01))
    monkeypatch.setattr(O.Adam, "_corrections", real)
    assert net.iterations_done == 5 and net.optimizer.t == 5
    net.fit(X, Y, iterations=7, optimizer=net.optimizer)
    for k in full.params:
        assert np.array_equal(full.params[k], net.params[k]), k


@pytest.mark.parametrize("name", sorted(O.OPTIMIZERS))
def test_a_fresh_copy_has_the_settings_and_no_state(name):
    """What a new training starts from when it must not change the optimizer it was given
    (nndl.sklearn's optimizer=): the same settings, t and epoch 0, no buffers; the original
    keeps its own state."""
    opt = O.get_optimizer(name, 0.05, decay=0.5)
    P = {"W1": np.ones((2, 3))}
    opt.step(P, {"dW1": np.full((2, 3), 0.1)})
    opt.end_epoch()
    before = opt.state_dict()
    new = opt.fresh_copy()
    assert type(new) is type(opt) and new.t == new.epoch == 0
    assert all(not bufs for bufs in new.state.values())
    with pytest.raises(NNDLError, match="no step to undo"):
        new.undo()
    fresh = O.get_optimizer(name, 0.05, decay=0.5).state_dict()
    assert new.state_dict() == fresh
    new.step({"W1": np.ones((4, 1))}, {"dW1": np.ones((4, 1))})  # any shape: a new network's
    after = opt.state_dict()
    assert after.keys() == before.keys()
    for k in before:
        np.testing.assert_array_equal(after[k], before[k])


def test_a_state_past_its_first_step_must_hold_every_slot_of_its_parameters():
    """load_state_dict took a state of t > 0 with a slot's buffer missing: it restarted from
    zeros at the bias correction of step t."""
    opt = O.Adam(learning_rate=0.1)
    params = {k: v.copy() for k, v in C.items()}
    opt.step(params, {f"d{k}": v.copy() for k, v in A.items()})
    state = opt.state_dict()
    O.from_state_dict(dict(state))  # whole: fine
    for gone in ("v.W1", "m.b1"):
        cut = {k: v for k, v in state.items() if k != gone}
        with pytest.raises(NNDLError, match=f"optimizer state lacks {gone}"):
            O.from_state_dict(cut)
    bare = {k: v for k, v in state.items() if "." not in k}
    with pytest.raises(NNDLError, match="optimizer state lacks its buffers"):
        O.from_state_dict(bare)
    assert O.from_state_dict(dict(bare, t=0)).t == 0  # before a first step: none yet
