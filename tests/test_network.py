"""Network: shapes, dtype, initializers, fit continuation, costs, divergence."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl import costs
from nndl.errors import DivergenceError, NNDLError
from nndl.datasets import make_flower


def test_shapes_follow_the_notes():
    net = nndl.Network([5, 4, 3, 1], seed=0)
    assert net.L == 3
    assert [net.params[f"W{l}"].shape for l in (1, 2, 3)] == [(4, 5), (3, 4), (1, 3)]
    assert [net.params[f"b{l}"].shape for l in (1, 2, 3)] == [(4, 1), (3, 1), (1, 1)]
    X = np.random.default_rng(0).standard_normal((5, 7))
    assert net.forward(X).shape == (1, 7)
    assert net.predict(X).shape == (1, 7)
    assert net.n_params == 4 * 6 + 3 * 5 + 1 * 4
    grads = net.gradients(X, np.ones((1, 7)))
    assert {k: v.shape for k, v in grads.items()} == {
        "d" + k: v.shape for k, v in net.params.items()}


def test_logistic_regression_is_a_one_layer_network():
    net = nndl.Network([3, 1], output="sigmoid", init="zeros")
    assert net.L == 1 and net.activation_names == ["sigmoid"]
    assert net.cost(np.ones((3, 4)), np.array([[0, 1, 0, 1]])) == pytest.approx(np.log(2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_end_to_end(dtype):
    X, Y = make_flower(seed=1)
    net = nndl.Network([2, 4, 3, 1], hidden="tanh", seed=0, dtype=dtype)
    assert all(p.dtype == dtype for p in net.params.values())
    AL, caches = nndl.propagation.model_forward(X.astype(dtype), net.params, net.activations)
    assert AL.dtype == dtype and all(c[1].dtype == dtype for c in caches)
    assert all(g.dtype == dtype for g in net.gradients(X, Y).values())
    h = net.fit(X, Y, learning_rate=0.5, iterations=200)
    assert all(p.dtype == dtype for p in net.params.values())
    assert net.forward(X).dtype == dtype
    assert h.costs[-1] < h.costs[0]


def test_float32_and_float64_agree():
    X, Y = make_flower(seed=1)
    a = nndl.Network([2, 4, 1], hidden="tanh", init="small", seed=5, dtype="float64")
    b = nndl.Network([2, 4, 1], hidden="tanh", init="small", seed=5, dtype="float32")
    ha = a.fit(X, Y, learning_rate=1.2, iterations=300)
    hb = b.fit(X, Y, learning_rate=1.2, iterations=300)
    np.testing.assert_allclose(hb.costs, ha.costs, rtol=1e-3)


def test_training_never_computes_dA0(monkeypatch):
    import nndl.propagation as prop

    seen = []
    real = prop.linear_backward

    def spy(dZ, A_prev, W, need_dA_prev=True, scaled=False):
        seen.append((W.shape, need_dA_prev))
        return real(dZ, A_prev, W, need_dA_prev, scaled)

    monkeypatch.setattr(prop, "linear_backward", spy)
    net = nndl.Network([3, 4, 1], seed=0)
    net.fit(np.ones((3, 2)), [[0, 1]], learning_rate=0.1, iterations=1)
    assert seen == [((1, 4), True), ((4, 3), False)]


def test_fit_continues_from_current_parameters():
    X, Y = make_flower(seed=1)
    one = nndl.Network([2, 4, 1], hidden="tanh", seed=7)
    two = nndl.Network([2, 4, 1], hidden="tanh", seed=7)
    h = one.fit(X, Y, learning_rate=0.3, iterations=200)
    two.fit(X, Y, learning_rate=0.3, iterations=100)
    h2 = two.fit(X, Y, learning_rate=0.3, iterations=100)
    assert h2.iterations[0] == 100 and two.iterations_done == 200
    assert h2.costs == h.costs[100:]
    for k in one.params:
        np.testing.assert_array_equal(one.params[k], two.params[k])
    assert two.history.costs == h.costs


@pytest.mark.parametrize("init", sorted(nndl.INITIALIZERS))
def test_initializers_scale_and_zero_bias(init):
    net = nndl.Network([400, 300, 1], init=init, seed=0)
    W1 = net.params["W1"]
    expected = {"small": 0.01, "scaled": 1 / np.sqrt(400), "he": np.sqrt(2 / 400),
                "xavier": np.sqrt(2 / 700), "zeros": 0.0}[init]
    assert W1.std() == pytest.approx(expected, rel=0.02, abs=1e-12)
    assert not net.params["b1"].any()


def test_legacy_random_state_reproduces_np_random_seed():
    net = nndl.Network([4, 3, 2, 1], init="small", rng=np.random.RandomState(1))
    state = np.random.get_state()
    np.random.seed(1)
    W1 = np.random.randn(3, 4) * 0.01
    W2 = np.random.randn(2, 3) * 0.01
    np.random.set_state(state)
    np.testing.assert_array_equal(net.params["W1"], W1)
    np.testing.assert_array_equal(net.params["W2"], W2)


def test_no_global_rng_state_is_touched():
    state = np.random.get_state()[1].copy()
    net = nndl.Network([3, 2, 1], seed=4)
    net.fit(np.ones((3, 2)), [[0, 1]], learning_rate=0.1, iterations=3)
    assert np.array_equal(np.random.get_state()[1], state)


def test_seed_and_generator_give_reproducible_models():
    a = nndl.Network([3, 2, 1], seed=11)
    b = nndl.Network([3, 2, 1], rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_output_gives_finite_cost(dtype):
    AL = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
    Y = np.array([[0, 1, 0, 1]], dtype=dtype)
    J = costs.binary_cross_entropy(AL, Y)
    assert np.isfinite(J) and J > 0
    assert costs.binary_cross_entropy(AL, AL) == 0.0  # perfect, saturated predictions
    P = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    assert np.isfinite(costs.cross_entropy(P, P[::-1]))
    # a network whose output saturates still reports a finite cost
    net = nndl.Network([1, 1], init="zeros", dtype=dtype)
    net.params["W1"][:] = 1000.0
    assert np.isfinite(net.cost([[1.0, -1.0]], [[0, 1]]))


def test_known_cost_values():
    AL = np.array([[0.8, 0.9, 0.4]])
    Y = np.array([[1, 1, 0]])
    expected = -(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3
    assert costs.binary_cross_entropy(AL, Y) == pytest.approx(expected, rel=1e-15)
    assert costs.squared_error(np.array([[1.0, 3.0]]), np.array([[0.0, 1.0]])) == \
        pytest.approx((1 + 4) / 4, rel=1e-15)
    P = np.array([[0.7, 0.2], [0.3, 0.8]])
    assert costs.cross_entropy(P, np.array([[1, 0], [0, 1]])) == \
        pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2, rel=1e-15)


@pytest.mark.parametrize("ydtype", [np.int64, np.float32, np.float64])
def test_cost_keeps_the_dtype_of_y_times_log_a(ydtype):
    """The costs write Y * log(A) into their own temporary only when that product has A's
    dtype: float32 A with int or float64 Y is summed in float64, as the formula reads."""
    rng = np.random.default_rng(3)
    A = rng.uniform(0.01, 0.99, (3, 50)).astype(np.float32)
    A /= A.sum(axis=0)
    Y = np.eye(3, dtype=ydtype)[rng.integers(0, 3, 50)].T
    assert costs.cross_entropy(A, Y) == float(-np.sum(Y * np.log(A)) / 50)
    a, y = A[:1], Y[:1]
    assert costs.binary_cross_entropy(a, y) == float(
        -(np.sum(y * np.log(a)) + np.sum((1 - y) * np.log(1 - a))) / 50)


def test_regression_with_linear_output_learns_a_line():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (1, 100))
    Y = 3 * X - 1
    net = nndl.Network([1, 1], output="linear", init="zeros")
    net.fit(X, Y, learning_rate=0.5, iterations=500)
    assert net.params["W1"][0, 0] == pytest.approx(3, abs=1e-6)
    assert net.params["b1"][0, 0] == pytest.approx(-1, abs=1e-6)
    np.testing.assert_allclose(net.predict(X), Y, atol=1e-5)


def test_softmax_classifier_learns_blobs():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [4, 0], [0, 4]])
    labels = rng.integers(0, 3, 300)
    X = (centers[labels] + rng.standard_normal((300, 2)) * 0.5).T
    Y = np.eye(3)[labels].T
    net = nndl.Network([2, 8, 3], hidden="relu", output="softmax", seed=0)
    net.fit(X, Y, learning_rate=0.5, iterations=300)
    assert net.accuracy(X, Y) > 0.97
    assert net.predict(X).shape == (1, 300)
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=0), 1.0)


def test_divergence_stops_with_iteration_and_keeps_finite_parameters():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50)) * 10
    Y = rng.standard_normal((1, 50)) * 100
    net = nndl.Network([3, 8, 1], output="linear", hidden="relu", seed=0)
    with pytest.raises(DivergenceError) as e:
        net.fit(X, Y, learning_rate=50.0, iterations=1000)
    msg = str(e.value)
    assert f"iteration {e.value.iteration}" in msg and "smaller learning rate" in msg
    assert isinstance(e.value, NNDLError) and isinstance(e.value, ValueError)
    assert all(np.isfinite(p).all() for p in net.params.values())
    # rolled back to the last parameters with a finite cost, which the history does not hold yet
    J = net.cost(X, Y)
    assert np.isfinite(J)
    assert net.iterations_done == e.value.iteration - 1 == len(net.history.costs)
    h = net.fit(X, Y, learning_rate=1e-9, iterations=1)
    assert h.costs[0] == J and h.iterations[0] == e.value.iteration - 1


def test_print_cost(capsys):
    X, Y = make_flower(seed=1)
    nndl.Network([2, 1]).fit(X, Y, learning_rate=0.1, iterations=201, print_cost=True)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [
        "Cost after iteration 0", "Cost after iteration 100", "Cost after iteration 200"]


def test_callback_can_stop_training():
    class StopAt(nndl.Callback):
        def on_iteration_end(self, net, iteration, cost):
            if iteration == 4:
                net.stop_training = True

    X, Y = make_flower(seed=1)
    net = nndl.Network([2, 1])
    h = net.fit(X, Y, learning_rate=0.1, iterations=100, callbacks=[StopAt()])
    assert len(h) == 5 and net.iterations_done == 5


@pytest.mark.parametrize("kw", [{}, {"batch_size": 16, "epochs": 3, "optimizer": "adam"}])
def test_held_parameter_arrays_stay_live_through_fit(kw):
    """fit writes each update into the gradient's array (no copy of the parameters per step);
    arrays that a user holds are still net.params afterwards, with the final values."""
    X, Y = make_flower(seed=1)
    net = nndl.Network([2, 4, 1], hidden="tanh", seed=0)
    twin = nndl.Network([2, 4, 1], hidden="tanh", seed=0)
    held = dict(net.params)
    net.fit(X, Y, learning_rate=0.1, iterations=30, **kw)
    twin.fit(X, Y, learning_rate=0.1, iterations=30, **kw)
    for k, v in held.items():
        assert net.params[k] is v
        np.testing.assert_array_equal(v, twin.params[k])


def test_a_cost_that_spiked_and_came_back_is_said():
    """A linear output on raw targets (prices ~3e5, the notes' example of a linear output)
    with the notes' settings: the cost rose 4e8 times at the second step, killed every unit
    of the last hidden layer, and came back below its first, so that no warning fired while
    the model predicted one constant, the mean. The spike is said, with the way out."""
    import warnings

    from nndl.errors import UnsettledWarning
    from nndl.preprocessing import Standardizer

    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 500))
    y = (3e5 + 1e5 * (np.array([1.0, -2, 0.5, 3, 0]) @ X)).reshape(1, -1)
    net = nndl.Network([5, 20, 7, 5, 1], output="linear", seed=1)
    with pytest.warns(UnsettledWarning, match=r"more than 10 times, before it came back.*"
                      r"A linear output learns its targets as they are: standardize them"):
        h = net.fit(X, y, learning_rate=0.0075, iterations=2500)
    assert max(h.costs) > 1e3 * h.costs[0] and h.costs[-1] < h.costs[0]  # the case itself
    assert len(np.unique(net.predict(X))) == 1  # one constant
    scaled = nndl.Network([5, 20, 7, 5, 1], output="linear", seed=1)
    scaled.target_scaling = Standardizer().fit(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scaled, the same fit says nothing
        scaled.fit(X, scaled.target_scaling.transform(y), learning_rate=0.0075, iterations=2500)


def test_a_rise_from_a_cost_near_zero_is_no_spike_nor_divergence():
    """The review: a converged model trained further with a fresh Adam bumps its cost from
    7e-4 to 0.027 and back (healthy: accuracy stays 1.0), and one at 1e-30 to 2e-18: the
    spike and the divergence warnings fired on them. A rise is judged against what a
    network that learned nothing costs (training.constant_cost) too."""
    import warnings

    from nndl.datasets.generators import make_moons

    X, Y = (np.asarray(a) for a in make_moons(300, noise=0.2, seed=0))
    net = nndl.Network([2, 32, 32, 1], seed=1)
    net.fit(X, Y, learning_rate=0.01, iterations=1500, optimizer="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = net.fit(X, Y, learning_rate=0.005, iterations=300, optimizer="adam")
    assert max(h.costs) > 10 * h.costs[0] > 0 and h.costs[-1] < h.costs[0]  # the case
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 200))
    lin = nndl.Network([3, 1], output="linear", seed=0)
    y = np.array([[1.0, -2.0, 0.5]]) @ A + 0.3
    lin.fit(A, y, learning_rate=0.01, iterations=3000, optimizer="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = lin.fit(A, y, learning_rate=0.01, iterations=300, optimizer="adam")
    assert h.costs[-1] > 10 * h.costs[0]  # a "divergence" at the rounding's level


def test_cost_with_target_scaling_is_in_the_scaled_units_and_says_so():
    """net.cost(X, Y) of a regression with target_scaling (nndl train, NNRegressor) is J of
    (Y - mean) / std, 0.019 beside the 1436 of Y's own units: the number stays, the
    docstring says it."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50))
    Y = 1000 + 300 * X[:1] + rng.standard_normal((1, 50))
    net = nndl.Network([3, 4, 1], output="linear", seed=0)
    net.target_scaling = nndl.Standardizer().fit(Y)
    net.fit(X, Y, iterations=200, learning_rate=0.05)
    s = net.target_scaling
    scaled = costs.squared_error(s.transform(net.forward(X)), s.transform(Y))
    assert net.cost(X, Y) == pytest.approx(scaled, rel=1e-12)
    assert net.cost(X, Y) < 1 < costs.squared_error(net.forward(X), Y)
    doc = " ".join(nndl.Network.cost.__doc__.split())
    assert "target_scaling" in doc and "(Y - mean) / std" in doc and "not Y's" in doc
