"""Multi-class: softmax gradients, labels of any kind mapped to output units and back."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nndl
from nndl import regularization as R
from nndl.errors import NNDLError
from nndl.labels import LabelMap

NAMES = np.array(["setosa", "versicolor", "virginica"])


def blobs(m=300, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[0, 0], [4, 0], [0, 4]])
    idx = rng.integers(0, 3, m)
    X = (centers[idx] + rng.standard_normal((m, 2)) * 0.5).T
    return X, idx


@settings(max_examples=40, deadline=None)
@given(k=st.integers(2, 5), m=st.integers(1, 8), lambd=st.sampled_from([0.0, 0.5]),
       seed=st.integers(0, 2**31 - 1))
def test_softmax_gradcheck_with_labels_l2_and_dropout(k, m, lambd, seed):
    rng = np.random.default_rng(seed)
    net = nndl.Network([3, 4, 5, k], hidden="tanh", output="softmax", init="xavier", rng=rng)
    X = rng.standard_normal((3, m))
    labels = rng.integers(0, k, m)  # class indices: Y as a label vector
    masks = R.dropout_masks(net.layer_dims, [0.7, 0.6], m, rng)
    assert nndl.gradcheck(net, X, labels, lambd=lambd, masks=masks) < 1e-7


def test_string_labels_round_trip():
    X, idx = blobs()
    y = NAMES[idx]
    net = nndl.Network([2, 8, 3], output="softmax", seed=0)
    net.fit(X, y, learning_rate=0.5, iterations=300)
    assert net.label_map == LabelMap(NAMES)
    pred = net.predict(X)
    assert pred.shape == (1, 300) and pred.dtype.kind == "U"
    assert np.mean(pred[0] == y) > 0.97
    assert net.accuracy(X, y) == np.mean(pred[0] == y)
    assert net.accuracy(X, np.eye(3)[idx].T) == net.accuracy(X, y)  # one-hot still works
    assert net.cost(X, y) == net.cost(X, np.eye(3)[idx].T)


def test_labels_and_one_hot_train_identically():
    X, idx = blobs(m=60)
    a = nndl.Network([2, 5, 3], output="softmax", seed=1)
    b = nndl.Network([2, 5, 3], output="softmax", seed=1)
    ha = a.fit(X, idx, learning_rate=0.3, iterations=20)
    hb = b.fit(X, np.eye(3)[idx].T, learning_rate=0.3, iterations=20)
    assert ha.costs == hb.costs
    np.testing.assert_array_equal(a.params["W2"], b.params["W2"])
    assert a.label_map == LabelMap([0, 1, 2]) and b.label_map is None
    np.testing.assert_array_equal(a.predict(X), b.predict(X))  # indices are the labels


def test_integer_labels_that_are_not_indices_and_a_row_of_labels():
    X, idx = blobs(m=90)
    y = np.array([10, 20, 30])[idx].reshape(1, -1)  # a (1, m) row works too
    net = nndl.Network([2, 8, 3], output="softmax", seed=0)
    net.fit(X, y, learning_rate=0.5, iterations=200)
    assert net.label_map.classes.tolist() == [10, 20, 30]
    assert set(np.unique(net.predict(X))) <= {10, 20, 30}
    assert net.accuracy(X, y) > 0.95
    assert net.accuracy(X, list(y[0])) == net.accuracy(X, y)


def test_label_errors():
    X, idx = blobs(m=30)
    net = nndl.Network([2, 4, 3], output="softmax", seed=0)
    with pytest.raises(NNDLError, match="2 distinct labels .* 3 units"):
        net.fit(X, np.where(idx == 0, "a", "b"), iterations=1)
    assert net.label_map is None
    with pytest.raises(NNDLError, match="no label map yet"):
        net.cost(X, NAMES[idx])
    net.fit(X, NAMES[idx], iterations=1)
    with pytest.raises(NNDLError, match="unknown labels"):
        net.cost(X, np.array(["setosa", "rose"] * 15))
    with pytest.raises(NNDLError, match="Y must have 3 rows"):
        net.fit(X, np.ones((2, 30)))
    # the bad label fit did not keep a label map from the failed call
    fresh = nndl.Network([2, 4, 3], output="softmax", seed=0)
    with pytest.raises(NNDLError):
        fresh.fit(np.ones((3, 30)), NAMES[idx])  # X has the wrong number of rows
    assert fresh.label_map is None


def test_sigmoid_accepts_a_1d_vector_of_0_1_labels():
    X, idx = blobs(m=40)
    y = (idx == 1).astype(int)
    net = nndl.Network([2, 4, 1], seed=0)
    h = net.fit(X, y, learning_rate=0.5, iterations=5)
    assert len(h) == 5 and net.label_map is None
    with pytest.raises(NNDLError, match="0 or 1"):
        net.fit(X, idx, iterations=1)


labels_st = st.one_of(
    st.lists(st.integers(-5, 5), min_size=1, max_size=30),
    st.lists(st.text("abcxyz", min_size=0, max_size=3), min_size=1, max_size=30),
)


@settings(max_examples=60, deadline=None)
@given(labels_st)
def test_label_map_round_trip(labels):
    lm = LabelMap.from_labels(labels)
    y = np.asarray(labels)
    idx = lm.encode(labels)
    assert idx.dtype == np.int64 and idx.min() >= 0 and idx.max() < lm.n_classes
    np.testing.assert_array_equal(lm.decode(idx), y)
    np.testing.assert_array_equal(lm.classes, np.unique(y))
    Y = lm.one_hot(labels)
    assert Y.shape == (lm.n_classes, len(labels)) and np.all(Y.sum(axis=0) == 1)
    np.testing.assert_array_equal(np.argmax(Y, axis=0), idx)


def test_label_map_keeps_a_given_order_and_saves_without_pickle(tmp_path):
    lm = LabelMap(np.array(["dog", "cat", "bird"], dtype=object))
    assert lm.encode(["bird", "dog"]).tolist() == [2, 0]
    np.savez(tmp_path / "lm.npz", **lm.state_dict())
    with np.load(tmp_path / "lm.npz", allow_pickle=False) as f:
        back = LabelMap.from_state_dict({"classes": f["classes"]})
    assert back == lm and back.decode([0, 1]).tolist() == ["dog", "cat"]


@pytest.mark.parametrize("bad,words", [
    ([1, 1], "distinct"),
    ([[1, 2], [3, 4]], "1-D"),
    ([], "empty"),
    ([1.0, np.nan], "finite"),
    (np.array([1, "a", None], dtype=object), "strings or all be numbers"),
])
def test_label_map_errors(bad, words):
    with pytest.raises(NNDLError, match=words):
        LabelMap(bad)


def test_decode_checks_indices():
    lm = LabelMap(["a", "b"])
    with pytest.raises(NNDLError, match=r"\[0, 2\)"):
        lm.decode([0, 2])


@pytest.mark.parametrize("labels", [(1, 2), (-1, 1), (1.0, 2.0), (0, 2)])
def test_sigmoid_takes_any_two_whole_number_labels_as_classes(labels):
    X, idx = blobs(m=40)
    y = np.where(idx == 1, labels[1], labels[0])
    net = nndl.Network([2, 4, 1], seed=0)
    net.fit(X, y, learning_rate=0.5, iterations=5)
    assert net.label_map.classes.tolist() == sorted(labels)
    assert set(net.predict(X).ravel().tolist()) <= set(labels)
    # the course's 0/1 targets (a row or a vector) stay targets: no label map
    plain = nndl.Network([2, 4, 1], seed=0)
    plain.fit(X, (idx == 1).astype(float).reshape(1, -1), iterations=2)
    assert plain.label_map is None
    with pytest.raises(NNDLError, match="0 or 1"):  # fractions are no labels
        nndl.Network([2, 4, 1], seed=0).fit(X, np.where(idx == 1, 0.75, 0.25), iterations=1)
    # a network trained on 0/1 targets keeps their meaning: labels 1/2 (1 would become class
    # 0) or names are refused, not mapped over its outputs
    before = {k: v.copy() for k, v in plain.params.items()}
    for other in (y, np.where(idx == 1, "yes", "no")):
        with pytest.raises(NNDLError, match="trained for 2 iterations on class indices"):
            plain.fit(X, other, iterations=1)
        assert plain.label_map is None and plain.iterations_done == 2
    assert all(np.array_equal(before[k], plain.params[k]) for k in before)


def test_whole_number_float_labels_after_one_hot_targets_keep_their_meaning():
    """A softmax network trained on one-hot targets, then on the same classes as floats
    0.0/1.0/2.0 (a pandas column), was refused as if they would change its outputs."""
    X, idx = blobs(m=30)
    net = nndl.Network([2, 4, 3], output="softmax", seed=0)
    net.fit(X, np.eye(3)[idx % 3].T, iterations=2)
    net.fit(X, (idx % 3).astype(float), iterations=2)
    assert net.iterations_done == 4
    fresh = nndl.Network([2, 4, 3], output="softmax", seed=0)
    fresh.fit(X, np.eye(3)[idx % 3].T, iterations=1)
    with pytest.raises(NNDLError, match="another meaning"):  # 1.0 would become class 0
        fresh.fit(X, (idx % 3 + 1).astype(float), iterations=1)


def test_fit_takes_targets_already_encoded_without_reading_them_as_labels():
    """A sigmoid's 0/1 row beside a label map of the classes 1 and 2 was read as labels
    (0 unknown): nndl.sklearn set net.label_map aside around fit to give it its targets."""
    X, idx = blobs(m=40)
    Y = (idx == 1).astype(np.float64).reshape(1, -1)
    net = nndl.Network([2, 4, 1], seed=0)
    net.classes = [1, 2]
    lm = net.label_map
    with pytest.raises(NNDLError, match="unknown labels"):
        net.fit(X, Y, iterations=1)
    h = net.fit(X, Y, iterations=3, encoded=True, dev=(X[:, :10], Y[:, :10]))
    assert len(h) == 3 and len(h.dev_costs) == 3 and net.label_map is lm
    assert set(np.unique(net.predict(X))) <= {1, 2}
    fresh = nndl.Network([2, 4, 3], output="softmax", seed=0)
    for indices in (idx, idx.reshape(1, -1)):  # class indices are no target matrix
        with pytest.raises(NNDLError, match="Y must"):
            fresh.fit(X, indices, iterations=1, encoded=True)
    fresh.fit(X, np.eye(3)[idx].T, iterations=1, encoded=True)
    assert fresh.label_map is None  # encoded targets set no label map
    with pytest.raises(NNDLError, match="encoded must be True or False"):
        fresh.fit(X, idx, iterations=1, encoded="yes")


# --- the pyapi audit: float class indices, a column of labels ------------------------------------
def test_float_class_indices_behave_as_integer_ones():
    """np.loadtxt and pandas give floats: indices 0/1 of a 3-unit softmax were refused as
    floats ("2 distinct labels") and taken as ints; all present, they gave a float label map
    and predict answered 0.0/1.0/2.0."""
    X, idx = blobs(m=60)
    for y in (idx % 2, idx):  # a class absent, and all present
        nets = []
        for labels in (y, y.astype(float), y.astype(np.float32)):
            net = nndl.Network([2, 4, 3], output="softmax", seed=0)
            net.fit(X, labels, iterations=3, learning_rate=0.1)
            nets.append(net)
        for net in nets:
            assert net.label_map == LabelMap(np.arange(3))
            assert net.predict(X).dtype == np.int64
            np.testing.assert_array_equal(net.params["W1"], nets[0].params["W1"])
    net = nndl.Network([2, 4, 3], output="softmax", seed=0)
    net.fit(X, idx + 0.5, iterations=1)  # fractions are labels, not indices
    assert net.label_map.classes.tolist() == [0.5, 1.5, 2.5]


def test_a_column_of_labels_for_a_softmax_gets_a_hint():
    X, idx = blobs(m=20)
    net = nndl.Network([2, 4, 3], output="softmax", seed=0)
    for y in (idx.reshape(-1, 1), idx.astype(float).reshape(-1, 1)):
        with pytest.raises(NNDLError, match=r"got shape \(20, 1\): a column of labels or class "
                                            r"indices\? pass y.ravel\(\)"):
            net.fit(X, y, iterations=1)
    net.fit(X, idx.reshape(-1, 1).ravel(), iterations=1)
    assert net.iterations_done == 1
