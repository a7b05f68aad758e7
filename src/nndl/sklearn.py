"""scikit-learn estimators built on :class:`nndl.Network`: ``NNClassifier`` and ``NNRegressor``.

They follow scikit-learn's conventions, so **rows are samples here** (X is (n_samples,
n_features)); the wrapped network still sees samples as columns (it is given ``X.T``)::

    from nndl.sklearn import NNClassifier
    clf = NNClassifier(hidden_layer_sizes=(20,), learning_rate=0.01, max_iter=300,
                       random_state=0).fit(X, y)
    clf.predict(X_new); clf.predict_proba(X_new); clf.score(X_test, y_test)

They work in ``Pipeline``, ``GridSearchCV`` and ``cross_val_score``. The classifier uses a
sigmoid output unit for two classes and a softmax output for more; its labels may be of any
kind (``classes_`` keeps them, :class:`nndl.labels.LabelMap` maps them to output units). The
regressor has a linear output (one unit per target column) and the squared-error cost.

The parameters (numpydoc) are in each class's docstring (``help(NNClassifier)``).

Fitted attributes: ``net_`` (the :class:`nndl.Network`), ``n_features_in_``, ``n_outputs_``,
``n_iter_`` (epochs done), ``t_`` (updates done, not MLP's samples seen), ``loss_``,
``loss_curve_`` (per-epoch training cost, L2 term included), ``validation_loss_curve_`` (with
early stopping; None without), ``best_epoch_``, and ``classes_`` for the classifier. Not
offered: sample weights, ``class_weight``, multilabel y (the parameters' checks and the
optimizer a fit trains with are in :mod:`nndl.sklearn_params`).
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np

from . import heads
from .activations import get_activation
from .errors import NNDLError, NNDLWarning
from .labels import LabelMap
from .network import Network
from .datasets.split import hold_out
from .optimizers import Optimizer
from .preprocessing import Standardizer
from .memory import check_memory
from .sklearn_params import (DEFAULT_LEARNING_RATE, check_parameters, never_stops,
                             optimizer_for_fit, refuse_fit_params, refuse_multilabel,
                             seed_of)
from .validation import check_number

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted
except ImportError as _exc:  # pragma: no cover - exercised only without scikit-learn
    raise NNDLError(
        "nndl.sklearn needs scikit-learn (pip install 'nndl[sklearn]'): " + str(_exc)
    ) from _exc

try:  # scikit-learn >= 1.6
    from sklearn.utils.validation import validate_data as _sk_validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    _sk_validate_data = None

Array = np.ndarray

__all__ = ["NNClassifier", "NNRegressor"]

_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (64,)
        n[1], ..., n[L-1]; ``()`` gives a network without hidden layer (logistic / linear regression).
    activation : str, default "relu"
        Hidden activation (``relu``, ``tanh``, ``logistic``/``sigmoid``, ``identity``/``linear``,
        ``leaky_relu``).
    optimizer : str or Optimizer, default "adam"
        ``gd``, ``momentum``, ``rmsprop`` or ``adam`` (:data:`nndl.optimizers.OPTIMIZERS`),
        built with ``learning_rate``; ``"sgd"`` is plain gradient descent (an alias of
        ``gd``: no momentum, unlike MLP's ``solver="sgd"``, whose momentum is 0.9 with
        Nesterov's; use ``optimizer="momentum"``).
        Or an :class:`nndl.optimizers.Optimizer` (e.g. ``Adam(0.01, beta1=0.8)``), which
        carries its own learning rate (``learning_rate`` must stay at its default); fit
        never changes it: every new fit trains a fresh copy of it (its settings, no state).
    learning_rate : float, default 0.01
        alpha, the step size of the optimizer: MLP's ``learning_rate_init`` (MLP's
        ``learning_rate`` is a schedule, which nndl does not have).
    max_iter : int, default 100
        Epochs (passes over the training set) per ``fit``; ``partial_fit`` does one.
    batch_size : int or "auto", default "auto"
        Mini-batch size; ``"auto"`` is ``min(200, n_samples)``.
    alpha : float, default 0.0001
        L2 strength (the notes' lambda): cost + alpha / (2m) * sum ||W||^2.
    keep_prob : float, default 1.0
        Inverted-dropout keep probability of every hidden layer (1.0: no dropout).
    init : str, default "auto"
        Weight initializer (:data:`nndl.INITIALIZERS`); ``"auto"`` is ``he`` for ReLU-like hidden
        activations and ``xavier`` otherwise.
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the training set (drawn with the model's RNG) and
        stop after ``n_iter_no_change`` epochs without a lower cost on it, keeping the best
        parameters.
    validation_fraction : float, default 0.1
        The held-out share of the training set, in (0, 1) (with ``early_stopping``; [0, 1)
        without).
    n_iter_no_change : int or np.inf, default 10
        Epochs (>= 1) without a lower held-out cost before stopping (with
        ``early_stopping``); ``np.inf``: never stop early (the best epoch is still kept).
    shuffle : bool, default True
        Reshuffle the samples before every epoch.
    random_state : int, RandomState, Generator or None
        Seeds the network's RNG (initial weights, shuffling, dropout, validation split).
    warm_start : bool, default False
        ``fit`` continues from the fitted network instead of a new one, with its optimizer
        state while ``optimizer`` and ``learning_rate`` are unchanged (changed: a new optimizer
        with them, as scikit-learn's MLP builds one every fit); a changed
        ``hidden_layer_sizes`` or ``activation`` cannot continue (NNDLError).

    Sample weights are not offered (``fit(X, y, sample_weight=...)`` is a TypeError), nor
    is ``class_weight``: every sample counts once.

    Attributes
    ----------
    net_ : nndl.Network
        The fitted network (samples as columns inside).
    n_features_in_ : int
        Number of features seen at ``fit``.
    n_iter_ : int
        Epochs done.
    t_ : int
        Updates (mini-batch steps) done; not MLP's ``t_``, which counts the samples seen
        (``n_iter_ * n_samples``).
    loss_ : float
        The last epoch's training cost (L2 term included): the mean of the per-sample loss
        (the classifier's: MLP's ``loss_``); the regressor's is squared error / 2 summed over
        its outputs, averaged over the samples (MLP's averages over the outputs too, so it is
        n_outputs times smaller).
    loss_curve_ : list of float
        The training cost of every epoch.
    validation_loss_curve_ : list of float or None
        The held-out cost of every epoch (with ``early_stopping``; None without).
    best_epoch_ : int or None
        The epoch of the lowest held-out cost (with ``early_stopping``).
"""

_RELU_LIKE = ("relu", "leaky_relu")


def _validate_data(est: BaseEstimator, *args: Any, **kwargs: Any) -> Any:
    """``sklearn.utils.validation.validate_data`` (>= 1.6) or the older method, with X as a
    dense array: a sparse X (a text vectorizer's, as MLPClassifier takes) is made dense when
    its dense copy fits in memory (NNDLError otherwise), since every layer's product is."""
    kwargs.setdefault("accept_sparse", ["csr", "csc", "coo"])
    if _sk_validate_data is not None:
        out = _sk_validate_data(est, *args, **kwargs)
    else:  # pragma: no cover
        out = est._validate_data(*args, **kwargs)
    X = out[0] if isinstance(out, tuple) else out
    if hasattr(X, "toarray"):  # a scipy sparse matrix or array
        check_memory(f"the values of a dense copy of the sparse X {X.shape}",
                     int(np.prod(X.shape, dtype=np.int64)) * 8,
                     "use fewer features (e.g. max_features of the vectorizer)")
        X = np.asarray(X.toarray(), dtype=np.float64)
        out = (X, *out[1:]) if isinstance(out, tuple) else X
    return out


class _NNBase(BaseEstimator):
    """What both estimators share: parameters, network building, training."""

    def __init__(
        self,
        hidden_layer_sizes: "tuple[int, ...] | int" = (64,),
        activation: str = "relu",
        optimizer: "str | Optimizer" = "adam",
        learning_rate: float = DEFAULT_LEARNING_RATE,
        max_iter: int = 100,
        batch_size: "int | str" = "auto",
        alpha: float = 0.0001,
        keep_prob: float = 1.0,
        init: str = "auto",
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        shuffle: bool = True,
        random_state: "int | np.random.RandomState | None" = None,
        warm_start: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.alpha = alpha
        self.keep_prob = keep_prob
        self.init = init
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start

    # --- building ---------------------------------------------------------------------
    def _hidden(self) -> list[int]:
        h = self.hidden_layer_sizes
        try:
            sizes = [h] if isinstance(h, (Integral, np.integer)) else list(h)
            return [int(check_number("hidden_layer_sizes", n, integer=True, low=1))
                    for n in sizes]
        except (NNDLError, TypeError):
            raise NNDLError("hidden_layer_sizes must be positive integers, e.g. (100,) or "
                            f"(64, 32); got {self.hidden_layer_sizes!r}") from None

    def _new_network(self, n_features: int, n_out: int, output: str) -> Network:
        hidden = self._hidden()
        init = self.init
        if init == "auto":
            init = "he" if str(self.activation).split(":")[0] in _RELU_LIKE else "xavier"
        return Network([n_features, *hidden, n_out], hidden=self.activation, output=output,
                       init=init, seed=seed_of(self.random_state))

    def _batch(self, m: int) -> int:
        b = self.batch_size
        if isinstance(b, str) and b == "auto":
            return min(200, m)
        if isinstance(b, str):
            raise NNDLError(f"batch_size must be a positive int or 'auto'; got {b!r}")
        return min(int(check_number("batch_size", b, integer=True, low=1)), m)

    # --- training -----------------------------------------------------------------------
    def _train(self, X: Array, Y: Array, epochs: int, fresh_optimizer: bool) -> None:
        """Train ``net_`` on X (m, n) and targets Y (n[L], m) for ``epochs`` epochs."""
        net = self.net_
        dev = patience = None
        m = X.shape[0]
        if self.early_stopping:
            frac = float(self.validation_fraction)  # in (0, 1): check_parameters
            labels = self._head.truth(Y)[0] if self._head.is_classifier else None
            order, dev_idx = hold_out(labels, m, frac, net.rng)  # stratified, as scikit-learn's
            dev = (X[dev_idx].T, Y[:, dev_idx])
            X, Y = X[order], Y[:, order]
            # np.inf: more epochs than this fit has (it never stops; the best epoch is kept)
            patience = (epochs + 1 if never_stops(self.n_iter_no_change)
                        else self.n_iter_no_change)
        optimizer = optimizer_for_fit(self.optimizer, self.learning_rate,
                                      None if fresh_optimizer else net.optimizer)
        keep = None if self.keep_prob == 1 or net.L == 1 else self.keep_prob
        try:  # Y is the target matrix (encoded): a (1, m) 0/1 row is no labels of classes 1, 2
            net.fit(X.T, Y, learning_rate=self.learning_rate, epochs=epochs,
                    batch_size=self._batch(X.shape[0]), optimizer=optimizer, lambd=self.alpha,
                    keep_probs=keep, dev=dev, patience=patience, shuffle=self.shuffle,
                    encoded=True)
        finally:  # also after a divergence: the counters describe the network as it is
            self._record(net)

    def _record(self, net: Network) -> None:
        """The fitted attributes that describe ``net``'s training so far."""
        h = net.history
        self.n_iter_ = net.epochs_done
        self.t_ = net.iterations_done
        self.loss_curve_ = list(h.epoch_costs)
        if h.epoch_costs:  # (none when the first epoch diverged)
            self.loss_ = h.epoch_costs[-1]
        # None for a network never trained with early stopping (as MLP's validation_scores_)
        self.validation_loss_curve_ = list(h.dev_costs) if h.dev_costs else None
        self.best_epoch_ = h.best_epoch

    def _prepare(self, net: Network, Y: Array) -> None:
        """What a new network needs from the first targets Y (n[L], m) before training."""

    def _output_for(self) -> str:
        return self._head.output

    def _check_continuable(self) -> None:
        """NNDLError when ``hidden_layer_sizes`` or ``activation`` no longer describe the
        fitted network that ``warm_start`` / ``partial_fit`` would continue."""
        net = self.net_
        hidden = net.layer_dims[1:-1]
        names = net.activation_names[:-1]
        want = get_activation(self.activation).name
        if list(hidden) != self._hidden() or any(n != want for n in names):
            has = f"hidden layers {list(hidden)} of {names[0]} units" if names else \
                "no hidden layer"
            raise NNDLError(
                f"the fitted network has {has}; hidden_layer_sizes="
                f"{self.hidden_layer_sizes!r} and activation="
                f"{self.activation!r} describe another one, which cannot continue it: set "
                "them back, or warm_start=False to train a new network")

    def _fit(self, X: Any, y: Any, incremental: bool, classes: Any = None) -> "_NNBase":
        """Fit, or continue; a new fit that raises leaves the estimator as it was before it
        (scikit-learn's MLP keeps its model too): never a new, untrained network in place of
        the fitted one, nor ``classes_`` without a network. A continued fit (``warm_start``,
        ``partial_fit``) that diverges keeps the network where training stopped, its last
        finite parameters (as :meth:`Network.fit` does), with ``n_iter_``, ``t_`` and
        ``loss_curve_`` describing it."""
        epochs = check_parameters(self, incremental)
        first = not hasattr(self, "net_") or not (incremental or self.warm_start)
        if not first:
            self._check_continuable()
        fitted = {k: v for k, v in vars(self).items() if k.endswith("_")}
        if first:  # nothing of an earlier fit stays beside the new one (put back if it fails)
            self._restore({})
        try:
            X, y = self._check_Xy(X, y, reset=first)
            if first:
                self._setup_targets(y, classes)
            Y = self._targets(y)
            if first:
                self.net_ = self._new_network(X.shape[1], Y.shape[0], self._output_for())
                self._prepare(self.net_, Y)
        except BaseException:
            self._restore(fitted)
            raise
        try:
            self._train(X, Y, epochs, fresh_optimizer=first)
        except Exception:  # e.g. a learning rate refused, a divergence (not Ctrl-C: the
            if first:      # network trained until then is kept, as Keras keeps it)
                self._restore(fitted)
            raise
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # made dense (_validate_data)
        return tags

    def _restore(self, fitted: dict) -> None:
        """Put back the fitted attributes (``name_``) the estimator had."""
        for k in [k for k in vars(self) if k.endswith("_") and k not in fitted]:
            delattr(self, k)
        vars(self).update(fitted)

    def fit(self, X: Any, y: Any, **unsupported: Any) -> "_NNBase":
        """Train a new network (or continue the fitted one with ``warm_start``) for ``max_iter``
        epochs. X is (n_samples, n_features). No ``sample_weight`` (TypeError)."""
        refuse_fit_params(self, "fit", unsupported)
        return self._fit(X, y, incremental=False)

    def _forward(self, X: Any) -> Array:
        """A[L].T, shape (n_samples, n[L])."""
        check_is_fitted(self)
        X = _validate_data(self, X, reset=False, dtype=np.float64)
        return self.net_.forward(X.T).T

class NNClassifier(ClassifierMixin, _NNBase):
    __doc__ = """A feed-forward neural-network classifier: the head of :mod:`nndl.heads` for
    its number of classes (a sigmoid unit for 2 classes, a softmax output for more). Labels
    may be of any kind; ``classes_`` keeps them in sorted order. Rows are samples. One label
    per sample: multilabel y (an indicator matrix) is refused (NNDLError).
""" + _PARAMETERS + """    classes_ : ndarray
        The class labels, sorted, in the dtype ``predict`` answers (object strings: str).
"""

    @property
    def _head(self) -> heads.Head:
        return heads.for_classes(self.classes_.size)

    def _check_Xy(self, X: Any, y: Any, reset: bool) -> tuple[Array, Array]:
        refuse_multilabel(self, y)  # before scikit-learn's "y should be a 1d array"
        X, y = _validate_data(self, X, y, reset=reset, dtype=np.float64)
        check_classification_targets(y)
        return X, y

    def _setup_targets(self, y: Array, classes: Any) -> None:
        found = np.unique(y if classes is None else np.asarray(classes))
        if found.size < 2:
            raise NNDLError(f"{type(self).__name__} needs samples of at least 2 classes; y has "
                            f"1 class ({found.tolist()!r})")
        self.label_map_ = LabelMap(found)
        # the map's classes: in the dtype predict answers (object strings: '<U', as MLP's)
        self.classes_ = self.label_map_.classes.copy()

    def _targets(self, y: Array) -> Array:
        return self._head.encode(y, self.label_map_)

    def _prepare(self, net: Network, Y: Array) -> None:
        net.label_map = self.label_map_  # net_.predict and net_.save answer the labels too

    def partial_fit(self, X: Any, y: Any, classes: Any = None,
                    **unsupported: Any) -> "NNClassifier":
        """One epoch on (X, y). The first call needs ``classes`` (all the labels that may
        come); later calls continue the same network and optimizer state."""
        refuse_fit_params(self, "partial_fit", unsupported)
        if not hasattr(self, "net_"):
            if classes is None:
                raise NNDLError("classes must be passed on the first call to partial_fit "
                                "(all the labels that may come)")
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise NNDLError(f"classes={np.unique(classes).tolist()!r} differs from the classes "
                            f"of the first call to partial_fit {self.classes_.tolist()!r}")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        AL = self._forward(X).T  # first: NotFittedError before fit
        return self._head.class_probabilities(AL).T

    def predict(self, X: Any) -> Array:
        """The most probable class of every sample (labels from ``classes_``)."""
        AL = self._forward(X).T
        return self._head.predict(AL, self.label_map_)[0]

    def predict_log_proba(self, X: Any) -> Array:
        """log(predict_proba(X))."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


MIN_SCALING_SAMPLES = 10
"""The fewest samples of a first ``NNRegressor.partial_fit`` batch that set the targets'
scaling without a warning."""


def _n_samples(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape else len(X)


class NNRegressor(RegressorMixin, _NNBase):
    __doc__ = """A feed-forward neural-network regressor: the regression head of
    :mod:`nndl.heads` (linear output, squared error; several target columns give several
    output units). Rows are samples. The targets are standardized for training, as
    ``nndl train`` does (the network learns (y - mean) / std of the first ``fit``'s targets,
    ``Network.target_scaling``; ``predict`` answers in y's units), so their scale (1e6, 1e-6)
    does not decide whether it learns; ``loss_`` and ``loss_curve_`` are costs of the
    standardized targets.
""" + _PARAMETERS + """    n_outputs_ : int
        Number of target columns.
"""

    _head = heads.for_task("regression")

    def _check_Xy(self, X: Any, y: Any, reset: bool) -> tuple[Array, Array]:
        kind = getattr(getattr(y, "dtype", None), "kind", None) or np.asarray(y).dtype.kind
        if kind in "USO":  # text: not read as numbers, as MLPRegressor refuses it too
            texts = [v for v in np.asarray(y, dtype=object).ravel().tolist()
                     if isinstance(v, (str, bytes))]
            if texts or kind in "US":
                shown = repr(texts[0]) if texts else "text"
                raise NNDLError(f"{type(self).__name__} needs numbers as targets; y holds text "
                                f"such as {shown:.60} (for classes use NNClassifier)")
        return _validate_data(self, X, y, reset=reset, dtype=np.float64, multi_output=True,
                              y_numeric=True)

    def _setup_targets(self, y: Array, classes: Any) -> None:
        self.n_outputs_ = 1 if y.ndim == 1 else int(y.shape[1])

    def _prepare(self, net: Network, Y: Array) -> None:
        net.target_scaling = Standardizer().fit(Y)

    def _targets(self, y: Array) -> Array:
        Y = np.asarray(y, dtype=np.float64)
        Y = Y.reshape(1, -1) if Y.ndim == 1 else Y.T
        if Y.shape[0] != self.n_outputs_:
            raise NNDLError(f"y has {Y.shape[0]} target column(s) but {type(self).__name__} "
                            f"was fitted with {self.n_outputs_}")
        return Y

    def partial_fit(self, X: Any, y: Any, **unsupported: Any) -> "NNRegressor":
        """One epoch on (X, y), continuing the same network and optimizer state. The first
        call sets the targets' scaling (their mean and std), so it should bring a batch of
        at least :data:`MIN_SCALING_SAMPLES` samples (an NNDLWarning says so otherwise)."""
        refuse_fit_params(self, "partial_fit", unsupported)
        first = not hasattr(self, "net_")
        self._fit(X, y, incremental=True)
        m = _n_samples(X)
        if first and m < MIN_SCALING_SAMPLES:
            warnings.warn(NNDLWarning(
                f"the targets' scaling (mean and std) was set from this first partial_fit "
                f"batch of {m} sample(s), and later batches keep it: with so few, targets "
                "of another scale train slowly; start with a batch of at least "
                f"{MIN_SCALING_SAMPLES} samples"), stacklevel=2)
        return self

    def predict(self, X: Any) -> Array:
        """Predicted targets: shape (n_samples,) for one target, (n_samples, n_outputs) else."""
        A = self._forward(X)
        return A[:, 0] if self.n_outputs_ == 1 else A

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"multioutput": True}
