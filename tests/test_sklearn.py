"""scikit-learn estimators: check_estimator, Pipeline, GridSearchCV, cross_val_score."""

from __future__ import annotations

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", reason="scikit-learn is an optional extra")

from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import nndl  # noqa: E402
from nndl.errors import NNDLError  # noqa: E402
from nndl.sklearn import NNClassifier, NNRegressor  # noqa: E402


@pytest.mark.parametrize("est", [NNClassifier(), NNRegressor()], ids=lambda e: type(e).__name__)
def test_check_estimator_passes_with_default_parameters(est):
    check_estimator(est)  # raises on the first failed check; nothing is marked to fail


def test_check_estimator_passes_with_an_optimizer_instance():
    """fit trained the Optimizer given as optimizer= (check_dont_overwrite_parameters: 'should
    not change or mutate the parameter optimizer'); it now trains a fresh copy."""
    check_estimator(NNClassifier(optimizer=nndl.optimizers.Adam(0.01), max_iter=10,
                                 random_state=0))


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, load_iris().target_names[y]  # string labels


def test_grid_search_over_hidden_sizes_and_learning_rate_on_iris(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(),
                         NNClassifier(max_iter=60, batch_size=32, random_state=0))
    grid = GridSearchCV(pipe, {"nnclassifier__hidden_layer_sizes": [(4,), (16,)],
                               "nnclassifier__learning_rate": [0.001, 0.03]}, cv=3)
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["nnclassifier__learning_rate"] == 0.03
    assert grid.best_score_ > 0.9
    assert set(grid.predict(X)) <= set(y)
    assert grid.best_estimator_[-1].classes_.tolist() == ["setosa", "versicolor", "virginica"]


def test_cross_val_score_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), NNClassifier(hidden_layer_sizes=(16,), max_iter=30,
                                                        random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.93


def test_regressor_in_a_pipeline_with_cross_val_score():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (300, 3)) * [1, 10, 100]
    y = np.sin(X[:, 0]) + 0.1 * X[:, 1] - 0.005 * X[:, 2]
    pipe = make_pipeline(StandardScaler(), NNRegressor(hidden_layer_sizes=(32,), max_iter=200,
                                                       random_state=0))
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9


def test_classifier_api(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = NNClassifier(hidden_layer_sizes=(8,), max_iter=80, random_state=1).fit(X, y)
    P = clf.predict_proba(X)
    assert P.shape == (150, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    assert (clf.predict(X) == clf.classes_[P.argmax(axis=1)]).all()
    assert clf.score(X, y) > 0.9
    assert clf.n_iter_ == 80 and len(clf.loss_curve_) == 80
    assert clf.loss_ == clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.net_.layer_dims == [4, 8, 3] and clf.net_.output == "softmax"
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(P))
    assert clf.get_params()["hidden_layer_sizes"] == (8,)
    other = clone(clf).set_params(learning_rate=0.05)
    assert other.learning_rate == 0.05 and not hasattr(other, "net_")


def test_binary_classifier_uses_one_sigmoid_unit():
    X, y = load_breast_cancer(return_X_y=True)
    yb = np.where(y == 1, "benign", "malignant")
    clf = make_pipeline(StandardScaler(), NNClassifier(hidden_layer_sizes=(), max_iter=20,
                                                       random_state=0)).fit(X, yb)
    est = clf[-1]
    assert est.net_.layer_dims == [30, 1] and est.net_.output == "sigmoid"  # logistic regr.
    P = clf.predict_proba(X)
    assert P.shape == (569, 2)
    np.testing.assert_allclose(P[:, 1], est.net_.forward(clf[0].transform(X).T)[0])
    assert clf.score(X, yb) > 0.95


def test_partial_fit_needs_classes_then_continues(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = NNClassifier(hidden_layer_sizes=(8,), random_state=0, batch_size=50)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:75], y[:75], classes=np.unique(y))
    opt = clf.net_.optimizer
    for _ in range(40):
        clf.partial_fit(X, y)
    assert clf.net_.optimizer is opt and opt.t == 2 + 40 * 3
    assert clf.n_iter_ == 41 and clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match="differs"):
        clf.partial_fit(X, y, classes=["a", "b"])
    with pytest.raises(ValueError, match="unknown labels"):
        clf.partial_fit(X[:2], ["rose", "setosa"])


def test_warm_start_continues_and_fit_restarts():
    X, y = load_iris(return_X_y=True)
    a = NNClassifier(max_iter=5, random_state=0).fit(X, y)
    w1 = a.net_.params["W1"].copy()
    a.fit(X, y)
    np.testing.assert_array_equal(a.net_.params["W1"], w1)  # a new network, same seed
    a.set_params(warm_start=True).fit(X, y)
    assert a.n_iter_ == 10 and not np.array_equal(a.net_.params["W1"], w1)


def test_regularization_parameters_reach_the_network():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    big = NNClassifier(alpha=1.0, max_iter=60, batch_size=16, random_state=0).fit(X, y)
    small = NNClassifier(alpha=0.0, max_iter=60, batch_size=16, random_state=0).fit(X, y)
    norm = lambda c: sum(float(np.sum(c.net_.params[k] ** 2)) for k in ("W1", "W2"))  # noqa
    assert norm(big) < 0.1 * norm(small)
    small = NNClassifier(alpha=0.0, max_iter=30, random_state=0).fit(X, y)
    drop = NNClassifier(keep_prob=0.5, max_iter=30, random_state=0).fit(X, y)
    assert not np.array_equal(drop.net_.params["W1"], small.net_.params["W1"])
    es = NNClassifier(early_stopping=True, n_iter_no_change=3, max_iter=500, learning_rate=0.1,
                      random_state=0).fit(X, y)
    assert es.n_iter_ < 500 and es.best_epoch_ == int(np.argmin(es.validation_loss_curve_))
    assert es.n_iter_ == es.best_epoch_ + 1 + 3


def test_regressor_single_and_multi_output():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((120, 2))
    y = X @ [1.5, -2.0] + 0.5
    reg = NNRegressor(hidden_layer_sizes=(), optimizer="gd", learning_rate=0.1, alpha=0.0,
                      max_iter=200, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (120,)
    # the network learns the standardized targets: its weights times their std are y's
    std = reg.net_.target_scaling.std
    np.testing.assert_allclose(reg.net_.params["W1"] * std, [[1.5, -2.0]], atol=1e-6)
    np.testing.assert_allclose(reg.predict(X), y, atol=1e-6)
    Y2 = np.column_stack([y, -y])
    reg2 = NNRegressor(hidden_layer_sizes=(16,), max_iter=100, random_state=0).fit(X, Y2)
    assert reg2.predict(X).shape == (120, 2) and reg2.score(X, Y2) > 0.95
    reg2.partial_fit(X, Y2)
    assert reg2.n_iter_ == 101


def test_regressor_targets_of_any_scale_are_learned():
    """Targets shifted by 1e6 or scaled by 1e-6 are learned as well as the plain ones (they
    are standardized for training): before, y + 1e6 ended at R^2 = -7.9e10 without a word."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((300, 3))
    y = 2 * X[:, 0] + X[:, 1] ** 2
    plain = NNRegressor(max_iter=200, random_state=0).fit(X, y).score(X, y)
    assert plain > 0.95
    for t in (y + 1e6, y * 1e-6, y * 1e6):
        assert NNRegressor(max_iter=200, random_state=0).fit(X, t).score(X, t) == \
            pytest.approx(plain, abs=1e-3)


@pytest.mark.parametrize("params,words", [
    (dict(hidden_layer_sizes=(0,)), "hidden_layer_sizes"),
    (dict(hidden_layer_sizes=("a",)), "hidden_layer_sizes"),
    (dict(activation="swish"), "unknown activation"),
    (dict(optimizer="lbfgs"), "unknown optimizer"),
    (dict(learning_rate=-1.0), "learning_rate"),
    (dict(max_iter=0), "max_iter"),
    (dict(batch_size="big"), "batch_size"),
    (dict(alpha=-1.0), "alpha must be a finite number >= 0"),
    (dict(keep_prob=0.0), "(0, 1]"),
    (dict(random_state="x"), "random_state"),
    (dict(early_stopping=True, validation_fraction=1.5), "validation_fraction"),
])
def test_bad_parameters_raise_at_fit_with_a_clear_message(params, words):
    X, y = load_iris(return_X_y=True)
    est = NNClassifier(**params)  # construction never validates (scikit-learn's rule)
    with pytest.raises(NNDLError) as e:
        est.fit(X, y)
    assert words in str(e.value) and isinstance(e.value, ValueError)


def test_unfitted_and_wrong_width_inputs():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(NotFittedError):
        NNClassifier().predict(X)
    clf = NNClassifier(max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but NNClassifier is expecting 4"):
        clf.predict(X[:, :3])
    assert isinstance(clf.net_, nndl.Network)


# --- the audit of 2026-12-07 (second session) ------------------------------------------------
def _blobs(m: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.digitize(X[:, 0], [-0.5, 0.5])


@pytest.mark.parametrize("bad", [{"max_iter": 0}, {"learning_rate": -1.0},
                                 {"early_stopping": "no"}])
def test_a_refit_that_raises_keeps_the_fitted_model(bad):
    X, y = _blobs()
    clf = NNClassifier(hidden_layer_sizes=(8,), max_iter=200, random_state=0).fit(X, y)
    before, net = clf.predict_proba(X), clf.net_
    with pytest.raises(NNDLError):
        clf.set_params(**bad).fit(X, y)
    assert clf.net_ is net  # was: a new, untrained network (score 0.985 -> 0.285)
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_a_first_fit_that_raises_leaves_the_estimator_unfitted():
    X, _ = _blobs()
    clf = NNClassifier(max_iter=3)
    with pytest.raises(NNDLError, match="at least 2 classes"):
        clf.fit(X, np.zeros(len(X)))
    assert not hasattr(clf, "classes_")
    with pytest.raises(NotFittedError):  # was AttributeError: no net_
        clf.predict(X)


@pytest.mark.parametrize("params, words", [
    ({"early_stopping": "no"}, "early_stopping must be True or False"),
    ({"warm_start": "x"}, "warm_start must be True or False"),
    ({"hidden_layer_sizes": (), "keep_prob": 0.0}, "keep_prob"),
    ({"hidden_layer_sizes": (), "keep_prob": 7}, "keep_prob"),
])
def test_settings_are_checked_whatever_the_network(params, words):
    X, y = _blobs(60)
    with pytest.raises(NNDLError, match=words):
        NNClassifier(max_iter=5, **params).fit(X, y)


@pytest.mark.parametrize("y", [np.array(["0", "1"] * 30), np.array(["a", "b"] * 30),
                               np.array(["1.5", 2.0] * 30, dtype=object)])
def test_regressor_refuses_text_targets(y):
    X, _ = _blobs(60)
    with pytest.raises(NNDLError, match="needs numbers as targets"):
        NNRegressor(max_iter=3).fit(X, y)


def test_sparse_input_gives_what_the_dense_array_gives():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    X, y = _blobs(80)
    a = NNClassifier(max_iter=20, random_state=0).fit(scipy_sparse.csr_matrix(X), y)
    b = NNClassifier(max_iter=20, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(scipy_sparse.csc_matrix(X)),
                                  b.predict_proba(X))


def test_partial_fit_warns_when_a_tiny_first_batch_sets_the_target_scaling():
    X, _ = _blobs(50)
    y = 100 * X[:, 0]
    with pytest.warns(nndl.NNDLWarning, match="first partial_fit batch of 1 sample"):
        NNRegressor(hidden_layer_sizes=(4,), random_state=0).partial_fit(X[:1], y[:1])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = NNRegressor(hidden_layer_sizes=(4,), random_state=0).partial_fit(X, y)
        reg.partial_fit(X[:1], y[:1])  # later small batches keep the scaling: no warning


def test_a_continued_fit_that_diverges_keeps_counters_that_describe_the_network():
    X, y = _blobs()
    clf = NNClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(X, y)
    clf.set_params(warm_start=True, learning_rate=1e6, optimizer="gd")
    with pytest.raises(nndl.DivergenceError):
        clf.fit(X, y)
    assert clf.n_iter_ == clf.net_.epochs_done > 50  # was: 50, for a network past it
    assert len(clf.loss_curve_) == clf.net_.epochs_done


@pytest.mark.parametrize("labels", [[3, 5, 7], [-1, 1], ["no", "yes"]])
def test_the_classifiers_net_predicts_and_saves_the_estimators_labels(tmp_path, labels):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 3))
    y = np.array(labels)[np.argmax(X[:, :len(labels)], axis=1)]
    clf = NNClassifier(max_iter=30, random_state=0, early_stopping=True).fit(X, y)
    want = clf.predict(X[:8])
    np.testing.assert_array_equal(clf.net_.predict(X[:8].T)[0], want)
    clf.set_params(early_stopping=False).partial_fit(X, y)  # continuing keeps it (partial_fit
    # refuses early_stopping=True, as scikit-learn does)
    path = tmp_path / "clf.npz"
    clf.net_.save(str(path))
    np.testing.assert_array_equal(nndl.load(str(path)).predict(X[:8].T)[0], clf.predict(X[:8]))


class _Spy(nndl.optimizers.GradientDescent):
    """Gradient descent that notes the classifier's ``net_.label_map`` at every update and,
    with ``stop``, raises it at the end of the first epoch (a Ctrl-C in the middle of fit)."""

    def __init__(self, clf, learning_rate, stop=None):
        super().__init__(learning_rate)
        self.clf, self.stop, self.seen = clf, stop, []

    def _update(self, params, grads, into_grads):
        self.seen.append(self.clf.net_.label_map)
        return super()._update(params, grads, into_grads)

    def end_epoch(self):
        super().end_epoch()
        if self.stop is not None:
            raise self.stop


@pytest.mark.parametrize("how", ["interrupted", "diverged", "refused"])
def test_the_classifiers_net_keeps_its_label_map_while_fit_runs_and_when_it_raises(how):
    """The estimator set net_.label_map to None while Network.fit ran (its targets were
    encoded already): net_.predict answered 0/1, not the labels 1/2, in the middle of fit."""
    X, y = _blobs(80)
    y = np.where(y == 2, 2, 1)
    clf = NNClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    if how == "interrupted":
        clf.set_params(optimizer=_Spy(clf, 0.01, KeyboardInterrupt()))
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)  # Ctrl-C keeps the network trained until then
    else:
        clf.fit(X, y).set_params(warm_start=True, max_iter=50, optimizer=_Spy(clf, 1e6))
        if how == "refused":
            clf.set_params(batch_size=0)
        with pytest.raises(nndl.DivergenceError if how == "diverged" else NNDLError):
            clf.fit(X, y)
    spy = clf.optimizer
    assert clf.net_.label_map is clf.label_map_
    assert all(lm is clf.label_map_ for lm in spy.seen)
    assert len(spy.seen) > 0 or how == "refused"
    assert set(clf.net_.predict(X.T)[0]) <= {1, 2}


def test_a_fit_whose_cost_did_not_settle_says_so():
    """NNClassifier() on the raw breast-cancer features (scales 0.001 to 4000) swung from
    epoch to epoch and stopped wherever the last step landed: test accuracy 0.69 to 0.95 by
    seed, with no word. A fit whose last epochs' costs reach more than UNSETTLED times its
    lowest now warns, naming the cause; the same data standardized does not."""
    import warnings

    from sklearn.model_selection import train_test_split

    from nndl.errors import UnsettledWarning
    from nndl.training import TAIL, UNSETTLED

    X, y = load_breast_cancer(return_X_y=True)
    Xtr, _, ytr, _ = train_test_split(X, y, test_size=0.25, random_state=3)
    with pytest.warns(UnsettledWarning, match="did not settle.*standardize them") as caught:
        clf = NNClassifier(random_state=3).fit(Xtr, ytr)
    costs = clf.loss_curve_
    assert max(costs[-TAIL:]) > UNSETTLED * min(costs)
    assert f"{min(costs):.6g}" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsettledWarning)
        NNClassifier(random_state=3).fit(StandardScaler().fit_transform(Xtr), ytr)


def test_early_stopping_holds_out_a_stratified_part_and_partial_fit_refuses_it():
    """The validation part was a plain permutation: both samples of a rare class could land
    in it and never be trained on (4 seeds of 30 never predicted the class; scikit-learn's
    MLPClassifier stratifies). partial_fit with early_stopping=True held out part of each
    batch, untrained, where scikit-learn refuses."""
    import warnings

    from nndl.datasets.split import hold_out

    for seed in range(30):  # the split itself: every class in both parts, in proportion
        labels = np.array([1] * 2 + [0] * 98)
        train, dev = hold_out(labels, 100, 0.5, np.random.RandomState(seed))
        assert len(dev) == 50 and set(labels[train]) == set(labels[dev]) == {0, 1}
        assert sorted(np.concatenate([train, dev])) == list(range(100))
    train, dev = hold_out(None, 100, 0.3, np.random.RandomState(5))  # a regression: the draw
    order = np.random.RandomState(5).permutation(100)  # and order of fits before (the review)
    assert list(dev) == list(order[:30]) and list(train) == list(order[30:])
    rng = np.random.default_rng(0)  # the estimator: the audit's 30 seeds (4 lost the class)
    X = rng.normal(size=(100, 2))
    y = np.zeros(100, int)
    y[:2], X[:2] = 1, X[:2] + 8
    lost = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in range(30):
            est = NNClassifier(hidden_layer_sizes=(8,), max_iter=200, early_stopping=True,
                               validation_fraction=0.5, n_iter_no_change=200,
                               learning_rate=0.05, random_state=seed).fit(X, y)
            if (est.predict(X[:2]) == 0).all():
                lost.append(seed)
    assert lost == [], lost
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        NNClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="cannot hold out 4 of 5 samples"):
        NNClassifier(early_stopping=True, validation_fraction=0.7).fit(
            X[[0, 1, 2, 3, 4]], y[[0, 1, 2, 3, 4]])


# --- the audit of the estimators (r_sklearn) -----------------------------------------------
def _iris_std():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


def test_an_optimizer_given_is_a_setting_that_fit_never_trains():
    """An Optimizer instance given as optimizer= was trained itself: a second fresh fit of
    the same estimator, data and seed started from the first fit's Adam moments (another
    model), and a refit on data of another width failed with 'this state belongs to another
    network'. Every fresh fit now trains a fresh copy; warm_start continues the estimator's."""
    X, y = _iris_std()
    opt = nndl.optimizers.Adam(learning_rate=0.01)
    est = NNClassifier(max_iter=5, random_state=0, optimizer=opt)
    p1 = est.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(est.fit(X, y).predict_proba(X), p1)
    assert opt.t == 0 and opt.state == {"m": {}, "v": {}}
    named = NNClassifier(max_iter=5, random_state=0, learning_rate=0.01).fit(X, y)
    np.testing.assert_array_equal(named.predict_proba(X), p1)
    est.fit(X[:, :3], y)  # was: NNDLError "this state belongs to another network"
    used = nndl.optimizers.Adam(learning_rate=0.01)  # one with state of its own: not carried
    used.step({"W1": np.ones((2, 2))}, {"dW1": np.ones((2, 2))})
    np.testing.assert_array_equal(
        NNClassifier(max_iter=5, random_state=0, optimizer=used).fit(X, y).predict_proba(X), p1)
    assert used.t == 1
    warm = NNClassifier(max_iter=5, random_state=0, optimizer=opt, warm_start=True).fit(X, y)
    own = warm.net_.optimizer
    assert own is not opt and own.t == 5
    warm.fit(X, y)
    assert warm.net_.optimizer is own and own.t == 10 and opt.t == 0
    with pytest.raises(NNDLError, match=r"optimizer=Adam.*learning_rate=0.5 would be ignored"):
        NNClassifier(optimizer=opt, learning_rate=0.5).fit(X, y)


def test_a_fresh_fit_drops_what_an_earlier_fit_set_and_it_does_not():
    X, y = _iris_std()
    c = NNClassifier(max_iter=30, random_state=0, early_stopping=True).fit(X, y)
    assert len(c.validation_loss_curve_) == c.n_iter_
    c.set_params(early_stopping=False).fit(X, y)  # was: the earlier model's curve, 30 long
    assert c.validation_loss_curve_ is None and c.best_epoch_ is None
    c.stale_ = 1  # whatever an earlier fit set: gone after a fresh fit, kept after a failed one
    with pytest.raises(NNDLError):
        c.fit(X, np.zeros(len(X)))
    assert c.stale_ == 1
    assert not hasattr(c.fit(X, y), "stale_")


@pytest.mark.parametrize("params, words", [
    ({"early_stopping": True, "n_iter_no_change": None}, "n_iter_no_change must be an integer"),
    ({"early_stopping": True, "n_iter_no_change": 0}, "n_iter_no_change must be an integer"),
    ({"n_iter_no_change": 0}, "n_iter_no_change must be an integer"),
    ({"validation_fraction": 1.5}, "validation_fraction must be a number in [0, 1)"),
    ({"alpha": -1.0}, "alpha must be a finite number >= 0"),
    ({"alpha": "x"}, "alpha must be a finite number >= 0"),
    ({"learning_rate": "adaptive"}, "MLP's learning_rate_init"),
    ({"optimizer": None}, "optimizer must be one of ['adam', 'gd', 'momentum', 'rmsprop']"),
    ({"activation": "softmax"}, "activation='softmax' is an output activation"),
    ({"hidden_layer_sizes": (), "activation": "softmax"}, "is an output activation"),
])
def test_the_estimators_parameters_are_checked_in_their_own_names(params, words):
    """n_iter_no_change=None turned early stopping off without a word (still holding out
    10%); n_iter_no_change=0 and alpha=-1 were refused as 'patience' and 'lambd';
    optimizer=None was plain gradient descent and a softmax hidden layer was accepted."""
    X, y = _iris_std()
    with pytest.raises(NNDLError) as e:
        NNClassifier(max_iter=2, **params).fit(X, y)
    assert words in str(e.value)
    assert "patience" not in str(e.value) and "lambd" not in str(e.value)


def test_classes_are_in_the_dtype_predict_answers():
    X, y = _iris_std()
    for labels in (np.array(["a", "b", "c"], dtype=object), np.array([3, 5, 7], np.int32),
                   np.array(["x", "y", "z"])):
        c = NNClassifier(max_iter=2, random_state=0).fit(X, labels[y])
        assert c.classes_.dtype == c.predict(X[:2]).dtype != object
        assert c.classes_.tolist() == labels.tolist()


def test_multilabel_y_and_sample_weights_are_refused_saying_so():
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=50, random_state=0)
    with pytest.raises(NNDLError, match=r"several labels per sample \(y is a multilabel "
                       r"indicator matrix.*output='sigmoid'"):
        NNClassifier(max_iter=2).fit(X, Y)
    # several columns of classes, and a y of two columns beside an X with NaN: y is said (it
    # was scikit-learn's "y should be a 1d array" for the first; the second hid the X error)
    Y3 = np.random.default_rng(0).integers(0, 3, (50, 2))
    with pytest.raises(NNDLError, match="a column of classes per output.*MultiOutputClassifier"):
        NNClassifier(max_iter=2).fit(X, Y3)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NNClassifier(max_iter=2).fit(Xn, np.arange(50) % 2)
    X, y = _iris_std()
    with pytest.raises(TypeError, match="do not offer sample weights"):
        NNClassifier(max_iter=2).fit(X, y, sample_weight=np.ones(len(y)))
    with pytest.raises(TypeError, match="do not offer sample weights"):
        NNRegressor(max_iter=2).partial_fit(X, y * 1.0, sample_weight=np.ones(len(y)))
    with pytest.raises(TypeError, match="unexpected keyword argument 'sampel_weight'$"):
        NNClassifier().partial_fit(X, y, classes=[0, 1, 2], sampel_weight=1)


def test_a_sparse_x_too_big_to_make_dense_is_refused_in_good_english(monkeypatch):
    scipy_sparse = pytest.importorskip("scipy.sparse")
    import nndl.memory

    monkeypatch.setattr(nndl.memory, "available_bytes", lambda: 1000)
    X, y = _blobs(80)
    with pytest.raises(NNDLError, match=r"the values of a dense copy of the sparse X \(80, 3\) "
                       "need about"):
        NNClassifier(max_iter=2).fit(scipy_sparse.csr_matrix(X), y)


def test_the_docstrings_say_how_the_parameters_differ_from_mlps():
    doc = " ".join(NNRegressor.__doc__.split())
    for words in ("optimizer : str or Optimizer", "unlike MLP's ``solver=\"sgd\"``",
                  "MLP's ``learning_rate_init``", "counts the samples seen",
                  "n_outputs times smaller", "Sample weights are not offered",
                  "validation_loss_curve_ : list of float or None"):
        assert words in doc, words


def test_an_optimizer_subclass_keeps_its_own_objects_and_settings():
    """The review of the fresh copies: fresh_copy deep-copied a subclass's attributes (a lock
    made fit fail in copy.py; a log the user holds stayed empty), and warm_start compared only
    ``hyper``, so a subclass's own setting changed by set_params was ignored."""
    import threading

    X, y = _iris_std()

    class Logged(nndl.optimizers.Adam):
        def __init__(self, *a, log=None, **k):
            super().__init__(*a, **k)
            self.log, self.lock = log, threading.Lock()

        def end_epoch(self):
            with self.lock:
                self.log.append(self.t)
            super().end_epoch()

    log: list = []
    opt = Logged(0.01, log=log)
    NNClassifier(max_iter=3, random_state=0, optimizer=opt).fit(X, y)
    assert len(log) == 3 and opt.t == 0  # the user's list, the user's optimizer untrained

    class Clipped(nndl.optimizers.GradientDescent):
        def __init__(self, learning_rate=0.01, clip=1.0):
            super().__init__(learning_rate)
            self.clip = clip

    e = NNClassifier(max_iter=2, random_state=0, optimizer=Clipped(0.1, clip=1.0),
                     warm_start=True).fit(X, y)
    first = e.net_.optimizer
    e.fit(X, y)
    assert e.net_.optimizer is first  # unchanged settings: continued
    e.set_params(optimizer=Clipped(0.1, clip=1e-9)).fit(X, y)
    assert e.net_.optimizer.clip == 1e-9 and e.net_.optimizer.t == 2  # a new one, 2 steps


def test_n_iter_no_change_inf_is_taken_as_scikit_learn_takes_it():
    """np.inf (scikit-learn's MLP takes it) was refused on every fit: without early stopping it
    is unused; with it, training never stops early and the best epoch is kept."""
    X, y = _iris_std()
    a = NNClassifier(max_iter=5, random_state=0, n_iter_no_change=np.inf).fit(X, y)
    b = NNClassifier(max_iter=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = NNClassifier(max_iter=40, random_state=0, early_stopping=True, learning_rate=0.3,
                     n_iter_no_change=np.inf).fit(X, y)
    assert c.n_iter_ == 40 and c.best_epoch_ == int(np.argmin(c.validation_loss_curve_))


def test_a_learning_rate_equal_to_the_optimizers_own_is_not_a_conflict():
    X, y = _iris_std()
    NNClassifier(max_iter=2, optimizer=nndl.optimizers.Adam(0.05), learning_rate=0.05).fit(X, y)
    with pytest.raises(NNDLError, match="would be ignored"):
        NNClassifier(max_iter=2, optimizer=nndl.optimizers.Adam(0.05), learning_rate=0.5).fit(X, y)
    with pytest.raises(NNDLError, match="alpha must be a finite number >= 0"):
        NNClassifier(max_iter=2, alpha=np.inf).fit(X, y)
