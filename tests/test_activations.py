"""Activations and their derivatives: known values, the table, dtype."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nndl
from nndl.activations import ACTIVATIONS, get_activation, leaky_relu, sigmoid, softmax
from nndl.errors import NNDLError

Z = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])


def test_known_values():
    np.testing.assert_allclose(sigmoid(np.array([[0.0, 2.0]])), [[0.5, 0.8807970779778823]],
                               rtol=1e-15)
    np.testing.assert_array_equal(get_activation("relu")(Z), [[0, 0, 0, 0.5, 2]])
    np.testing.assert_allclose(get_activation("leaky_relu")(Z), [[-0.02, -0.005, 0, 0.5, 2]])
    np.testing.assert_allclose(leaky_relu(0.2)(Z), [[-0.4, -0.1, 0, 0.5, 2]])
    np.testing.assert_array_equal(get_activation("linear")(Z), Z)
    np.testing.assert_allclose(get_activation("tanh")(Z), np.tanh(Z))


def test_derivatives_at_the_kink_are_documented_choices():
    z0 = np.zeros((1, 1))
    assert get_activation("relu").derivative(z0, z0)[0, 0] == 0.0
    assert get_activation("leaky_relu").derivative(z0, z0)[0, 0] == 0.01


@given(z=arrays(st.sampled_from([np.float32, np.float64]), st.integers(1, 40),
                elements=st.floats(-2.0**100, 2.0**100, width=32, allow_subnormal=True) |
                st.sampled_from([0.0, -0.0])),
       slope=st.sampled_from([0.0, 0.01, 0.2, 0.999]))
def test_leaky_relu_equals_its_definition_exactly(z, slope):
    """The branch-free leaky ReLU (z * max([z > 0], slope)) is the definition, bit for bit:
    z where z > 0, slope * z elsewhere; its backward is dA or slope * dA."""
    g = leaky_relu(slope)
    z = z.reshape(1, -1)
    s = z.dtype.type(slope)
    np.testing.assert_array_equal(g(z), np.where(z > 0, z, z * s))
    dA = np.linspace(-3, 3, z.size, dtype=z.dtype).reshape(1, -1)
    expected = np.where(z > 0, dA, dA * s)
    np.testing.assert_array_equal(g.backward(dA, z, g(z)), expected)
    np.testing.assert_array_equal(g.backward_inplace(dA.copy(), z, g(z)), expected)
    np.testing.assert_array_equal(g.derivative(z, g(z)), np.where(z > 0, 1, s).astype(z.dtype))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_derivative_matches_finite_difference(name):
    g = get_activation(name)
    z = np.array([[-3.0, -1.1, -0.3, 0.4, 1.7, 3.2]])
    h = 1e-6
    numeric = (g(z + h) - g(z - h)) / (2 * h)
    np.testing.assert_allclose(g.derivative(z, g(z)), numeric, rtol=1e-8, atol=1e-10)


def test_sigmoid_is_stable_and_precise_for_large_inputs():
    z = np.array([[-800.0, -40.0, 40.0, 800.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = sigmoid(z)
    assert a[0, 0] == 0.0 and a[0, 3] == 1.0
    assert a[0, 1] == pytest.approx(np.exp(-40.0), rel=1e-14)  # small outputs keep their digits


@given(arrays(np.float64, (3, 4), elements=st.floats(-50, 50)))
def test_softmax_columns_are_distributions(z):
    a = softmax(z)
    np.testing.assert_allclose(a.sum(axis=0), 1.0, rtol=1e-12)
    assert (a >= 0).all()


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(name, dtype):
    g = get_activation(name)
    z = Z.astype(dtype).repeat(2, axis=0)
    a = g(z)
    assert a.dtype == dtype
    assert g.backward(np.ones_like(z), z, a).dtype == dtype
    assert g.derivative(z, a).dtype == dtype


@pytest.mark.parametrize("bad", ["relux", "", 3, None, "leaky_relu:abc", "leaky_relu:1.5"])
def test_unknown_activation(bad):
    with pytest.raises(NNDLError) as e:
        get_activation(bad)
    assert "activation" in str(e.value) or "slope" in str(e.value)


def test_table_is_complete():
    assert {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"} <= set(ACTIVATIONS)
    assert nndl.ACTIVATIONS is ACTIVATIONS


def test_leaky_relu_models_can_be_serialised_by_joblib_and_copied():
    """scikit-learn's joblib workers and clone/deepcopy need every activation to be picklable
    (a leaky ReLU of any slope used to be made of closures, which are not)."""
    import copy
    import pickle

    net = nndl.Network([3, 4, 1], activations=["leaky_relu:0.2", "sigmoid"], seed=0)
    assert pickle.dumps(net)  # no "Can't pickle local object"
    twin = copy.deepcopy(net)
    X = np.random.default_rng(0).standard_normal((3, 6)) - 1.0
    np.testing.assert_array_equal(twin.forward(X), net.forward(X))
    assert twin.activations[0].name == "leaky_relu:0.2"


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "leaky_relu:0.2", "sigmoid", "tanh"])
def test_inplace_backward_equals_backward(name):
    g = get_activation(name)
    if g.backward_inplace is None:
        pytest.skip(f"{name} has no in-place backward")
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((4, 5))
    Z[0, 0] = 0.0  # the kink
    dA = rng.standard_normal((4, 5))
    A = g(Z)
    expected = g.backward(dA, Z, A)
    out = g.backward_inplace(dA, Z, A)
    assert out is dA
    np.testing.assert_array_equal(out, expected)
