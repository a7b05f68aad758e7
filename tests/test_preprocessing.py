"""nndl.preprocessing.Standardizer: fitted on the training part only, JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nndl.datasets import load_builtin, split
from nndl.errors import NNDLError
from nndl.preprocessing import Standardizer


def test_fit_gives_zero_mean_unit_std_per_feature():
    X = np.random.default_rng(0).normal(loc=[[5.0], [-3.0], [100.0]], scale=[[2.0], [0.1], [30.0]],
                                        size=(3, 500))
    s = Standardizer().fit(X)
    assert s.mean.shape == (3, 1) and s.std.shape == (3, 1)
    Z = s.transform(X)
    assert np.allclose(Z.mean(axis=1), 0.0, rtol=0, atol=1e-12)
    assert np.allclose(Z.std(axis=1), 1.0, rtol=0, atol=1e-12)
    assert np.allclose(s.inverse_transform(Z), X, rtol=1e-12, atol=1e-12)


def test_fitted_on_train_only():
    pytest.importorskip("sklearn")
    train, _, test = split(load_builtin("breast_cancer"), dev=0.0, test=0.3, seed=0)
    s = Standardizer().fit(train.X)
    assert np.allclose(s.mean.ravel(), train.X.mean(axis=1), rtol=1e-12, atol=0)
    Zt = s.transform(test.X)
    # the test part uses the training mean and std, so it is NOT exactly centred
    assert np.allclose(Zt, (test.X - train.X.mean(axis=1, keepdims=True))
                       / train.X.std(axis=1, keepdims=True), rtol=1e-12, atol=1e-12)
    assert np.abs(Zt.mean(axis=1)).max() > 1e-3


def test_constant_feature_is_only_centred():
    X = np.vstack([np.full(7, 0.1), np.arange(7.0)])  # 0.1 * 7 / 7 is not exactly 0.1
    s = Standardizer().fit(X)
    assert s.std[0, 0] == 1.0
    assert np.allclose(s.transform(X)[0], 0.0, rtol=0, atol=1e-15)


def test_round_trip_through_json():
    X = np.random.default_rng(1).normal(size=(4, 30)) * 7 + 2
    s = Standardizer().fit(X)
    d = json.loads(json.dumps(s.to_dict()))
    assert d["type"] == "standardizer" and len(d["mean"]) == 4
    r = Standardizer.from_dict(d)
    assert np.array_equal(r.mean, s.mean) and np.array_equal(r.std, s.std)
    assert np.array_equal(r.transform(X), s.transform(X))


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 20)),
                  elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_round_trip_any_data(X):
    s = Standardizer().fit(X)
    r = Standardizer.from_dict(json.loads(json.dumps(s.to_dict())))
    assert np.array_equal(r.transform(X), s.transform(X))
    assert np.isfinite(s.transform(X)).all() and (s.std > 0).all()


def test_float32_input_stays_float32():
    X = np.random.default_rng(2).normal(size=(3, 10))
    s = Standardizer().fit(X)
    assert s.transform(X.astype(np.float32)).dtype == np.float32
    assert s.transform(X).dtype == np.float64


@pytest.mark.parametrize("d, message", [
    ([1, 2], "not a Standardizer description"),
    ({"type": "minmax", "mean": [0.0], "std": [1.0]}, "not a Standardizer description"),
    ({"mean": [0.0, 1.0], "std": [1.0]}, "same non-zero length; got 2 and 1"),
    ({"mean": [0.0], "std": [0.0]}, "std finite and > 0"),
    ({"mean": [float("nan")], "std": [1.0]}, "mean must be finite"),
    ({"mean": ["0"], "std": [1.0]}, "mean must be a list of numbers"),
    ({"mean": [0.0]}, "std must be a list of numbers"),
    ({"mean": [], "std": []}, "non-zero length"),
])
def test_from_dict_rejects_bad_descriptions(d, message):
    with pytest.raises(NNDLError, match=message):
        Standardizer.from_dict(d)


def test_bad_use():
    with pytest.raises(NNDLError, match="not fitted yet"):
        Standardizer().transform(np.ones((2, 3)))
    s = Standardizer().fit(np.ones((2, 3)))
    with pytest.raises(NNDLError, match=r"must have 2 rows .*got shape \(3, 2\).*transposed"):
        s.transform(np.ones((3, 2)))
    with pytest.raises(NNDLError, match="must be finite"):
        Standardizer().fit(np.array([[1.0, np.inf]]))


def test_a_standardizer_copies_the_mean_and_std_it_is_given():
    mean, std = np.array([1.0, 2.0]), np.array([[3.0], [4.0]])
    s = Standardizer(mean, std)
    mean[0], std[0, 0] = 100.0, 0.0  # the caller's arrays change later: the scaler does not
    np.testing.assert_array_equal(s.mean, [[1.0], [2.0]])
    np.testing.assert_array_equal(s.std, [[3.0], [4.0]])
    with pytest.raises(NNDLError, match=r"mean has 1 masked value\(s\)"):
        Standardizer(np.ma.masked_array([1.0, 2.0], mask=[1, 0]), [1.0, 1.0])
