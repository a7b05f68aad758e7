"""The dual form of layer 1 (nndl.dual) gives the plain path's results to float rounding."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl import dual
from nndl.errors import DivergenceError


def _data(n0=300, m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n0, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return X, Y


def _fit(monkeypatch, use_dual, dims, X, Y, iterations=200, lr=0.05, callbacks=None,
         dtype="float64", **kw):
    monkeypatch.setattr(dual, "enabled", use_dual)
    net = nndl.Network(dims, init="he", seed=3, dtype=dtype, **kw)
    assert dual.applicable(net, X, iterations) == use_dual
    h = net.fit(X, Y, learning_rate=lr, iterations=iterations, callbacks=callbacks)
    return net, h


@pytest.mark.parametrize("dims", [[300, 10, 5, 1], [300, 1], [300, 16, 1]])
def test_dual_costs_and_params_equal_plain_path_float64(monkeypatch, dims):
    X, Y = _data()
    plain, hp = _fit(monkeypatch, False, dims, X, Y)
    fast, hd = _fit(monkeypatch, True, dims, X, Y)
    assert len(hd.costs) == len(hp.costs) == 200
    np.testing.assert_allclose(hd.costs, hp.costs, rtol=1e-10, atol=0)
    assert hp.costs[-1] < 0.5 * hp.costs[0]  # it trained: the comparison is not vacuous
    for k in plain.params:
        np.testing.assert_allclose(fast.params[k], plain.params[k], rtol=1e-9, atol=1e-12)
    assert fast.iterations_done == plain.iterations_done == 200


def test_dual_float32_stays_float32_and_close(monkeypatch):
    X, Y = _data()
    plain, hp = _fit(monkeypatch, False, [300, 10, 5, 1], X, Y, dtype="float32")
    fast, hd = _fit(monkeypatch, True, [300, 10, 5, 1], X, Y, dtype="float32")
    assert all(v.dtype == np.float32 for v in fast.params.values())
    np.testing.assert_allclose(hd.costs, hp.costs, rtol=1e-4)


def test_dual_softmax_and_tanh(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 30))
    labels = rng.integers(0, 3, 30)
    Y = np.eye(3)[labels].T
    dims = [200, 8, 3]
    plain, hp = _fit(monkeypatch, False, dims, X, Y, hidden="tanh", output="softmax")
    fast, hd = _fit(monkeypatch, True, dims, X, Y, hidden="tanh", output="softmax")
    np.testing.assert_allclose(hd.costs, hp.costs, rtol=1e-10, atol=0)


class _Recorder(nndl.Callback):
    """Reads W1 at every iteration (so the dual path must materialise it)."""

    def __init__(self):
        self.w1 = []

    def on_iteration_end(self, net, iteration, cost):
        self.w1.append(net.params["W1"].copy())
        if iteration == 49:
            net.stop_training = True


def test_callbacks_reading_params_see_the_plain_path_values(monkeypatch):
    X, Y = _data()
    rp, rd = _Recorder(), _Recorder()
    _fit(monkeypatch, False, [300, 10, 1], X, Y, callbacks=[rp])
    fast, h = _fit(monkeypatch, True, [300, 10, 1], X, Y, callbacks=[rd])
    assert len(h.costs) == len(rd.w1) == len(rp.w1) == 50  # early stop honoured
    for a, b in zip(rd.w1, rp.w1):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-13)


def test_params_stay_the_same_arrays(monkeypatch):
    X, Y = _data()
    monkeypatch.setattr(dual, "enabled", True)
    net = nndl.Network([300, 10, 1], seed=0)
    held = dict(net.params)  # a user holding the parameter arrays
    w0 = net.params["W1"].copy()
    net.fit(X, Y, learning_rate=0.05, iterations=100)
    assert all(net.params[k] is v for k, v in held.items())
    assert not np.array_equal(net.params["W1"], w0)


def test_not_applicable_when_more_samples_or_few_iterations():
    X, _ = _data(n0=20, m=40)
    net = nndl.Network([20, 5, 1])
    assert not dual.applicable(net, X, 1000)
    X, _ = _data(n0=300, m=200)
    net = nndl.Network([300, 5, 1])
    assert not dual.applicable(net, X, 3)  # G = X^T X alone costs more than 3 plain steps
    assert dual.applicable(net, X, 1000)


def test_dual_divergence_keeps_last_finite_parameters(monkeypatch):
    monkeypatch.setattr(dual, "enabled", True)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 20)) * 10
    Y = rng.standard_normal((1, 20)) * 100
    net = nndl.Network([60, 8, 1], output="linear", hidden="relu", seed=0)
    assert dual.applicable(net, X, 1000)
    with pytest.raises(DivergenceError) as e:
        net.fit(X, Y, learning_rate=50.0, iterations=1000)
    assert all(np.isfinite(p).all() for p in net.params.values())
    J = net.cost(X, Y)
    assert np.isfinite(J)
    assert net.iterations_done == e.value.iteration - 1 == len(net.history.costs)


class _Sometimes(nndl.Callback):
    """Reads W1 only now and then (like a checkpoint every N)."""

    def __init__(self):
        self.w1 = {}

    def on_iteration_end(self, net, iteration, cost):
        if iteration in (9, 99):
            self.w1[iteration] = net.params["W1"].copy()


def test_callbacks_that_read_now_and_then_keep_the_dual_form(monkeypatch):
    """W1 is brought up to date when net.params is read, not at every step: a callback that
    reads it now and then neither needs to declare anything nor makes fit leave the dual form."""
    X, Y = _data()
    plain_cb, dual_cb = _Sometimes(), _Sometimes()
    _fit(monkeypatch, False, [300, 10, 1], X, Y, callbacks=[plain_cb])
    built, refreshed = [], []
    real, real_refresh = dual.DualForm, dual.DualForm._refresh

    def spy(*a):
        built.append(1)
        return real(*a)

    def refresh_spy(self):
        refreshed.append(self.stale)
        real_refresh(self)

    monkeypatch.setattr(dual.DualForm, "_refresh", refresh_spy)
    monkeypatch.setattr(dual, "DualForm", spy)
    _fit(monkeypatch, True, [300, 10, 1], X, Y, callbacks=[dual_cb])
    assert built == [1]  # the dual form was used despite the callback
    assert refreshed.count(True) == 3  # W1 made at iterations 9 and 99, and at the end
    assert set(dual_cb.w1) == set(plain_cb.w1) == {9, 99}
    for it in (9, 99):
        np.testing.assert_allclose(dual_cb.w1[it], plain_cb.w1[it], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("block_bytes", [1 << 30, 1])  # all rows at once; one row a block
def test_final_w1_is_the_same_with_or_without_syncs_during_training(monkeypatch, block_bytes):
    """W1 ends as W1_init + C X^T whether or not a callback read it (and so had it made)
    during training: bit for bit."""
    monkeypatch.setattr(dual.DualForm, "block_bytes", block_bytes)
    X, Y = _data()
    quiet, _ = _fit(monkeypatch, True, [300, 10, 1], X, Y)
    synced, _ = _fit(monkeypatch, True, [300, 10, 1], X, Y, callbacks=[_Sometimes()])
    for k in quiet.params:
        np.testing.assert_array_equal(quiet.params[k], synced.params[k])
    plain, _ = _fit(monkeypatch, False, [300, 10, 1], X, Y)
    np.testing.assert_allclose(quiet.params["W1"], plain.params["W1"], rtol=1e-9, atol=1e-12)


def test_dual_fit_holds_one_w1(monkeypatch):
    """The dual form keeps one copy of W1 (W1_init, which exact continuing needs, issue 10
    C.1): what a fit allocates on top of the model stays below 1.5 W1 (W1 is 10 x 3000 float64
    = 240 kB; the dual form's other arrays are X^T X, 40 x 40, and P0, C, Z of 10 x 40)."""
    import tracemalloc

    X, Y = _data(n0=3000)
    X = np.asfortranarray(X)  # C-ordered data adds one F-ordered copy (tests/test_layouts.py)
    monkeypatch.setattr(dual, "enabled", True)
    nndl.Network([3000, 10, 1], seed=3).fit(X, Y, learning_rate=0.05, iterations=2)  # warm
    net = nndl.Network([3000, 10, 1], seed=3)
    assert dual.applicable(net, X, 20)
    tracemalloc.start()
    try:
        net.fit(X, Y, learning_rate=0.05, iterations=20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    w1 = net.params["W1"].nbytes
    assert peak < 1.5 * w1, (peak, w1)
