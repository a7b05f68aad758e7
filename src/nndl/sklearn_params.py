"""The parameters of ``nndl.sklearn``'s estimators, checked on every fit before anything
changes (as scikit-learn validates every parameter), in the estimators' own names (``alpha``,
``n_iter_no_change``; never the ``lambd`` or ``patience`` of :meth:`nndl.Network.fit` that
they become); the optimizer a fit trains with; and the refusals of what they do not offer
(multilabel y, sample weights), each saying so.

An :class:`~nndl.optimizers.Optimizer` given as ``optimizer=`` is a setting, never trained
itself: a new fit trains a fresh copy of it (its settings, no state), so that the same data
and seed give the same model on every refit, and ``warm_start`` continues the estimator's
own copy (``net_.optimizer``).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .errors import NNDLError
from .optimizers import OPTIMIZERS, Optimizer, get_optimizer
from .validation import check_bool, check_number, check_positive

DEFAULT_LEARNING_RATE = 0.01
"""The estimators' default ``learning_rate``; any other one beside an Optimizer instance
is refused (the instance carries its own)."""

MLP_SCHEDULES = ("constant", "invscaling", "adaptive")
"""scikit-learn MLP's ``learning_rate`` values (a schedule; its step size is
``learning_rate_init``)."""


def check_learning_rate(value: object) -> float:
    """``learning_rate`` as a positive number; a text (one of MLP's schedule names, copied
    from MLP code) gets a message saying what nndl's ``learning_rate`` is."""
    if isinstance(value, str):
        raise NNDLError(
            f"learning_rate must be a positive number; got {value!r:.40}: nndl's learning_rate "
            "is the step size, scikit-learn MLP's learning_rate_init (MLP's learning_rate is "
            f"a schedule, one of {list(MLP_SCHEDULES)}, which nndl does not have; an "
            "Optimizer's decay lowers the rate per epoch, e.g. optimizer=Adam(0.01, decay=0.1))")
    return float(check_positive("learning_rate", value))


def check_optimizer(optimizer: object, learning_rate: object) -> None:
    """``optimizer`` as a name of :data:`~nndl.optimizers.OPTIMIZERS` (or an alias, ``sgd``)
    or an Optimizer, which may not come with a ``learning_rate`` of its own (NNDLError)."""
    if isinstance(optimizer, Optimizer):
        if learning_rate not in (DEFAULT_LEARNING_RATE, optimizer.learning_rate):
            raise NNDLError(
                f"optimizer={optimizer!r} carries its own learning rate "
                f"({optimizer.learning_rate:g}), so learning_rate={learning_rate!r} would be "
                "ignored: set the rate in the Optimizer and leave learning_rate at its default "
                f"({DEFAULT_LEARNING_RATE}), or name the optimizer (e.g. 'adam')")
        return
    if not isinstance(optimizer, str):
        raise NNDLError(f"optimizer must be one of {sorted(OPTIMIZERS)} (or 'sgd', an alias "
                        f"of 'gd') or an nndl.optimizers.Optimizer; got {optimizer!r:.60} (the "
                        "default is 'adam')")
    get_optimizer(optimizer)  # an unknown name: NNDLError naming the known ones


def _same_settings(a: Optimizer, b: Optimizer) -> bool:
    """Whether two optimizers do the same: their class and every attribute but the state
    (:meth:`Optimizer.settings`: a subclass's own settings too, whether it lists them in
    ``hyper`` or not), arrays by value."""
    if type(a) is not type(b):
        return False
    va, vb = a.settings(), b.settings()
    return va.keys() == vb.keys() and all(_equal(va[k], vb[k]) for k in va)


def _equal(x: Any, y: Any) -> bool:
    if x is y:
        return True
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return bool(np.array_equal(x, y))
    try:
        return bool(x == y)
    except (TypeError, ValueError):  # an object whose == gives no truth value: not the same
        return False


def optimizer_for_fit(optimizer: "str | Optimizer", learning_rate: float,
                      fitted: "Optimizer | None") -> Optimizer:
    """The optimizer a fit trains with: ``fitted`` (the estimator's own, with its state: a
    continued fit) when it has the settings that ``optimizer`` and ``learning_rate`` ask
    for; else a new one (changed settings start over, as scikit-learn's MLP builds one per
    fit), a fresh copy of an Optimizer given (the user's object is never changed)."""
    if isinstance(optimizer, Optimizer):
        wanted = optimizer.fresh_copy()
    else:
        wanted = get_optimizer(optimizer, learning_rate)
    if fitted is not None and _same_settings(fitted, wanted):
        return fitted
    return wanted


def check_hidden_activation(activation: object) -> None:
    """A known activation that acts on each unit alone (softmax, which normalizes a layer's
    units, is an output activation; scikit-learn's MLP refuses it too)."""
    if not get_activation(activation).elementwise:  # an unknown name: NNDLError
        hidden = [n for n, a in ACTIVATIONS.items() if a.elementwise]
        raise NNDLError(f"activation={activation!r} is an output activation, not one for the "
                        f"hidden layers: use one of {hidden} (identity and logistic are "
                        "aliases of linear and sigmoid)")


def never_stops(n_iter_no_change: object) -> bool:
    """``n_iter_no_change=np.inf`` (scikit-learn's MLP takes it): early stopping never stops
    training, and the best epoch's parameters are still kept at the end."""
    return isinstance(n_iter_no_change, float) and n_iter_no_change == np.inf


def check_parameters(est: Any, incremental: bool) -> int:
    """Every parameter that building the network does not check (NNDLError naming it),
    before anything changes; returns the epochs to train (``max_iter``, or 1 for
    ``partial_fit``)."""
    for name in ("early_stopping", "warm_start", "shuffle"):
        check_bool(name, getattr(est, name))
    check_hidden_activation(est.activation)
    check_learning_rate(est.learning_rate)
    check_optimizer(est.optimizer, est.learning_rate)
    check_number("alpha", est.alpha, low=0, expected="a finite number >= 0 (the L2 strength)")
    check_number("keep_prob", est.keep_prob, low=0, high=1, low_open=True)
    if not never_stops(est.n_iter_no_change):  # np.inf: as scikit-learn's MLP takes it
        check_number("n_iter_no_change", est.n_iter_no_change, integer=True, low=1,
                     expected="an integer >= 1, or np.inf (the epochs without a lower held-out "
                     "cost before early stopping stops)")
    # 0 is no held-out part, which early stopping needs
    check_number("validation_fraction", est.validation_fraction, low=0, high=1,
                 low_open=bool(est.early_stopping), high_open=True)
    if incremental and est.early_stopping:  # it held out part of each batch, untrained
        raise NNDLError("partial_fit does not support early_stopping=True (one epoch on "
                        "each batch given; as scikit-learn's MLP): set early_stopping=False")
    if incremental:
        return 1
    return int(check_number("max_iter", est.max_iter, integer=True, low=1))


def seed_of(random_state: object) -> "int | None":
    """An int seed for the network from scikit-learn's ``random_state`` conventions."""
    if random_state is None:
        return None
    if isinstance(random_state, (Integral, np.integer)):  # bools: refused by check_number
        return int(check_number("random_state", random_state, integer=True, low=0))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    raise NNDLError("random_state must be None, an int, a numpy RandomState or Generator; got "
                    f"{random_state!r}")


def refuse_multilabel(est: Any, y: Any) -> None:
    """NNDLError saying that several labels per sample are not supported when ``y`` has
    several columns (a multilabel indicator matrix, which scikit-learn's MLPClassifier takes,
    or several columns of classes); a one-column y is scikit-learn's to read."""
    try:
        shape = np.asarray(y).shape  # (not np.shape: an array-like may refuse it)
    except (ValueError, TypeError):  # ragged: scikit-learn's message is said
        return
    if len(shape) != 2 or shape[1] < 2:
        return
    from sklearn.utils.multiclass import type_of_target  # (only nndl.sklearn calls this)

    try:
        kind = type_of_target(y)
    except (ValueError, TypeError):  # not a target scikit-learn reads: its message is said
        return
    what = {"multilabel-indicator": "a multilabel indicator matrix, two values per column",
            "multiclass-multioutput": "a column of classes per output"}.get(kind)
    if what is None:
        return
    raise NNDLError(
        f"{type(est).__name__} does not support several labels per sample (y is {what} of "
        f"shape {shape}): it takes one label per sample. For several 0/1 labels per sample, "
        "train nndl.Network([n_features, ..., n_labels], output='sigmoid') on the indicator "
        "matrix (samples as columns); for several outputs of classes, wrap NNClassifier in "
        "sklearn.multioutput.MultiOutputClassifier")


def refuse_fit_params(est: Any, method: str, params: dict[str, Any]) -> None:
    """TypeError for keyword arguments ``fit`` / ``partial_fit`` do not take, as Python's
    own, saying that sample weights are not offered when they are what came."""
    if params:
        name = next(iter(params))
        why = (": nndl's estimators do not offer sample weights (nor class_weight); every "
               "sample counts once" if name in ("sample_weight", "class_weight") else "")
        raise TypeError(f"{type(est).__name__}.{method}() got an unexpected keyword argument "
                        f"{name!r}{why}")
