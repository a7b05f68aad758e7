"""nndl.functional computes what the course's functions compute, for any arguments (issue 10 C).

The reference is the course's code, written out in ``course_reference.py``. Three kinds of check:

* the course's own test cases (random caches, an ``AL`` that is no probability) give the
  expected outputs the course publishes, to the 8 digits it prints (atol 5e-9 + rtol 1e-8);
* for random shapes and *inconsistent* arguments (caches from no forward pass, ``AL`` not the
  sigmoid of the cache's ``Z[L]``, values outside (0, 1)), every function gives the reference's
  values: bit for bit when the reference uses nndl's sigmoid (so nothing else differs), and
  within rtol 1e-12 plus atol 1e-12 * max|reference| with the course's own sigmoid (which
  differs from nndl's overflow-free one in the last bits for z < 0);
* the caller's arrays are never modified.

(The sigmoid of z < -708 is below the normal range: the course's ``1 / (1 + e^-z)`` gives 0
where nndl's gives the subnormal value; hence an absolute tolerance of the smallest normal
number on sigmoid outputs and of 1e-300 on what is computed from them.)
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nndl import functional as F
from nndl.activations import sigmoid as nndl_sigmoid
from nndl.errors import NNDLError

from . import course_reference as C

EPS = np.finfo(np.float64).eps
TINY = np.finfo(np.float64).tiny
"""Below the smallest normal number the course's sigmoid gives 0 (e^-z overflows) where nndl's
keeps the subnormal value: the two agree within TINY there."""


def nndl_sig(Z):
    """nndl's sigmoid in the reference's calling convention (A, cache)."""
    return nndl_sigmoid(Z), Z


def assert_close(actual, desired, rtol=1e-12):
    """Equal within rtol relative plus rtol * max|desired| absolute (for entries that cancel),
    and at least 1e-300 absolute (values computed from a sigmoid below the normal range)."""
    desired = np.asarray(desired)
    scale = float(np.max(np.abs(desired))) if desired.size else 0.0
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=max(rtol * scale, 1e-300))


def assert_grads(grads, ref, exact):
    assert set(grads) == set(ref)
    for k in ref:
        assert grads[k].shape == ref[k].shape, k
        if exact:
            np.testing.assert_array_equal(grads[k], ref[k], err_msg=k)
        else:
            assert_close(grads[k], ref[k])


def frozen(tree):
    return copy.deepcopy(tree)


def assert_unchanged(before, after):
    if isinstance(before, dict):
        assert list(before) == list(after)
        for k in before:
            assert_unchanged(before[k], after[k])
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after)
        for a, b in zip(before, after):
            assert_unchanged(a, b)
    else:
        np.testing.assert_array_equal(after, before)


# --- the course's test cases and the outputs it publishes --------------------------------------
def _published(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-8, atol=5e-9)


def test_initialize_parameters_deep_course_case():
    p = F.initialize_parameters_deep([5, 4, 3], rng=np.random.RandomState(3))
    _published(p["W1"], [[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
                         [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
                         [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
                         [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]])
    _published(p["W2"], [[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                         [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                         [-0.00768836, -0.00230031, 0.00745056, 0.01976111]])
    np.testing.assert_array_equal(p["b1"], np.zeros((4, 1)))
    np.testing.assert_array_equal(p["b2"], np.zeros((3, 1)))


def test_forward_course_cases():
    rs = np.random.RandomState(1)
    A, W, b = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    _published(F.linear_forward(A, W, b)[0], [[3.26295337, -1.23429987]])
    rs = np.random.RandomState(2)
    A, W, b = rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1)
    _published(F.linear_activation_forward(A, W, b, "sigmoid")[0], [[0.96890023, 0.11013289]])
    _published(F.linear_activation_forward(A, W, b, "relu")[0], [[3.43896131, 0.0]])
    rs = np.random.RandomState(6)
    X = rs.randn(5, 4)
    params = {}
    for l, (n, n_prev) in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        params[f"W{l}"], params[f"b{l}"] = rs.randn(n, n_prev), rs.randn(n, 1)
    AL, caches = F.L_model_forward(X, params)
    _published(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]])
    assert len(caches) == 3


def test_compute_cost_course_case():
    assert F.compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])) == \
        pytest.approx(0.2797765635793422, rel=4 * EPS)


def test_backward_course_cases():
    rs = np.random.RandomState(1)
    dZ, A, W, b = rs.randn(3, 4), rs.randn(5, 4), rs.randn(3, 5), rs.randn(3, 1)
    dA_prev, dW, db = F.linear_backward(dZ, (A, W, b))
    _published(dA_prev, [[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                         [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                         [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                         [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                         [-2.52214926, 2.67882552, -0.67947465, 1.48119548]])
    _published(dW, [[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                    [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                    [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]])
    _published(db, [[-0.14713786], [-0.11313155], [-0.13209101]])

    rs = np.random.RandomState(2)
    dA, A, W, b, Z = rs.randn(1, 2), rs.randn(3, 2), rs.randn(1, 3), rs.randn(1, 1), rs.randn(1, 2)
    dA_prev, dW, db = F.linear_activation_backward(dA, ((A, W, b), Z), "sigmoid")
    _published(dA_prev, [[0.11017994, 0.01105339], [0.09466817, 0.00949723],
                         [-0.05743092, -0.00576154]])
    _published(dW, [[0.10266786, 0.09778551, -0.01968084]])
    _published(db, [[-0.05729622]])
    dA_prev, dW, db = F.linear_activation_backward(dA, ((A, W, b), Z), "relu")
    _published(dA_prev, [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]])
    _published(dW, [[0.44513824, 0.37371418, -0.10478989]])
    _published(db, [[-0.20837892]])


def test_L_model_backward_course_case_where_AL_is_no_probability():
    """The course's L_model_backward_test_case: AL = randn(1, 2) = [[1.79, 0.44]], unrelated
    to the caches' Z[2]. The shortcut dZ[L] = AL - Y gives other numbers here."""
    rs = np.random.RandomState(3)
    AL, Y = rs.randn(1, 2), np.array([[1, 0]])
    caches = []
    for shape_A, shape_W, n in [((4, 2), (3, 4), 3), ((3, 2), (1, 3), 1)]:
        A, W, b, Z = rs.randn(*shape_A), rs.randn(*shape_W), rs.randn(n, 1), rs.randn(n, 2)
        caches.append(((A, W, b), Z))
    before = frozen((AL, Y, caches))
    grads = F.L_model_backward(AL, Y, caches)
    _published(grads["dW1"], [[0.41010002, 0.07807203, 0.13798444, 0.10502167],
                              [0.0, 0.0, 0.0, 0.0],
                              [0.05283652, 0.01005865, 0.01777766, 0.0135308]])
    _published(grads["db1"], [[-0.22007063], [0.0], [-0.02835349]])
    _published(grads["dA1"], [[0.12913162, -0.44014127], [-0.14175655, 0.48317296],
                              [0.01663708, -0.05670698]])
    assert_unchanged(before, (AL, Y, caches))
    # what the shortcut dZ[L] = AL - Y gives instead: not the course's numbers
    shortcut_db2 = np.mean(AL - Y, axis=1, keepdims=True)
    assert abs(shortcut_db2 - grads["db2"]).max() > 0.1


def test_update_parameters_course_case_returns_new_arrays():
    rs = np.random.RandomState(2)
    params = {"W1": rs.randn(3, 4), "b1": rs.randn(3, 1), "W2": rs.randn(1, 3),
              "b2": rs.randn(1, 1)}
    rs = np.random.RandomState(3)
    grads = {"dW1": rs.randn(3, 4), "db1": rs.randn(3, 1), "dW2": rs.randn(1, 3),
             "db2": rs.randn(1, 1)}
    before = frozen((params, grads))
    ids = {k: id(v) for k, v in params.items()}
    new = F.update_parameters(params, grads, 0.1)
    _published(new["W1"], [[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                           [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                           [-1.0535704, -0.86128581, 0.68284052, 2.20374577]])
    _published(new["b1"], [[-0.04659241], [-1.28888275], [0.53405496]])
    _published(new["W2"], [[-0.55569196, 0.0354055, 1.32964895]])
    _published(new["b2"], [[-0.84610769]])
    assert new is not params
    assert_unchanged(before, (params, grads))  # the caller's arrays keep their values
    assert {k: id(v) for k, v in params.items()} == ids
    assert all(not np.shares_memory(new[k], params[k]) for k in params)


# --- random shapes, inconsistent arguments --------------------------------------------------
@st.composite
def problems(draw):
    """(dims, X, params, caches, AL, Y): every array drawn on its own, so that the caches come
    from no forward pass and AL is not sigmoid(Z[L]); scales from 1e-3 to 1e2."""
    L = draw(st.integers(1, 4))
    dims = draw(st.lists(st.integers(1, 6), min_size=L, max_size=L)) + [1]
    m = draw(st.integers(1, 7))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))

    def arr(*shape):
        return rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 2)

    X = arr(dims[0], m)
    params = {}
    caches = []
    for l in range(1, L + 1):
        params[f"W{l}"], params[f"b{l}"] = arr(dims[l], dims[l - 1]), arr(dims[l], 1)
        caches.append(((arr(dims[l - 1], m), arr(dims[l], dims[l - 1]), arr(dims[l], 1)),
                       arr(dims[l], m)))
    kind = draw(st.sampled_from(["probability", "any"]))
    if kind == "probability":  # in (0, 1), unrelated to Z[L]
        AL = rng.uniform(1e-6, 1 - 1e-6, size=(1, m))
    else:  # as the course's own test case: randn, so also < 0 and > 1
        AL = rng.standard_normal((1, m))
        AL[AL == 0] = 0.5
        AL[AL == 1] = 0.5
    soft = draw(st.booleans())
    Y = rng.uniform(0, 1, (1, m)) if soft else (rng.random((1, m)) > 0.5).astype(np.int64)
    return dims, X, params, caches, AL, Y


@settings(max_examples=150, deadline=None)
@given(problems())
def test_L_model_backward_is_the_courses_for_inconsistent_caches(problem):
    _, _, _, caches, AL, Y = problem
    before = frozen((AL, Y, caches))
    grads = F.L_model_backward(AL, Y, caches)
    assert_grads(grads, C.L_model_backward(AL, Y, caches, sig=nndl_sig), exact=True)
    assert_grads(grads, C.L_model_backward(AL, Y, caches), exact=False)
    if ((AL >= TINY) & (AL < 1)).all():  # m terms of one sign: a sum and np.dot within m eps
        assert F.compute_cost(AL, Y) == pytest.approx(float(C.compute_cost(AL, Y)),
                                                      rel=8 * EPS * (1 + AL.size))
    assert_unchanged(before, (AL, Y, caches))


@settings(max_examples=100, deadline=None)
@given(problems())
def test_forward_cost_and_predict_are_the_courses(problem):
    dims, X, params, _, _, Y = problem
    before = frozen((X, params))
    AL, caches = F.L_model_forward(X, params)
    ref_AL, ref_caches = C.L_model_forward(X, params, sig=nndl_sig)
    np.testing.assert_array_equal(AL, ref_AL)
    assert_unchanged(ref_caches, caches)  # the same layout: ((A_prev, W, b), Z) per layer
    course_AL, _ = C.L_model_forward(X, params)
    np.testing.assert_allclose(AL, course_AL, rtol=4 * EPS, atol=TINY)
    np.testing.assert_array_equal(F.predict(X, params), C.predict(X, params))
    # AL of 0 or 1: the course's cost is inf or NaN; below TINY nndl's log is clamped at TINY
    inside = (AL >= TINY) & (AL < 1)
    if inside.all():
        cost = F.compute_cost(AL, Y)
        assert isinstance(cost, float)
        # a sum against the course's np.dot: m terms of one sign, rtol m * eps
        assert cost == pytest.approx(float(C.compute_cost(AL, Y)), rel=8 * EPS * (1 + AL.size))
    assert_unchanged(before, (X, params))


@settings(max_examples=100, deadline=None)
@given(problems(), st.sampled_from(["relu", "sigmoid"]), st.floats(1e-4, 10.0))
def test_one_layer_functions_and_update_are_the_courses(problem, activation, lr):
    dims, _, params, caches, _, _ = problem
    (A_prev, W, b), Z = caches[-1]
    dA = Z * 0.7 - 0.1  # any dA of Z's shape
    before = frozen((caches, params, dA))

    Z1, lin = F.linear_forward(A_prev, W, b)
    rZ, rlin = C.linear_forward(A_prev, W, b)
    np.testing.assert_array_equal(Z1, rZ)
    assert all(x is y for x, y in zip(lin, rlin))

    A, cache = F.linear_activation_forward(A_prev, W, b, activation)
    rA, rcache = C.linear_activation_forward(A_prev, W, b, activation, sig=nndl_sig)
    np.testing.assert_array_equal(A, rA)
    np.testing.assert_array_equal(cache[1], rcache[1])
    np.testing.assert_allclose(A, C.linear_activation_forward(A_prev, W, b, activation)[0],
                               rtol=4 * EPS, atol=TINY)

    for got, ref in zip(F.linear_backward(dA, (A_prev, W, b)),
                        C.linear_backward(dA, (A_prev, W, b))):
        np.testing.assert_array_equal(got, ref)
    got = F.linear_activation_backward(dA, caches[-1], activation)
    for g, r in zip(got, C.linear_activation_backward(dA, caches[-1], activation, nndl_sig)):
        np.testing.assert_array_equal(g, r)
    for g, r in zip(got, C.linear_activation_backward(dA, caches[-1], activation)):
        assert_close(g, r)

    grads = {f"d{k}": np.asarray(v) * 0.3 + 0.01 for k, v in params.items()}
    before_grads = frozen(grads)
    new = F.update_parameters(params, grads, lr)
    ref = C.update_parameters(params, grads, lr)
    assert list(new) == list(ref)
    for k in ref:
        np.testing.assert_array_equal(new[k], ref[k])
    assert_unchanged(before, (caches, params, dA))
    assert_unchanged(before_grads, grads)


@pytest.mark.parametrize("deep_recipe,init,seed", [(False, "small", 3), (True, "scaled", 1)])
@pytest.mark.parametrize("dims", [[5, 4, 3], [12288, 20, 7, 5, 1], [3, 1]])
def test_initialize_parameters_deep_is_the_courses(deep_recipe, init, seed, dims):
    """randn * 0.01: the same bits. The deep recipe randn / sqrt(n[l-1]): nndl multiplies by
    1 / sqrt(n[l-1]), within 2 units in the last place."""
    p = F.initialize_parameters_deep(dims, rng=np.random.RandomState(seed), init=init)
    ref = C.initialize_parameters_deep(dims, seed, deep_recipe)
    assert list(p) == list(ref)
    for k in ref:
        if deep_recipe:
            np.testing.assert_allclose(p[k], ref[k], rtol=2 * EPS, atol=0)
        else:
            np.testing.assert_array_equal(p[k], ref[k])


# --- where the course's numbers are not finite ------------------------------------------------
def test_consistent_caches_give_the_notes_dZL_up_to_rounding():
    """With caches from one forward pass, dA[L] through the sigmoid is the notes' A[L] - Y."""
    rng = np.random.default_rng(0)
    params = F.initialize_parameters_deep([4, 5, 3, 1], seed=0, init="he")
    X = rng.standard_normal((4, 9))
    Y = (rng.random((1, 9)) > 0.5).astype(float)
    AL, caches = F.L_model_forward(X, params)
    grads = F.L_model_backward(AL, Y, caches)
    np.testing.assert_allclose(grads["db3"], np.mean(AL - Y, axis=1, keepdims=True),
                               rtol=1e-12, atol=1e-15)


def test_compute_cost_refuses_values_that_are_no_probability():
    with pytest.raises(NNDLError, match=r"AL must hold probabilities in \[0, 1\]"):
        F.compute_cost(np.array([[0.3, 1.2]]), np.array([[1, 0]]))
    with pytest.raises(NNDLError, match=r"Y has 3 values"):
        F.compute_cost(np.array([[0.3, 0.2]]), np.array([[1, 0, 1]]))
    # saturated outputs: finite (the course gives inf for Y = 1, AL = 0, and NaN for 0 log 0)
    assert np.isfinite(F.compute_cost(np.array([[0.0, 1.0]]), np.array([[1, 1]])))
    assert F.compute_cost(np.array([[0.0, 1.0]]), np.array([[0, 1]])) == 0.0
    # NaN passes through, as in the course
    assert np.isnan(F.compute_cost(np.array([[np.nan, 0.5]]), np.array([[1, 1]])))


def test_L_model_backward_refuses_mismatched_shapes():
    rng = np.random.default_rng(0)
    cache = ((rng.standard_normal((2, 3)), rng.standard_normal((1, 2)), np.zeros((1, 1))),
             rng.standard_normal((1, 3)))
    with pytest.raises(NNDLError, match=r"AL has shape \(1, 4\) but the last cache's Z has "
                                        r"shape \(1, 3\)"):
        F.L_model_backward(np.full((1, 4), 0.5), np.ones((1, 4)), [cache])
    with pytest.raises(NNDLError, match="caches is empty"):
        F.L_model_backward(np.full((1, 3), 0.5), np.ones((1, 3)), [])
    with pytest.raises(NNDLError, match=r"grads lacks \['db1'\]"):
        F.update_parameters({"W1": np.ones((1, 2)), "b1": np.zeros((1, 1))},
                            {"dW1": np.ones((1, 2))}, 0.1)


def test_L_model_backward_at_a_saturated_output_divides_by_zero_as_the_course():
    """AL exactly 1 with Y = 1: the course's dA[L] has 0 / 0; nndl gives the same NaN (with
    NumPy's warning), not a quietly different finite number."""
    cache = ((np.ones((2, 1)), np.ones((1, 2)), np.zeros((1, 1))), np.array([[40.0]]))
    with pytest.warns(RuntimeWarning):
        grads = F.L_model_backward(np.array([[1.0]]), np.array([[1.0]]), [cache])
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = C.L_model_backward(np.array([[1.0]]), np.array([[1.0]]), [cache])
    for k in ref:
        np.testing.assert_array_equal(grads[k], ref[k])  # NaN where the course has NaN
    assert np.isnan(grads["dW1"]).all()


# --- the course's table, trained through nndl.functional ---------------------------------------
@pytest.mark.parametrize("dims,init,j0,jend,train_acc,test_acc", [
    pytest.param([12288, 20, 7, 5, 1], "scaled", 0.771749, 0.088440, 0.9856, 0.80,
                 id="4-layer"),
])
def test_course_table_through_functional(cat_data, dims, init, j0, jend, train_acc, test_acc):
    """The course's own loop (its L_layer_model: forward, cost, its L_model_backward, update;
    seed 1, alpha 0.0075, 2500 iterations) through nndl.functional gives the course's published
    numbers (SPEC.md): costs and train accuracy to the table's 6 and 4 decimals (half a unit
    in the last place), test accuracy exactly (one image is 1/50). (The 2-layer row,
    [12288, 7, 1] with init "small", passes the same way; it is left out to keep the suite
    quick: test_course_table trains it through Network.)"""
    train, test = cat_data
    params = F.initialize_parameters_deep(dims, rng=np.random.RandomState(1), init=init)
    costs = []
    for _ in range(2500):
        AL, caches = F.L_model_forward(train.X, params)
        costs.append(F.compute_cost(AL, train.Y))
        grads = F.L_model_backward(AL, train.Y, caches)
        params = F.update_parameters(params, grads, 0.0075)
    assert costs[0] == pytest.approx(j0, abs=5e-7)
    assert costs[-1] == pytest.approx(jend, abs=5e-7)
    assert np.mean(F.predict(train.X, params) == train.Y) == pytest.approx(train_acc, abs=5e-5)
    assert np.mean(F.predict(test.X, params) == test.Y) == pytest.approx(test_acc, abs=1e-12)
