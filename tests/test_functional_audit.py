"""Audit findings on nndl.functional, the 2-D generators and the plots: bad input is refused
with an NNDLError that says what was expected and what came, never a silently wrong answer or
a raw NumPy / matplotlib traceback; what the course's code computes (integer arrays, lists) is
computed, with the same numbers as float arrays."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nndl import functional as F
from nndl.datasets import Dataset, generate, generators
from nndl.datasets.generators import GENERATORS, make_blobs, make_flower
from nndl.errors import NNDLError


def params_3541() -> dict:
    """A [3, 5, 4, 1] network's parameters (nonzero b, so that a lost bias changes AL)."""
    p = F.initialize_parameters_deep([3, 5, 4, 1], seed=0, init="he")
    return {k: v + 0.1 if k.startswith("b") else v for k, v in p.items()}


X3 = np.random.default_rng(1).standard_normal((3, 6))


# --- A. parameters dicts, gradients, dtypes, labels ----------------------------------------------
@pytest.mark.parametrize("change, message", [
    (lambda p: p.pop("b3"), r"parameters lacks \['b3'\]"),
    (lambda p: p.pop("W2"), r"parameters lacks \['W2'\]"),
    (lambda p: p.update(foo=1), r"no layer's parameter: \['foo'\]"),
    (lambda p: p.update(W4=np.ones((1, 1))), r"parameters lacks \['b4'\]"),
    (lambda p: p.update(W3=np.ones((1, 5))), r"W3 must have 4 columns .* got shape \(1, 5\)"),
    (lambda p: p.update(b2=np.zeros(4)), r"b2 must have shape \(4, 1\) .* got shape \(4,\)"),
    (lambda p: p.update(b2=np.zeros((1, 6))), r"b2 must have shape \(4, 1\)"),
    (lambda p: p.clear(), r"parameters must hold W1, b1, \.\.\., WL, bL"),
])
def test_L_model_forward_checks_the_parameters(change, message):
    """Layers were counted as len(params) // 2: without b3 a [3, 5, 4, 1] network ran 2 layers
    and returned AL of shape (4, m); extra keys gave KeyError 'W3', {} KeyError 'W1'."""
    p = params_3541()
    change(p)
    with pytest.raises(NNDLError, match=message):
        F.L_model_forward(X3, p)
    with pytest.raises(NNDLError, match=message):
        F.predict(X3, p)


def test_L_model_forward_refuses_what_is_no_dict_and_X_of_other_rows():
    with pytest.raises(NNDLError, match="parameters must be a dict"):
        F.L_model_forward(X3, [np.ones((1, 3)), np.zeros((1, 1))])
    with pytest.raises(NNDLError, match=r"X must have shape \(3, m\) .* got shape \(6, 3\)"):
        F.L_model_forward(X3.T, params_3541())
    with pytest.raises(NNDLError, match="X must be finite"):
        F.predict(np.full((3, 2), np.nan), params_3541())


@pytest.mark.parametrize("key, shape", [("dW2", (5, 4)), ("dW3", (4, 1)), ("db1", (1, 5)),
                                        ("db2", (4,)), ("dW1", (5,))])
def test_update_parameters_refuses_grads_of_another_shape(key, shape):
    """dW3 (4, 1) turned W3 (1, 4) into (4, 4); db1 (1, 5) turned b1 into (5, 5)."""
    p = params_3541()
    grads = {f"d{k}": np.ones_like(v) for k, v in p.items()}
    grads[key] = np.ones(shape)
    with pytest.raises(NNDLError, match=rf"{key} must have shape \({p[key[1:]].shape[0]}, "):
        F.update_parameters(p, grads, 0.1)


@pytest.mark.parametrize("lr", ["0.1", None, float("nan"), float("inf"), 0.0, -0.1, True])
def test_update_parameters_checks_the_learning_rate(lr):
    p = params_3541()
    grads = {f"d{k}": np.ones_like(v) for k, v in p.items()}
    with pytest.raises(NNDLError, match="learning_rate must be a positive number"):
        F.update_parameters(p, grads, lr)


def test_update_parameters_refuses_grads_that_are_no_dict_or_not_finite():
    p = params_3541()
    with pytest.raises(NNDLError, match="grads must be a dict"):
        F.update_parameters(p, [1, 2], 0.1)
    grads = {f"d{k}": np.ones_like(v) for k, v in p.items()}
    grads["dW1"][0, 0] = np.nan
    with pytest.raises(NNDLError, match="dW1 must be finite"):
        F.update_parameters(p, grads, 0.1)


@pytest.mark.parametrize("dtype", ["int32", np.int64, "floot", "complex128", bool])
def test_initialize_parameters_deep_takes_float_dtypes_only(dtype):
    """dtype="int32" gave an all-zero W (0.01 * randn rounds to 0); "floot" a TypeError."""
    with pytest.raises(NNDLError, match="dtype must be 'float32' or 'float64'"):
        F.initialize_parameters_deep([3, 2, 1], seed=0, dtype=dtype)


def test_initialize_parameters_deep_float32_and_sizes_beyond_the_memory():
    p32 = F.initialize_parameters_deep([3, 2, 1], seed=0, dtype="float32")
    p64 = F.initialize_parameters_deep([3, 2, 1], seed=0)
    assert all(p32[k].dtype == np.float32 for k in p32)
    assert all(np.array_equal(p32[k], p64[k].astype(np.float32)) for k in p64)
    with pytest.raises(NNDLError, match="need about .* of memory"):
        F.initialize_parameters_deep([10**7, 10**7, 1], seed=0)


@pytest.mark.parametrize("Y", [[[1, 2, 0]], [[1, -1, 0]], [[1, np.nan, 0]], [[0.5, 1.5, 0]]])
def test_compute_cost_refuses_labels_outside_0_1(Y):
    """Y = [[1, 2, 0]] gave a negative "cost", -0.45."""
    with pytest.raises(NNDLError, match=r"Y must hold labels 0 or 1 \(or probabilities"):
        F.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array(Y))


def test_L_model_backward_refuses_labels_outside_0_1():
    AL, caches = F.L_model_forward(X3, params_3541())
    with pytest.raises(NNDLError, match="Y must hold labels 0 or 1"):
        F.L_model_backward(AL, np.full(AL.shape, 2.0), caches)


@pytest.mark.parametrize("AL, Y", [(np.zeros((1, 0)), np.zeros((1, 0))), (0.5, 1),
                                   (np.array([0.5, 0.5]), np.array([1, 0]))])
def test_compute_cost_refuses_what_has_no_mean(AL, Y):
    """Shape (1, 0) gave NaN with a RuntimeWarning; compute_cost(0.5, 1) an IndexError."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NNDLError, match=r"AL must be a non-empty 2-D array \(n\[L\], m\)"):
            F.compute_cost(AL, Y)


# --- B. shapes, caches and the arrays the course's code takes -------------------------------------
rs = np.random.RandomState(2)
A, W, b, Z = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1), rs.randn(1, 2)


@pytest.mark.parametrize("call, message", [
    (lambda: F.linear_forward(A, rs.randn(1, 4), b),
     r"A must have shape \(4, m\) \(one row per column of W"),
    (lambda: F.linear_forward(A, W, np.ones(2)), r"b must have shape \(1, 1\) .* got shape \(2,\)"),
    (lambda: F.linear_forward(A, rs.randn(2, 3), np.ones(2)), r"b must have shape \(2, 1\)"),
    (lambda: F.linear_activation_forward(A.T, W, b, "relu"), r"A_prev must have shape \(3, m\)"),
    (lambda: F.linear_activation_forward(A, W, b, "sigmod"), "unknown activation 'sigmod'"),
    (lambda: F.linear_backward(np.ones((2, 2)), (A, W, b)), r"dZ must have shape \(1, 2\)"),
    (lambda: F.linear_backward(Z, (A.T, W, b)), r"A_prev of cache must have shape \(3, m\)"),
    (lambda: F.linear_activation_backward(np.ones((1, 3)), ((A, W, b), Z), "relu"),
     r"dA must have shape \(1, 2\)"),
    (lambda: F.linear_activation_backward(Z, ((A, W, b), Z.T), "relu"),
     r"Z of cache must have shape \(1, 2\)"),
    (lambda: F.linear_activation_backward(Z, (A, W, b), "relu"),
     r"cache must be a layer's cache \(\(A_prev, W, b\), Z\).* a tuple of length 3"),
    (lambda: F.linear_backward(Z, ((A, W, b), Z)),
     r"cache must be a linear cache \(A_prev, W, b\)"),
    (lambda: F.linear_backward(Z, None), "cache must be a linear cache"),
    (lambda: F.L_model_backward(np.full((1, 2), 0.5), [[1, 0]], ((A, W, b), Z)),
     r"caches\[0\] must be a layer's cache"),
    (lambda: F.L_model_backward(np.full((1, 2), 0.5), [[1, 0]], "caches"),
     "caches must be a list"),
    (lambda: F.L_model_backward(np.full((1, 2), 0.5), [[1, 0]],
                                [((A, W, b), Z), ((A, W, b), Z)]),
     r"caches\[1\] does not follow caches\[0\]"),
    (lambda: F.compute_cost(0.5, 1), "AL must be a non-empty 2-D array"),
    (lambda: F.linear_forward(A, W, [[1], [2, 3]]), "b must be a numeric array"),
    (lambda: F.linear_forward(A, W, np.array([["x"]])), "b must hold numbers"),
    (lambda: F.linear_forward(A, W * 1j, b), "W must hold real numbers"),
    (lambda: F.linear_forward(A * np.inf, W, b), "A must be finite"),
    (lambda: F.linear_forward(A[:, :0], W, b), r"A has no samples \(m = 0\)"),
    (lambda: F.linear_backward(Z[:, :0], (A[:, :0], W, b)),
     "A_prev of cache must be a 2-D array with at least one column"),
    (lambda: F.linear_forward(A, W[0], b), r"W must have shape \(n\[l\], n\[l-1\]\)"),
])
def test_wrong_shapes_and_caches_are_named(call, message):
    """These gave ValueError: matmul ..., a per-sample broadcast of b, IndexError or "too many
    values to unpack"."""
    with pytest.raises(NNDLError, match=message):
        call()


def test_integer_and_list_inputs_give_the_float_results():
    """All-integer arrays with sigmoid gave UFuncTypeError (exp of int); lists TypeError (@).
    The course's code computes them: converted to float64, the same bits as float arrays."""
    Ai, Wi, bi = np.array([[1, 2], [0, -1], [3, 1]]), np.array([[1, -1, 2]]), np.array([[-3]])
    ref, ref_cache = F.linear_activation_forward(Ai * 1.0, Wi * 1.0, bi * 1.0, "sigmoid")
    for args in ((Ai, Wi, bi), (Ai.tolist(), Wi.tolist(), bi.tolist())):
        got, cache = F.linear_activation_forward(*args, "sigmoid")
        np.testing.assert_array_equal(got, ref)
        assert all(c.dtype == np.float64 for c in cache[0])
    grads = F.linear_activation_backward([[1, -2]], ref_cache, "relu")
    np.testing.assert_array_equal(
        grads[1], F.linear_activation_backward(np.array([[1.0, -2.0]]), ref_cache, "relu")[1])
    p = params_3541()
    AL, _ = F.L_model_forward(X3.tolist(), {k: v.tolist() for k, v in p.items()})
    np.testing.assert_array_equal(AL, F.L_model_forward(X3, p)[0])


def test_what_the_forward_pass_computed_passes_NaN_through_as_the_course():
    """AL, caches, dA and dZ are the course's own intermediate values: NaN in them gives NaN
    gradients, as in the course (and update_parameters refuses those)."""
    p = params_3541()
    AL, caches = F.L_model_forward(X3, p)
    (A_prev, W_, b_), Z_ = caches[1]
    A_prev = A_prev.copy()
    A_prev[0, 0] = np.nan
    grads = F.L_model_backward(AL, (AL > 0.5) * 1, [caches[0], ((A_prev, W_, b_), Z_),
                                                    caches[2]])
    assert np.isnan(grads["dW2"]).any()
    with pytest.raises(NNDLError, match="dW2 must be finite"):
        F.update_parameters(p, grads, 0.1)
    dA_prev, dW, db = F.linear_backward(np.full((1, 2), np.nan), (A, W, b))
    assert np.isnan(dW).all()


def test_float_arrays_pass_as_they_are():
    """float32 stays float32 and the caches hold the caller's very arrays (no copies)."""
    A32, W32, b32 = (x.astype(np.float32) for x in (A, W, b))
    Z32, cache = F.linear_forward(A32, W32, b32)
    assert Z32.dtype == np.float32 and all(x is y for x, y in zip(cache, (A32, W32, b32)))


# --- C. generators -------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, message", [
    ({"noise": -1}, "noise must be a number >= 0"),
    ({"noise": np.inf}, "noise must be a number >= 0"),
    ({"noise": "0.2"}, "noise must be a number >= 0"),
    ({"a": np.nan}, r"a \(the petals' length\) must be a number > 0"),
    ({"a": 0}, r"a \(the petals' length\) must be a number > 0"),
    ({"a": "4"}, r"a \(the petals' length\) must be a number > 0"),
])
def test_make_flower_checks_noise_and_a(kw, message):
    """noise = -1 was accepted; noise = inf or a = nan gave NaN features with NumPy warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NNDLError, match=message):
            make_flower(**kw)


def test_make_blobs_checks_radius():
    with pytest.raises(NNDLError, match="radius must be a number >= 0"):
        make_blobs(radius=np.nan)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_refuse_points_beyond_float64(name):
    """noise = 1e308 returned inf and NaN features (with only NumPy's warnings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NNDLError, match=r"overflow float64 .* use a smaller noise"):
            generate(name, noise=1e308)
        assert np.isfinite(generate(name, noise=1e3).X).all()  # large but finite is fine


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_check_m_against_the_memory(name, monkeypatch):
    """generate("flower", m=10**9) ran out of memory (killed, or a raw MemoryError)."""
    with pytest.raises(NNDLError, match="generated points need about .* use a smaller m"):
        generate(name, m=10**15)
    monkeypatch.setattr("nndl.memory.available_bytes", lambda: 10**6)
    with pytest.raises(NNDLError, match=r"100000 generated points need about 6\.1 MiB"):
        generate(name, m=10**5)


def test_a_memory_error_while_generating_is_an_nndl_error(monkeypatch):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(generators, "_check_size", lambda m: None)
    monkeypatch.setattr(generators, "standard_normal", no_memory)
    with pytest.raises(NNDLError, match="1000 generated points .* allocating them failed"):
        generate("flower", m=1000)


# --- D. plots ------------------------------------------------------------------------------------
class AlwaysZero:
    def predict(self, X):
        return np.zeros((1, X.shape[1]), dtype=np.int64)


def image_data(channels: "int | None", m: int = 4) -> Dataset:
    shape = (m, 5, 5) if channels is None else (m, 5, 5, channels)
    images = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    return Dataset(X=images.reshape(m, -1).T / 255.0, Y=np.array([[0, 1] * (m // 2)]),
                   classes=["a", "b"], images=images, name="tiny")


@pytest.mark.parametrize("channels", [2, 5])
def test_plot_mislabeled_refuses_images_it_cannot_draw(channels):
    """2 or 5 channels gave matplotlib's TypeError (Invalid shape for image data)."""
    plots = pytest.importorskip("nndl.plots")
    pytest.importorskip("matplotlib")
    with pytest.raises(NNDLError, match=rf"c = 1 \(grey\), 3 \(RGB\) or 4 \(RGBA\).*, "
                                        rf"{channels}\)"):
        plots.plot_mislabeled(AlwaysZero(), image_data(channels))


@pytest.mark.parametrize("channels", [None, 1, 3, 4])
def test_plot_mislabeled_draws_grey_rgb_and_rgba(channels):
    plots = pytest.importorskip("nndl.plots")
    pytest.importorskip("matplotlib")
    fig = plots.plot_mislabeled(AlwaysZero(), image_data(channels))
    assert len(fig.axes) == 2


@pytest.mark.parametrize("costs", [[1e308, -1e308], [-1e308, 1e308, 0.5],
                                   {"iterations": [1e308, -1e308], "costs": [1.0, 0.5]}])
def test_plot_costs_refuses_values_no_axis_can_span(costs):
    """[1e308, -1e308] gave ValueError: arange: cannot compute length (from matplotlib)."""
    plots = pytest.importorskip("nndl.plots")
    pytest.importorskip("matplotlib")
    with pytest.raises(NNDLError, match=r"reach \|x\| = 1e\+308; a figure's axis is drawn for "
                                        r"values up to 1e\+307"):
        plots.plot_costs(costs)


def test_plot_costs_still_draws_large_and_non_finite_costs():
    plots = pytest.importorskip("nndl.plots")
    pytest.importorskip("matplotlib")
    fig = plots.plot_costs([1e300, 0.5, np.inf, np.nan, 0.25])
    assert "final J = 0.25" in fig.axes[0].get_title()


@pytest.mark.parametrize("z_range", ["5", float("nan"), 0, -5, float("inf"), 1e308, None, True])
def test_plot_activations_checks_z_range(z_range):
    """z_range="5" gave TypeError; nan, 0 and -5 were accepted."""
    plots = pytest.importorskip("nndl.plots")
    pytest.importorskip("matplotlib")
    with pytest.raises(NNDLError, match="z_range must be a"):
        plots.plot_activations(z_range=z_range)


def test_a_transposed_y_of_the_same_size_is_refused_not_paired_wrongly():
    AL = np.array([[0.9, 0.9, 0.9], [0.1, 0.1, 0.1]])  # (n[L] = 2, m = 3)
    Y = np.array([[1, 1, 1], [0, 0, 0]])
    with pytest.raises(NNDLError, match=r"Y must have AL's shape \(2, 3\).*got shape \(3, 2\) "
                                        r"\(it looks transposed: try Y.T\)"):
        F.compute_cost(AL, Y.T)
    X = np.array([[2.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    A, caches = F.L_model_forward(X, {"W1": np.array([[1.0, -1.0], [-1.0, 1.0]]),
                                      "b1": np.zeros((2, 1))})
    with pytest.raises(NNDLError, match=r"try Y.T"):
        F.L_model_backward(A, Y.T, caches)
    F.L_model_backward(A, Y, caches)
    # one output unit: a vector of m labels in any of its forms, as the course reshapes it
    AL1 = np.array([[0.8, 0.3, 0.6]])
    y = np.array([1, 0, 1])
    want = F.compute_cost(AL1, y.reshape(1, -1))
    for form in (y, y.reshape(-1, 1)):
        assert F.compute_cost(AL1, form) == want
    with pytest.raises(NNDLError, match=r"AL's shape \(2, 3\)"):
        F.compute_cost(AL, Y.reshape(-1))  # n[L] = 2: a flat Y cannot say which is which


def test_a_number_is_the_label_of_one_sample_for_one_output_unit():
    """compute_cost(AL (1, 1), 1.0) was refused by the check of Y's shape (it worked before)."""
    from nndl.errors import NNDLError

    assert F.compute_cost(np.array([[0.7]]), 1.0) == pytest.approx(-np.log(0.7), rel=1e-12)
    with pytest.raises(NNDLError, match="AL's shape"):
        F.compute_cost(np.full((3, 5), 0.2), np.eye(3)[[0, 1, 2, 0, 1]].T.ravel())
