"""Activations and their derivatives: known values, the table, dtype."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nndl
from nndl import activations as act
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


# --- the fast forms give the bits of the plain ones --------------------------------------------
# relu's and the leaky slope's maximum against arrays of the number (NumPy's vectorized loop),
# sigmoid's numerator without np.where, leaky ReLU as max(slope z, z): each gives the bits of
# the plain NumPy form it replaced, which these tests keep as the definition.
def _bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def _assert_same_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(_bits(np.ascontiguousarray(got)),
                                  _bits(np.ascontiguousarray(want)))


def _sigmoid_with_where(Z: np.ndarray) -> np.ndarray:
    E = np.exp(-np.abs(Z))
    A = np.where(Z >= 0, Z.dtype.type(1), E)
    A /= 1 + E
    return A


def _leaky_as_product(Z: np.ndarray, slope: float) -> np.ndarray:
    D = (Z > 0).astype(Z.dtype)
    return Z * np.maximum(D, Z.dtype.type(slope), out=D)


# every float class: NaNs of any sign and payload (signalling ones included), infinities,
# signed zeros, subnormals, and ordinary numbers
_SPECIAL32 = [0x7F800001, 0xFF800001, 0x7FA00000, 0x7FC00000, 0xFFC00000, 0x7FC12345,
              0x7F800000, 0xFF800000, 0x00000000, 0x80000000, 0x00000001, 0x80000001]


@st.composite
def _float_arrays(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rows, cols = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    width = 32 if dtype == np.float32 else 64
    values = draw(st.lists(st.floats(width=width, allow_subnormal=True)
                           | st.sampled_from([0.0, -0.0]), min_size=rows * cols,
                           max_size=rows * cols))
    Z = np.array(values, dtype=dtype).reshape(rows, cols)
    for i in draw(st.lists(st.integers(0, Z.size - 1), max_size=4)):  # raw NaN bit patterns
        pattern = draw(st.sampled_from(_SPECIAL32))
        if dtype == np.float32:
            Z.reshape(-1).view(np.uint32)[i] = pattern
        else:  # the same classes in float64: sign, exponent all ones, quiet bit, payload
            high = (pattern & 0x80000000) << 32 | (0x7FF << 52 if pattern & 0x7F800000 ==
                                                   0x7F800000 else 0)
            Z.reshape(-1).view(np.uint64)[i] = high | (pattern & 0x7FFFFF) << 29
    layout = draw(st.sampled_from(["C", "F", "strided", "transposed", "row"]))
    if layout == "F":
        Z = np.asfortranarray(Z)
    elif layout == "strided":
        Z = np.repeat(Z, 2, axis=1)[:, ::2]
    elif layout == "transposed":
        Z = np.ascontiguousarray(Z.T).T
    elif layout == "row":
        Z = Z.reshape(-1)
    return Z


@contextlib.contextmanager
def _chunks(chunk: int = act.CHUNK, small: int = 0):
    """activations.maximum with another chunk length, and its vectorized path taken from
    ``small`` elements on (0: always, so that the small arrays drawn here take it)."""
    saved = act.CHUNK, act.SMALL
    act.CHUNK, act.SMALL = chunk, small
    try:
        yield
    finally:
        act.CHUNK, act.SMALL = saved


@given(Z=_float_arrays(), c=st.sampled_from([0.0, -0.0, 0.01, 0.2, -1.5, float("nan")]),
       chunk=st.sampled_from([1, 3, 7, 2**17]), small=st.sampled_from([0, 2**14]),
       with_out=st.booleans())
def test_maximum_with_a_number_is_numpys_bit_for_bit(Z, c, chunk, small, with_out):
    """activations.maximum(Z, c) equals np.maximum(Z, c) in every bit (NaNs, signed zeros),
    for every layout, chunk length (several chunks, a short last one) and given ``out``."""
    with _chunks(chunk, small):
        out = np.empty_like(Z) if with_out else None
        with np.errstate(invalid="ignore"):
            got = act.maximum(Z, c, out=out)
            want = np.maximum(Z, Z.dtype.type(c))
        _assert_same_bits(got, want)
        assert got.flags.c_contiguous == want.flags.c_contiguous
        if with_out:
            assert got is out


@given(Z=_float_arrays(), slope=st.sampled_from([0.0, 0.01, 0.2, 0.999, 1e-30]))
def test_fast_activation_forms_give_the_plain_forms_bits(Z, slope):
    """relu = np.maximum(Z, 0), sigmoid = the np.where form, leaky ReLU = z * g'(z), bit for
    bit on every float class (NaN payloads, signalling NaNs, infinities, -0.0, subnormals)."""
    with np.errstate(all="ignore"), _chunks(chunk=5):
        _assert_same_bits(get_activation("relu")(Z), np.maximum(Z, 0))
        _assert_same_bits(sigmoid(Z), _sigmoid_with_where(Z))
        _assert_same_bits(leaky_relu(slope)(Z), _leaky_as_product(Z, slope))
        _assert_same_bits(leaky_relu(slope).derivative(Z, Z),
                          np.maximum((Z > 0).astype(Z.dtype), Z.dtype.type(slope)))


def test_fast_forms_on_arrays_of_many_chunks():
    """A 512 x 300 Z (float32: more than one CHUNK) of random signs with every special value:
    the same bits as the plain forms, C- and Fortran-ordered."""
    rng = np.random.default_rng(5)
    for dtype, bits in ((np.float32, np.uint32), (np.float64, np.uint64)):
        Z = rng.standard_normal((512, 300)).astype(dtype) * 40
        flat = Z.reshape(-1)
        flat[rng.integers(0, flat.size, 3000)] = rng.choice(
            np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-310, -1e-310]), 3000)
        for X in (Z, np.asfortranarray(Z)):
            with np.errstate(all="ignore"):
                _assert_same_bits(get_activation("relu")(X), np.maximum(X, 0))
                _assert_same_bits(sigmoid(X), _sigmoid_with_where(X))
                _assert_same_bits(leaky_relu(0.01)(X), _leaky_as_product(X, 0.01))
            assert get_activation("relu")(X).flags.f_contiguous == X.flags.f_contiguous
        assert bits  # both dtypes ran


def test_maximum_keeps_a_few_filled_arrays_and_other_dtypes_take_numpy():
    with _chunks():
        for k in range(act.FILLED + 3):  # many slopes: the cache stays bounded
            act.maximum(np.ones(4, np.float32), k / 100)
            assert (np.float32().dtype.str, np.float32(k / 100).tobytes()) in act._filled
    assert len(act._filled) <= act.FILLED
    ints = np.array([[-2, 3]])
    np.testing.assert_array_equal(act.maximum(ints, 0), [[0, 3]])
    half = np.array([-1.0, 2.0], np.float16)
    assert act.maximum(half, 0).dtype == np.float16
    assert act.maximum(np.float64(-3.0), 0) == 0.0


# --- the pyapi audit: the exported activations take array-likes, as nndl.functional does ------
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear", "softmax"])
def test_exported_activations_take_lists_numbers_ints_and_bools(name):
    g = getattr(nndl, name)
    f = np.array([[1.0, -2.0, 0.0]])
    want = g(f)
    for value in (f.tolist(), f.astype(np.int64), np.array([[True, False, False]])):
        got = g(value)
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        np.testing.assert_array_equal(got, g(np.asarray(value, dtype=np.float64)))
    np.testing.assert_array_equal(g(f.tolist()), want)
    one = g(0.5)
    assert isinstance(one, np.floating) and one == g(np.array([0.5]))[0]
    assert ACTIVATIONS[name].forward([[1, 2]]).dtype == np.float64
    for bad in (["a", "b"], [1 + 2j], [[1.0], [2.0, 3.0]]):
        with pytest.raises(NNDLError, match="Z must be a"):
            g(bad)


def test_leaky_relu_is_made_from_a_slope_and_says_so():
    np.testing.assert_array_equal(leaky_relu(0.2).forward([[-1, 2]]), [[-0.2, 2.0]])
    assert leaky_relu().forward(-1.0) == -0.01
    with pytest.raises(NNDLError, match=r"makes the activation from its slope; apply it as "
                                        r"nndl.leaky_relu\(0.2\).forward\(Z\)"):
        nndl.leaky_relu(np.array([[1.0, -1.0]]))
    assert "nndl.leaky_relu(0.2).forward(Z)" in nndl.leaky_relu.__doc__
