"""Mini-batch training: the full-batch path is unchanged, batches reshuffle from net.rng."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl.datasets import make_flower
from nndl.errors import DivergenceError, NNDLError


def _problem(m=37, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, m))
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    return X, Y


def test_full_batch_is_the_notes_loop_whatever_the_spelling():
    X, Y = _problem()
    runs = []
    for kw in (dict(iterations=25), dict(epochs=25), dict(batch_size=37, epochs=25),
               dict(batch_size=1000, epochs=25)):
        net = nndl.Network([3, 4, 1], hidden="tanh", seed=5)
        before = net.rng.bit_generator.state
        h = net.fit(X, Y, learning_rate=0.3, **kw)
        assert net.rng.bit_generator.state == before  # a full batch draws no permutation
        runs.append((h.costs, net.params))
    for costs, params in runs[1:]:
        assert costs == runs[0][0]
        for k in params:
            np.testing.assert_array_equal(params[k], runs[0][1][k])


def test_manual_gradient_descent_equals_fit_bit_for_bit():
    X, Y = _problem()
    net = nndl.Network([3, 4, 2, 1], seed=1)
    params = {k: v.copy() for k, v in net.params.items()}
    costs = []
    for _ in range(10):
        AL, caches = nndl.propagation.model_forward(X, params, net.activations)
        costs.append(net.cost_fn.value(AL, Y))
        grads = nndl.propagation.model_backward(AL, Y, caches, net.activations)
        for k in params:
            params[k] -= 0.1 * grads["d" + k]
    h = net.fit(X, Y, learning_rate=0.1, iterations=10)
    assert h.costs == costs
    for k in params:
        np.testing.assert_array_equal(params[k], net.params[k])


def test_batches_are_reshuffled_every_epoch_from_the_models_rng(monkeypatch):
    X, Y = _problem(m=10)
    net = nndl.Network([3, 2, 1], seed=9)
    twin = np.random.default_rng(0)
    twin.bit_generator.state = net.rng.bit_generator.state
    seen = []
    real = net.forward_cost  # every training step starts here with its batch

    def spy(Xb, Yb, *a, **k):
        seen.append(Xb.copy())
        return real(Xb, Yb, *a, **k)

    monkeypatch.setattr(net, "forward_cost", spy)
    h = net.fit(X, Y, learning_rate=0.1, batch_size=4, epochs=3)
    assert [b.shape[1] for b in seen] == [4, 4, 2] * 3  # the last batch is smaller
    orders = []
    for e in range(3):
        order = twin.permutation(10)
        orders.append(order)
        for j, start in enumerate(range(0, 10, 4)):
            np.testing.assert_array_equal(seen[3 * e + j], X[:, order[start:start + 4]])
    assert not np.array_equal(orders[0], orders[1])
    assert len(h) == 9 and net.iterations_done == 9 and net.epochs_done == 3
    assert h.epochs == [0, 1, 2]


def test_shuffle_false_keeps_the_column_order(monkeypatch):
    X, Y = _problem(m=10)
    net = nndl.Network([3, 2, 1], seed=9)
    seen = []
    real = net.forward_cost
    monkeypatch.setattr(net, "forward_cost",
                        lambda Xb, Yb, *a, **k: seen.append(Xb.copy()) or real(Xb, Yb, *a, **k))
    net.fit(X, Y, learning_rate=0.1, batch_size=5, epochs=2, shuffle=False)
    for i, b in enumerate(seen):
        np.testing.assert_array_equal(b, X[:, 5 * (i % 2):5 * (i % 2) + 5])


def test_epoch_cost_is_the_batch_size_weighted_mean():
    X, Y = _problem(m=10)
    net = nndl.Network([3, 2, 1], seed=2)
    h = net.fit(X, Y, learning_rate=0.1, batch_size=4, epochs=2)
    for e in range(2):
        c = h.costs[3 * e:3 * e + 3]
        assert h.epoch_costs[e] == pytest.approx((4 * c[0] + 4 * c[1] + 2 * c[2]) / 10,
                                                 rel=1e-12)


def test_mini_batch_training_is_reproducible_and_learns():
    X, Y = make_flower(seed=1)
    nets = [nndl.Network([2, 8, 1], hidden="tanh", seed=4) for _ in range(2)]
    hs = [n.fit(X, Y, learning_rate=0.01, batch_size=32, epochs=100, optimizer="adam")
          for n in nets]
    assert hs[0].costs == hs[1].costs
    assert nets[0].accuracy(X, Y) > 0.85
    assert hs[0].epoch_costs[-1] < 0.5 * hs[0].epoch_costs[0]


def test_continuing_counts_across_calls():
    X, Y = _problem()
    net = nndl.Network([3, 2, 1], seed=0)
    net.fit(X, Y, learning_rate=0.1, batch_size=10, epochs=2)
    h = net.fit(X, Y, learning_rate=0.1, batch_size=10, epochs=1)
    assert h.iterations == [8, 9, 10, 11] and h.epochs == [2]
    assert net.history.epochs == [0, 1, 2] and len(net.history) == 12


def test_epoch_callbacks_and_early_stop_from_a_callback():
    class Log(nndl.Callback):
        def __init__(self):
            self.epochs, self.total = [], None

        def on_train_begin(self, net, total):
            self.total = total

        def on_epoch_end(self, net, epoch, logs):
            self.epochs.append((epoch, sorted(logs)))

        def on_iteration_end(self, net, iteration, cost):
            if iteration == 6:
                net.stop_training = True

    X, Y = _problem(m=20)
    net = nndl.Network([3, 2, 1], seed=0)
    cb = Log()
    h = net.fit(X, Y, learning_rate=0.1, batch_size=5, epochs=10, callbacks=[cb],
                dev=(X, Y))
    assert cb.total == 40
    assert cb.epochs == [(0, ["cost", "dev_cost"])]  # epoch 1 was cut after its 3rd batch
    assert len(h) == 7 and net.iterations_done == 7 and net.epochs_done == 1


@pytest.mark.parametrize("kw,words", [
    (dict(batch_size=8), "epochs"),
    (dict(batch_size=0, epochs=2), "batch_size"),
    (dict(batch_size=2.5, epochs=2), "batch_size"),
    (dict(epochs=0), "epochs"),
    (dict(optimizer="nesterov"), "unknown optimizer"),
])
def test_bad_batch_settings(kw, words):
    X, Y = _problem()
    with pytest.raises(NNDLError) as e:
        nndl.Network([3, 2, 1], seed=0).fit(X, Y, **kw)
    assert words in str(e.value)


def test_divergence_in_mini_batches_keeps_the_last_finite_parameters():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 60)) * 10
    Y = rng.standard_normal((1, 60)) * 100
    net = nndl.Network([3, 8, 1], output="linear", hidden="relu", seed=0)
    with pytest.raises(DivergenceError) as e:
        net.fit(X, Y, learning_rate=50.0, batch_size=16, epochs=100)
    assert all(np.isfinite(p).all() for p in net.params.values())
    assert net.iterations_done == e.value.iteration - 1 == len(net.history)


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam"])
def test_float32_stays_float32_through_optimizers_and_regularization(name):
    X, Y = make_flower(seed=1)
    net = nndl.Network([2, 6, 1], hidden="tanh", seed=0, dtype="float32")
    h = net.fit(X, Y, learning_rate=0.01, batch_size=50, epochs=5, optimizer=name, lambd=0.1,
                keep_probs=0.9)
    assert all(p.dtype == np.float32 for p in net.params.values())
    state = net.optimizer.state_dict()
    assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))
    assert np.isfinite(h.costs).all() and len(h) == 5 * 8


def test_history_view_lists_per_epoch_quantities():
    X, Y = _problem()
    net = nndl.Network([3, 2, 1], seed=0)
    h = net.fit(X[:, :30], Y[:, :30], learning_rate=0.1, batch_size=10, epochs=3,
                dev=(X[:, 30:], Y[:, 30:]))
    view = h.history
    assert list(view) == ["cost", "epoch_cost", "dev_cost"]
    assert view["cost"] == h.costs and len(view["cost"]) == 9
    assert view["epoch_cost"] == h.epoch_costs and len(view["epoch_cost"]) == 3
    assert view["dev_cost"] == h.dev_costs and len(view["dev_cost"]) == 3
    assert "dev_cost" not in net.fit(X, Y, learning_rate=0.1, batch_size=10, epochs=1).history


@pytest.mark.parametrize("kw", [dict(iterations=100), dict(batch_size=60, epochs=100),
                                dict(batch_size=30, epochs=100, dev="yes")])
def test_a_divergence_that_undoes_an_epochs_last_update_undoes_the_epochs_end(kw):
    """The roll-back of an epoch's last update (the next epoch's first cost is not finite)
    leaves the epoch unfinished: counters, per-epoch records and the learning-rate decay's
    epoch describe the parameters kept (they counted the epoch before)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 60)) * 10
    Y = rng.standard_normal((1, 60)) * 100
    kw = dict(kw)
    if kw.pop("dev", None):
        kw["dev"] = (X[:, :20], Y[:, :20])
    net = nndl.Network([3, 8, 1], output="linear", hidden="relu", seed=0)
    net.fit(X, Y, learning_rate=1e-6, **{**kw, **({"iterations": 2} if "iterations" in kw
                                                  else {"epochs": 2})})
    opt = nndl.optimizers.GradientDescent(learning_rate=50.0, decay=1.0)
    with pytest.raises(DivergenceError) as e:
        net.fit(X, Y, optimizer=opt, **kw)
    per_epoch = 1 if "iterations" in kw else 60 // kw["batch_size"]
    assert e.value.iteration % per_epoch == 0  # the divergence fell on an epoch's first step
    assert net.iterations_done == e.value.iteration - 1 == len(net.history)
    assert net.epochs_done == net.iterations_done // per_epoch  # was one more
    assert opt.epoch == net.epochs_done - 2  # this fit's finished epochs: its decay
    h = net.history
    assert len(h.epochs) == len(h.epoch_costs) == net.epochs_done
    assert h.epochs == list(range(net.epochs_done))
    if "dev" in kw:
        assert len(h.dev_costs) == net.epochs_done  # both fits had the dev set


@pytest.mark.parametrize("kw, stop_after, epochs", [
    ({"iterations": 100}, 5, 5),                                 # full batch: every stop
    ({"batch_size": 10, "epochs": 10, "shuffle": False}, 4, 2),  # the last batch of epoch 2
    ({"batch_size": 10, "epochs": 10, "shuffle": False}, 3, 1),  # mid-epoch: not recorded
])
def test_a_stop_at_the_last_batch_of_an_epoch_records_that_epoch(kw, stop_after, epochs):
    class StopAt(nndl.Callback):
        def __init__(self):
            self.epoch_ends = []

        def on_iteration_end(self, net, iteration, cost):
            if net.iterations_done == stop_after:
                net.stop_training = True

        def on_epoch_end(self, net, epoch, logs):
            self.epoch_ends.append(epoch)

    X, Y = _problem(m=20)
    net, cb = nndl.Network([3, 4, 1], seed=0), StopAt()
    h = net.fit(X, Y, learning_rate=0.1, callbacks=[cb], dev=(X, Y), **kw)
    assert net.iterations_done == stop_after and net.epochs_done == epochs
    assert cb.epoch_ends == list(range(epochs)) and net.optimizer.epoch == epochs
    assert len(h.epoch_costs) == len(h.dev_costs) == epochs


@pytest.mark.parametrize("dtype, huge", [("float64", 1e300), ("float32", 1e25)])
def test_a_batch_of_huge_inputs_after_an_update_blames_the_inputs_not_the_rate(dtype, huge):
    """With a learning rate of 1e-9 the second batch's 1e300 inputs were blamed on the rate."""
    X, Y = _problem(m=40)
    X = X.copy()
    X[:, 20:] *= huge
    net = nndl.Network([3, 4, 1], seed=1, output="linear", dtype=dtype)
    with pytest.raises(DivergenceError, match=r"inputs reach \|x\| = .*scale the inputs") as e:
        net.fit(X, Y, learning_rate=1e-9, batch_size=20, epochs=1, shuffle=False)
    assert "learning rate" not in str(e.value) and net.iterations_done == 0  # rolled back
