"""Backward propagation agrees with two-sided numerical gradients (property-based)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import nndl
from nndl import functional as F
from nndl.gradient_check import numerical_gradient, relative_difference

from .conftest import one_hot

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "leaky_relu:0.2", "linear"]
OUTPUTS = ["sigmoid", "softmax", "linear"]


def make_problem(dims, output, m, rng):
    X = rng.standard_normal((dims[0], m))
    if output == "sigmoid":
        Y = rng.integers(0, 2, size=(dims[-1], m))
    elif output == "softmax":
        Y = one_hot(rng.integers(0, dims[-1], size=m), dims[-1])
    else:
        Y = rng.standard_normal((dims[-1], m))
    return X, Y


def assume_away_from_kinks(net, X, masks=None):
    """A two-sided difference straddling a ReLU kink measures neither slope: keep the
    pre-activations of (leaky) ReLU layers at least 1e-3 away from 0 (1e-5, the epsilon used,
    would do; the margin is cheap)."""
    _, caches = nndl.propagation.model_forward(X, net.params, net.activations, masks)
    for (_, Z), g in zip(caches, net.activations):
        if g.name.startswith(("relu", "leaky_relu")):
            assume(np.min(np.abs(Z)) > 1e-3)


def assume_resolvable(net, X, Y):
    """A two-sided difference of J resolves a gradient only down to J's rounding over
    epsilon (~1e-16 / 1e-5): a saturated output (a sigmoid at 0.9999985 for y = 1, gradients
    ~1e-5, case ([3, 3, 1, 1, 2, 1], relu x 4 + sigmoid, 1, 502551)) leaves the difference at
    ~2e-7 relative however exact backprop is, so such draws are left out."""
    AL, caches = nndl.propagation.model_forward(X, net.params, net.activations)
    grads = nndl.propagation.model_backward(AL, Y, caches, net.activations)
    assume(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())) > 1e-3)


@st.composite
def networks(draw):
    L = draw(st.integers(1, 5))
    output = draw(st.sampled_from(OUTPUTS))
    n_out = draw(st.integers(2, 3)) if output == "softmax" else draw(st.integers(1, 2))
    dims = [draw(st.integers(1, 4)) for _ in range(L)] + [n_out]
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(L - 1)] + [output]
    m = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**31 - 1))
    return dims, acts, m, seed


@settings(max_examples=150, deadline=None)
@given(networks())
@example(([3, 3, 1, 1, 2, 1], ["relu", "relu", "relu", "relu", "sigmoid"], 1, 502551))
def test_backprop_matches_numerical_gradient(case):
    dims, acts, m, seed = case
    rng = np.random.default_rng(seed)
    # xavier keeps the gradients of deep stacks large enough for float64 differences to resolve
    net = nndl.Network(dims, activations=acts, init="xavier", rng=rng, dtype="float64")
    for k in net.params:  # non-zero biases, so that b's gradients are exercised too
        if k.startswith("b"):
            net.params[k][:] = rng.standard_normal(net.params[k].shape) * 0.5
    X, Y = make_problem(dims, acts[-1], m, rng)
    # epsilon 1e-5, not 1e-7: each two-sided difference carries ~1e-16/epsilon of rounding
    # noise, which for a tiny gradient (a confident softmax on one sample, |dW| ~ 1e-3, as in
    # case ([3, 2], ['softmax'], 1, 3)) is 1e-7 relative at epsilon 1e-7; truncation at 1e-5
    # is O(epsilon^2) ~ 1e-10
    assume_away_from_kinks(net, X)
    assume_resolvable(net, X, Y)
    assert nndl.gradcheck(net, X, Y, epsilon=1e-5) < 1e-7


@pytest.mark.parametrize("output", OUTPUTS)
def test_gradcheck_detects_a_wrong_gradient(output, monkeypatch):
    """The check can fail: a backward pass with a wrong dW1 is caught."""
    rng = np.random.default_rng(0)
    dims = [3, 4, 3 if output == "softmax" else 1]
    net = nndl.Network(dims, output=output, init="xavier", rng=rng)
    X, Y = make_problem(dims, output, 5, rng)
    import nndl.gradient_check as gc

    real = gc.model_backward

    def broken(*a, **k):
        g = real(*a, **k)
        g["dW1"] = g["dW1"] * 5
        return g

    monkeypatch.setattr(gc, "model_backward", broken)
    assert nndl.gradcheck(net, X, Y) > 1e-2


def test_gradcheck_details_and_model_untouched():
    rng = np.random.default_rng(1)
    net = nndl.Network([3, 5, 1], hidden="tanh", init="xavier", rng=rng, dtype="float32")
    before = {k: v.copy() for k, v in net.params.items()}
    X, Y = make_problem([3, 5, 1], "sigmoid", 7, rng)
    total, per = nndl.gradcheck(net, X, Y, details=True)
    assert set(per) == {"dW1", "db1", "dW2", "db2"}
    assert total < 1e-6
    for k in before:
        np.testing.assert_array_equal(before[k], net.params[k])
        assert net.params[k].dtype == np.float32


def _magnitudes(AL, Y, caches) -> dict:
    """Each gradient entry's sum of the magnitudes of its terms: backward propagation of
    |A[L] - Y| through |W| and |A| (ReLU's masks as they are), what rounding scales with."""
    m, L = Y.shape[1], len(caches)
    dZ, out = np.abs(AL - Y), {}
    for l in range(L, 0, -1):
        (A_prev, W, _), _ = caches[l - 1]
        out[f"dW{l}"] = dZ @ np.abs(A_prev).T / m
        out[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
        if l > 1:
            dZ = (np.abs(W).T @ dZ) * (caches[l - 2][1] > 0)
    return out


@settings(max_examples=30, deadline=None)
@given(L=st.integers(1, 5), m=st.integers(1, 7), seed=st.integers(0, 2**31 - 1))
@example(L=4, m=4, seed=54541832)  # a gradient of -7.1e-6 from cancelling terms
def test_functional_api_and_network_are_identical(L, m, seed):
    rng = np.random.default_rng(seed)
    dims = list(rng.integers(1, 6, size=L)) + [1]
    dims = [int(d) for d in dims]
    net = nndl.Network(dims, hidden="relu", output="sigmoid", init="he", rng=rng)
    X, Y = make_problem(dims, "sigmoid", m, rng)
    params = {k: v.copy() for k, v in net.params.items()}

    AL, caches = F.L_model_forward(X, params)
    np.testing.assert_array_equal(AL, net.forward(X))
    assert F.compute_cost(AL, Y) == net.cost(X, Y)
    grads = F.L_model_backward(AL, Y, caches)
    net_grads = net.gradients(X, Y)
    assert set(net_grads) == {f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    # functional goes the course's way, dA[L] = -(Y/A - (1-Y)/(1-A)) through the sigmoid's
    # backward; Network uses dZ[L] = A[L] - Y: the same up to rounding, a few eps of each
    # dZ[L] entry carried linearly down. A gradient entry is a sum of products that may
    # cancel (-7.1e-6 from terms 1e5 times larger, L = 4, m = 4, seed 54541832), so the
    # tolerance is 1e-12 of the sum of the terms' magnitudes, entry by entry.
    bound = _magnitudes(AL, Y, caches)
    for k, v in net_grads.items():
        assert np.all(np.abs(grads[k] - v) <= 1e-12 * bound[k]), k
    assert {f"dA{l}" for l in range(L)} <= set(grads)
    np.testing.assert_array_equal(F.predict(X, params), net.predict(X))


def test_numerical_gradient_of_a_known_function():
    """d/dx of sum(x^3) is 3x^2: the two-sided difference gets it to ~1e-8 relative."""
    x = {"x": np.array([[0.5, -1.0, 2.0]])}
    g = numerical_gradient(lambda: float(np.sum(x["x"] ** 3)), x, epsilon=1e-6)
    assert relative_difference(g["dx"], 3 * x["x"] ** 2) < 1e-9


@pytest.mark.parametrize("n", [1, 5, 17, 60])
def test_sample_indices_are_exact_spread_and_distinct(n):
    from nndl.gradient_check import sample_indices

    net = nndl.Network([6, 9, 4, 1], seed=0)  # 54 + 9 + 36 + 4 + 4 + 1 = 108 parameters
    idx = sample_indices(net.params, n, np.random.default_rng(0))
    assert sum(len(v) for v in idx.values()) == max(n, 6)
    for k, v in idx.items():
        assert len(v) >= 1 and len(set(v.tolist())) == len(v)
        assert v.min() >= 0 and v.max() < net.params[k].size
    if n == 60:  # one per array, then about half of the rest of each: W1 54 -> 1 + ~28
        assert 28 <= len(idx["W1"]) <= 31 and 17 <= len(idx["W2"]) <= 21


def test_sampled_gradcheck_passes_on_backprop_and_catches_a_wrong_gradient(monkeypatch):
    rng = np.random.default_rng(2)
    dims = [30, 20, 1]  # 641 parameters
    net = nndl.Network(dims, hidden="tanh", init="xavier", rng=rng)
    X, Y = make_problem(dims, "sigmoid", 6, rng)
    total, per = nndl.gradcheck(net, X, Y, epsilon=1e-5, details=True, sample=40)
    assert total < 1e-7 and set(per) == {"dW1", "db1", "dW2", "db2"}
    import nndl.gradient_check as gc

    real = gc.model_backward

    def broken(*a, **k):
        g = real(*a, **k)
        g["db1"] = g["db1"] * 3  # 20 entries of 641: a sample still sees them
        return g

    monkeypatch.setattr(gc, "model_backward", broken)
    assert nndl.gradcheck(net, X, Y, sample=40) > 1e-2


def test_gradcheck_sample_must_be_a_positive_integer():
    net = nndl.Network([2, 2, 1], seed=0)
    for bad in (0, -3, 2.5, "10", True):
        with pytest.raises(nndl.NNDLError, match="sample"):
            nndl.gradcheck(net, [[1.0], [2.0]], [[1]], sample=bad)


@settings(max_examples=150, deadline=None)
@given(case=networks(), log2m=st.integers(0, 6), dtype=st.sampled_from(["float32", "float64"]),
       course_layout=st.booleans(), lambd=st.sampled_from([0.0, 0.7]),
       dropout=st.booleans(), given_dAL=st.booleans())
def test_carrying_1_over_m_gives_the_same_bits_when_m_is_a_power_of_two(
        case, log2m, dtype, course_layout, lambd, dropout, given_dAL):
    """model_backward carries 1/m down from dZ[L] for m = 2^k instead of scaling each dW and
    db: exact, so every gradient (and the course's dA layout) has the same bits as the
    notes' order of operations."""
    dims, acts, _, seed = case
    m = 2**log2m
    rng = np.random.default_rng(seed)
    net = nndl.Network(dims, activations=acts, init="xavier", rng=rng, dtype=dtype)
    X, Y = make_problem(dims, acts[-1], m, rng)
    X, Y = X.astype(dtype), Y.astype(dtype)
    masks = None
    if dropout and len(dims) > 2:
        masks = nndl.regularization.dropout_masks(dims, [0.8] * (len(dims) - 1), m, rng, dtype)
    dAL = rng.standard_normal((dims[-1], m)).astype(dtype) if given_dAL else None
    out = []
    for carry in (True, False):
        AL, caches = nndl.propagation.model_forward(X, net.params, net.activations, masks)
        dAL_copy = None if dAL is None else dAL.copy()
        out.append(nndl.propagation.model_backward(
            AL, Y, caches, net.activations, need_dA0=course_layout, dAL=dAL_copy, masks=masks,
            lambd=lambd, carry_1_over_m=carry))
        if dAL is not None:
            np.testing.assert_array_equal(dAL_copy, dAL)  # the caller's dA[L] is not touched
    assert out[0].keys() == out[1].keys()
    for k in out[0]:
        np.testing.assert_array_equal(out[0][k], out[1][k], err_msg=k)
        assert out[0][k].dtype == out[1][k].dtype
