"""nndl.heads (one table of output heads) and nndl.metrics (scores on arrays)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nndl
from nndl import costs, heads, metrics
from nndl.errors import NNDLError
from nndl.labels import LabelMap, one_hot


def test_the_table():
    assert heads.TASKS == ("binary", "multiclass", "regression")
    assert [heads.for_task(t).output for t in heads.TASKS] == ["sigmoid", "softmax", "linear"]
    for h in heads.HEADS.values():
        assert heads.for_output(h.output) is h
        assert costs.COSTS[h.cost.name] is h.cost
        assert heads.for_output(h.output).cost is h.cost and h.cost in costs.COSTS.values()
    assert heads.for_classes(2).task == "binary" and heads.for_classes(5).task == "multiclass"
    with pytest.raises(NNDLError, match="must be one of"):
        heads.for_output("tanh")
    with pytest.raises(NNDLError, match="task must be one of"):
        heads.for_task("ranking")
    assert heads.find_output("relu") is None and heads.find_output(3) is None


def test_one_hot_and_indices_round_trip():
    idx = np.array([2, 0, 1, 2])
    Y = one_hot(idx, 3)
    assert Y.shape == (3, 4) and Y.dtype == np.float64
    h = heads.for_task("multiclass")
    np.testing.assert_array_equal(h.truth(Y), idx.reshape(1, -1))
    np.testing.assert_array_equal(h.indices(Y * 0.9 + 0.01), idx.reshape(1, -1))
    assert h.scores(Y, Y) == {"accuracy": 1.0}


def test_binary_head_labels_and_confidence():
    h = heads.for_task("binary")
    AL = np.array([[0.2, 0.5, 0.9]])
    np.testing.assert_array_equal(h.indices(AL), [[0, 0, 1]])
    np.testing.assert_allclose(h.confidence(AL), [0.8, 0.5, 0.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(h.class_probabilities(AL), [[0.8, 0.5, 0.1], [0.2, 0.5, 0.9]],
                               rtol=0, atol=1e-15)
    lm = LabelMap(["no", "yes"])
    np.testing.assert_array_equal(h.predict(AL, lm), [["no", "no", "yes"]])
    np.testing.assert_array_equal(h.targets(["yes", "no"], 1, np.float64, lm), [[1.0, 0.0]])
    # numbers are the 0/1 targets themselves when the classes are text
    np.testing.assert_array_equal(h.targets([[1, 0]], 1, np.float64, lm), [[1.0, 0.0]])
    with pytest.raises(NNDLError, match="0 or 1"):
        h.targets([[2, 0]], 1, np.float64, None)
    with pytest.raises(NNDLError, match="no label map yet"):
        h.targets(["a", "b"], 1, np.float64, None)
    assert h.fit_label_map(["b", "a", "b"], 1) == LabelMap(["a", "b"])
    assert h.fit_label_map([0, 1, 1], 1) is None
    with pytest.raises(NNDLError, match="exactly 2 classes"):
        h.fit_label_map(["a", "b", "c"], 1)


def test_regression_head():
    h = heads.for_task("regression")
    assert not h.is_classifier and h.n_classes(3) is None
    with pytest.raises(NNDLError, match="regression"):
        h.proba(np.zeros((1, 2)))
    with pytest.raises(NNDLError, match="regression"):
        h.indices(np.zeros((1, 2)))
    s = h.scores(np.array([[1.0, 2.0]]), np.array([[0.0, 4.0]]))
    assert s == {"mse": 2.5, "rmse": float(np.sqrt(2.5)), "mae": 1.5, "r2": 1 - 5 / 8}


def test_random_targets_are_valid():
    rng = np.random.default_rng(0)
    for h in heads.HEADS.values():
        Y = h.random_targets(rng, 3, 7)
        assert Y.shape == (3, 7) and Y.dtype == np.float64
        h.check_targets(Y)


def test_metrics_known_values():
    t = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 1, 1, 1, 2, 0])
    assert metrics.accuracy(t, p) == 4 / 6
    C = metrics.confusion_matrix(t, p, 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
    prec, rec, f1 = metrics.precision_recall_f1(C)
    np.testing.assert_allclose(prec, [0.5, 2 / 3, 1.0], rtol=1e-15)
    np.testing.assert_allclose(rec, [0.5, 1.0, 0.5], rtol=1e-15)
    np.testing.assert_allclose(f1, [0.5, 0.8, 2 / 3], rtol=1e-15)
    # a class never predicted and never true: zeros, not NaN
    prec, rec, f1 = metrics.precision_recall_f1(metrics.confusion_matrix([0, 0], [0, 0], 2))
    np.testing.assert_array_equal(prec, [1, 0]) and np.testing.assert_array_equal(f1, [1, 0])
    with pytest.raises(NNDLError, match="class indices 0..1"):
        metrics.confusion_matrix([0, 2], [0, 1], 2)
    with pytest.raises(NNDLError, match="same number"):
        metrics.accuracy([0, 1], [0])


def test_regression_metrics_known_values():
    y = np.array([[3.0, -0.5, 2.0, 7.0]])
    a = np.array([[2.5, 0.0, 2.0, 8.0]])
    assert metrics.mse(y, a) == 0.375
    assert metrics.rmse(y, a) == float(np.sqrt(0.375))
    assert metrics.mae(y, a) == 0.5
    assert metrics.r2_score(y, a) == pytest.approx(0.9486081370449679, rel=1e-12)
    assert metrics.r2_score([1.0, 1.0], [1.0, 1.0]) == 1.0
    assert metrics.r2_score([1.0, 1.0], [1.0, 2.0]) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=40))
def test_confusion_matrix_sums(pairs):
    t, p = np.array(pairs).T
    C = metrics.confusion_matrix(t, p, 4)
    assert C.sum() == len(pairs)
    np.testing.assert_array_equal(C.sum(axis=1), np.bincount(t, minlength=4))
    assert metrics.accuracy(t, p) == pytest.approx(np.trace(C) / len(pairs), rel=0, abs=1e-15)


def test_r2_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y, a = rng.standard_normal((2, 50)), rng.standard_normal((2, 50))
    assert metrics.r2_score(y, a) == pytest.approx(sk.r2_score(y.T, a.T), rel=1e-12)
    p, r, f, _ = sk.precision_recall_fscore_support([0, 1, 1, 2], [0, 1, 2, 2], zero_division=0)
    C = metrics.confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], 3)
    for mine, theirs in zip(metrics.precision_recall_f1(C), (p, r, f)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_net_level_helpers_match_the_model():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 30))
    net = nndl.Network([2, 4, 3], output="softmax", seed=0)
    Y = one_hot(rng.integers(0, 3, 30), 3)
    assert heads.scores(net, X, Y) == {"accuracy": net.accuracy(X, Y)}
    C = heads.confusion_matrix(net, X, Y)
    assert C.sum() == 30 and np.trace(C) / 30 == net.accuracy(X, Y)
    assert heads.class_names(net) == ["0", "1", "2"]


def test_a_model_without_class_names_reads_numeric_labels_by_value_not_position():
    """A model trained on the notes' 0/1 labels has no class names; a file holding only
    positives has the one class '1' (index 0 of its own list): it was scored as class 0."""
    from nndl.datasets.base import Dataset
    from nndl.heads import dataset_targets

    binary = nndl.Network([2, 1], seed=0)
    X = np.zeros((2, 3))
    ones = Dataset(X, np.zeros((1, 3), dtype=np.int64), classes=["1"], name="pos.csv")
    np.testing.assert_array_equal(dataset_targets(ones, binary), [[1.0, 1.0, 1.0]])
    both = Dataset(X, np.array([[0, 1, 1]]), classes=["0.0", "1.0"], name="all.csv")
    np.testing.assert_array_equal(dataset_targets(both, binary), [[0.0, 1.0, 1.0]])
    three = nndl.Network([2, 3], output="softmax", seed=0)
    some = Dataset(X, np.array([[0, 1, 0]]), classes=["2", "0"], task="multiclass")
    np.testing.assert_array_equal(dataset_targets(some, three),
                                  [[0, 1, 0], [0, 0, 0], [1, 0, 1]])
    # a data set's complete list of names (the cat data's non-cat, cat): by position
    cats = Dataset(X, np.array([[1, 0, 1]]), classes=["non-cat", "cat"], name="cat")
    np.testing.assert_array_equal(dataset_targets(cats, binary), [[1.0, 0.0, 1.0]])
    for classes in (["1", "2"], ["yes"]):  # not the model's 0..k-1; a part of names
        bad = Dataset(X, np.zeros((1, 3), dtype=np.int64), classes=classes, name="f.csv")
        with pytest.raises(nndl.NNDLError, match="no class names"):
            dataset_targets(bad, binary)


def test_a_models_numeric_or_bool_class_names_match_a_files_labels_by_value():
    """A classifier fitted on floats (np.loadtxt) has classes '0.0', '1.0', one fitted on
    bool y 'False', 'True': a file's labels 0/1 were 'classes the model does not know'."""
    from nndl.datasets.base import Dataset
    from nndl.heads import dataset_targets

    X = np.zeros((2, 3))
    data = Dataset(X, np.array([[1, 0, 1]]), classes=["0", "1"], name="f.csv")
    for classes in ([0.0, 1.0], [False, True], [-1.0, 1.0]):
        net = nndl.Network([2, 1], seed=0)
        net.classes = classes
        if classes[0] == -1.0:
            with pytest.raises(nndl.NNDLError, match="does not know"):
                dataset_targets(data, net)
            continue
        np.testing.assert_array_equal(dataset_targets(data, net), [[1.0, 0.0, 1.0]])
    for classes, text in (([1, 2], "True"), ([10, 20], "1_0")):  # no bools, the loader's text
        net = nndl.Network([2, 1], seed=0)
        net.classes = classes
        with pytest.raises(nndl.NNDLError, match="does not know"):
            dataset_targets(Dataset(X, np.zeros((1, 3), dtype=np.int64), classes=[text]), net)
    both = nndl.Network([2, 1], seed=0)
    both.classes = ["1", "1.0"]  # two classes written alike by value: matched as written
    np.testing.assert_array_equal(
        dataset_targets(Dataset(X, np.array([[1, 0, 1]]), classes=["1", "1.0"]), both),
        [[1.0, 0.0, 1.0]])


@pytest.mark.parametrize("labels", [["1_0"], ["1_0", "3"], [str(i) for i in range(10)] + ["1_0"]])
def test_a_model_without_class_names_takes_a_label_with_an_underscore_as_text(tmp_path, labels):
    """The loader keeps '1_0' as text (Python's float() reads 10); a model without class
    names read it with float(): a file of labels '1_0' was scored as class 10 of 11, and a
    file of 0..9 and '1_0' took '1_0' for 10 while the loader had made its classes text."""
    from nndl.heads import dataset_targets

    rows = [f"{i % 3}.5,{i}.25,{labels[i % len(labels)]}" for i in range(12)]
    (tmp_path / "u.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    data = nndl.datasets.load(tmp_path / "u.csv")
    assert "1_0" in data.classes  # the loader's text
    eleven = nndl.Network([2, 11], output="softmax", seed=0)
    with pytest.raises(nndl.NNDLError, match="no class names"):
        dataset_targets(data, eleven)


def test_a_model_without_class_names_refuses_classes_partly_numbers_partly_names():
    """Numbers and names together were matched by position: for the classes '1', '2',
    'cat' of a file, label '1' was scored as class 0 of the model's 0, 1, 2."""
    from nndl.datasets.base import Dataset
    from nndl.heads import dataset_targets

    three = nndl.Network([2, 3], output="softmax", seed=0)
    data = Dataset(np.zeros((2, 3)), np.array([[0, 1, 2]]), classes=["1", "2", "cat"])
    with pytest.raises(nndl.NNDLError, match="no class names"):
        dataset_targets(data, three)


def test_multi_label_accuracy_is_the_share_of_samples_with_every_label_right():
    """Several sigmoid units (multi-label): accuracy was the share of (sample, label) entries
    right, 0.73 where 0.345 of the samples had every label right, though Network.accuracy
    says "fraction of samples"; scikit-learn's accuracy_score is the latter."""
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 200))
    Y = (rng.normal(size=(3, 200)) + X[:3] > 0).astype(float)
    net = nndl.Network([4, 8, 3], hidden="relu", output="sigmoid", seed=0)
    net.fit(X, Y, learning_rate=0.1, iterations=50)
    P = net.predict(X)
    want = accuracy_score(Y.T, P.T)
    assert want < np.mean(P == Y) - 0.1  # the two differ here
    assert net.accuracy(X, Y) == want == heads.scores(net, X, Y)["accuracy"]
    assert metrics.subset_accuracy(Y[:1], P[:1]) == np.mean(Y[0] == P[0])  # one row
    # metrics.accuracy stays per entry whatever the shape: a column (m, 1) of labels is m
    # samples (the review: it was read as one sample of m labels, 0 or 1)
    for shape in ((-1, 1), (1, -1), (-1,)):
        assert metrics.accuracy(Y[0].reshape(shape), P[0]) == np.mean(Y[0] == P[0])


# --- the pyapi audit: exported costs and metrics on arrays of the wrong shape or kind ---------
def test_exported_costs_refuse_a_y_of_another_shape_instead_of_broadcasting():
    """A (m, 1) Y against a (1, m) AL broadcast into an (m, m) 'cost' (46.9 for 0.83), and
    class indices given to cross_entropy too; the vector forms of one output unit keep the
    cost of the (1, m) Y (one rule with nndl.functional.compute_cost)."""
    rng = np.random.default_rng(1)
    m = 50
    AL = rng.uniform(0.01, 0.99, (1, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    J = nndl.binary_cross_entropy(AL, Y)
    for f, A, T in ((nndl.binary_cross_entropy, AL, Y),
                    (nndl.squared_error, rng.standard_normal((1, m)), rng.standard_normal((1, m)))):
        assert f(A, T.reshape(-1, 1)) == f(A, T.ravel()) == f(A, T)
        assert f(A.astype(np.float32), T.reshape(-1, 1)) == f(A.astype(np.float32), T)
    assert J == nndl.functional.compute_cost(AL, Y.reshape(-1, 1))
    S, idx = np.full((3, m), 1 / 3), rng.integers(0, 3, m)
    with pytest.raises(NNDLError, match=r"one-hot columns \(3, m\)"):
        nndl.cross_entropy(S, idx)
    with pytest.raises(NNDLError, match=r"AL's shape \(3, 50\).*looks transposed"):
        nndl.cross_entropy(S, one_hot(idx, 3).T)
    with pytest.raises(NNDLError, match="one label per entry"):
        nndl.squared_error(np.ones((2, m)), np.ones((2, 1)))


def test_exported_costs_refuse_masked_entries_and_text_and_read_lists():
    """The review of the shape checks: a masked Y was read with the values under its mask
    (squared_error 124975 for 0.005); text Y and a list AL were Python errors."""
    AL = np.full((1, 4), 0.9)
    Y = np.ma.masked_array([[1.0, 1.0, -999.0, 1.0]], mask=[[0, 0, 1, 0]])
    for f in (nndl.squared_error, nndl.binary_cross_entropy, nndl.cross_entropy):
        with pytest.raises(NNDLError, match="Y has 1 masked value"):
            f(AL, Y)
        with pytest.raises(NNDLError, match="Y must be a real numeric array"):
            f(AL, np.array([["a", "b", "c", "d"]]))
    Y1 = np.ones((1, 4))
    assert nndl.squared_error(AL.tolist(), Y1) == nndl.squared_error(AL, Y1)
    assert nndl.binary_cross_entropy(AL, np.ma.masked_array(Y1)) == \
        nndl.binary_cross_entropy(AL, Y1)  # nothing masked: its data


def test_scikit_learn_layout_warns_more_outputs_than_samples():
    """(m, k) arrays (NNRegressor.predict's) were scored silently on the wrong axis: r2 0.999
    of a model whose R^2 is 0.75, subset accuracy over the k columns as samples."""
    import warnings

    rng = np.random.default_rng(0)
    y = rng.standard_normal((40, 2))
    p = y + 0.5 * rng.standard_normal((40, 2))
    for f in (lambda: metrics.r2_score(y, p), lambda: metrics.regression_scores(y, p),
              lambda: metrics.baseline_mse(y),
              lambda: metrics.subset_accuracy(y > 0, p > 0)):
        with pytest.warns(nndl.NNDLWarning, match=r"shape \(40, 2\).*samples are columns.*\.T"
                          ) as said:
            f()
        assert said[0].filename == __file__  # the caller's line (it named metrics.py's)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nndl's layout, or said to be: no warning
        metrics.r2_score(y.T, p.T)
        metrics.subset_accuracy(y.T > 0, p.T > 0)
        metrics.r2_score(y, p, matrix=True)
        metrics.subset_accuracy(y > 0, p > 0, matrix=True)
        net = nndl.Network([2, 3], output="sigmoid", seed=0)  # 3 labels, 2 samples
        heads.scores(net, y[:2].T, (y[:3, :2] > 0).astype(float))


def test_confusion_matrix_refuses_a_multi_label_matrix():
    """A (3, m) multi-label matrix was pooled into one 2x2 table of every label."""
    rng = np.random.default_rng(0)
    Y = (rng.random((3, 40)) > 0.5).astype(int)
    P = (rng.random((3, 40)) > 0.5).astype(int)
    with pytest.raises(NNDLError, match=r"one label per sample.*y_true has shape \(3, 40\)"):
        metrics.confusion_matrix(Y, P, 2)
    net = nndl.Network([2, 3], output="sigmoid", seed=0)
    with pytest.raises(NNDLError, match="one label per sample"):
        heads.confusion_matrix(net, rng.standard_normal((2, 40)), Y)
    for y in (Y[0], Y[:1], Y[0][:, None]):  # one label per sample, any vector form
        assert metrics.confusion_matrix(y, P[0], 2).sum() == 40


def test_r2_refuses_a_column_of_samples_and_a_nan_truth():
    """A (m, 1) column was m rows of one sample each: r2 0.0 for 0.89; a NaN truth gave 0.0."""
    rng = np.random.default_rng(0)
    y = rng.standard_normal(50)
    p = y + 0.3 * rng.standard_normal(50)
    r2 = metrics.r2_score(y, p)
    assert r2 == pytest.approx(0.8896637162005883, rel=1e-12)
    assert metrics.r2_score(y[None], p) == metrics.r2_score(y, p[:, None]) == r2
    for f in (lambda: metrics.r2_score(y[:, None], p[:, None]),
              lambda: metrics.regression_scores(y[:, None], p),
              lambda: metrics.baseline_mse(y[:, None])):
        with pytest.raises(NNDLError, match=r"shape \(50, 1\).*pass y_true.ravel\(\)"):
            f()
    for f in (lambda: metrics.r2_score([np.nan, 2, 3], [1, 2, 3]),
              lambda: metrics.baseline_mse([np.inf, 1.0])):
        with pytest.raises(NNDLError, match="y_true must be finite; it holds 1 NaN or inf"):
            f()
    # one sample: a constant row, 1.0 when exact, as documented; (n, 1) of nndl's layout
    assert metrics.r2_score([2.0], [2.0]) == metrics.r2_score([[2.0]], [[2.0]]) == 1.0
    assert metrics.r2_score([2.0], [3.0]) == 0.0
    Y2, A2 = np.array([[1.0], [2.0]]), np.array([[1.0], [5.0]])
    assert metrics.r2_score(Y2, A2, matrix=True) == 0.5
    assert heads.for_task("regression").scores(A2, Y2)["r2"] == 0.5
    assert metrics.baseline_mse(Y2, matrix=True) == 0.0


def test_metrics_refuse_shapes_that_are_not_alike_and_labels_of_two_kinds():
    Y = np.eye(3)[[0, 1, 2, 0, 1, 2]].T  # (3, 6) one-hot
    for f in (metrics.subset_accuracy, metrics.accuracy, metrics.mse, metrics.mae, metrics.rmse):
        with pytest.raises(NNDLError, match=r"same shape.*\(3, 6\) and \(6, 3\).*transposed"):
            f(Y, Y.T)
        assert f(Y, Y) == (0.0 if f in (metrics.mse, metrics.mae, metrics.rmse) else 1.0)
    v = np.array([0, 1, 1, 0])
    for a, b in ((v, v[None]), (v[:, None], v), (v[None], v[:, None])):
        assert metrics.accuracy(a, b) == 1.0 and metrics.mse(a, b) == 0.0
    with pytest.raises(NNDLError, match="same kind; got text and number"):
        metrics.accuracy(np.array(["1", "0"]), np.array([1, 0]))
    with pytest.raises(NNDLError, match="y_pred mixes text and numbers"):
        metrics.accuracy(["a", "b"], np.array(["a", 1], dtype=object))
    with pytest.raises(NNDLError, match="y_true must hold real numbers"):
        metrics.mse(["1.5", "2"], ["1.5", "2"])  # text read as numbers before
    assert metrics.accuracy(["a", "b"], ["a", "c"]) == 0.5


def test_confusion_matrix_refuses_fractions_and_text_naming_the_argument():
    with pytest.raises(NNDLError, match=r"y_true must hold class indices 0..1 \(whole numbers\);"
                                        r" got 0.7"):
        metrics.confusion_matrix([0.7, 1.2], [0, 1], 2)  # was: 0.7 counted as class 0
    with pytest.raises(NNDLError, match="y_pred must hold class indices 0..1; got text"):
        metrics.confusion_matrix([0, 1], ["a", "b"], 2)
    np.testing.assert_array_equal(metrics.confusion_matrix([0.0, 1.0], [True, True], 2),
                                  [[0, 1], [0, 1]])
    with pytest.raises(NNDLError, match="counts must be"):
        metrics.precision_recall_f1([[1, 2], [3]])
    with pytest.raises(NNDLError, match="counts must be"):
        metrics.precision_recall_f1([["a", "b"], ["c", "d"]])
    with pytest.raises(NNDLError, match="n_classes must be"):
        metrics.confusion_matrix([0], [0], 0)
