"""The deep L-layer network of the notes: ``Network``, the model (the training loop is
:mod:`nndl.training`).

    net = Network([n0, n1, ..., nL], hidden="relu", output="sigmoid", init="he", seed=1)
    history = net.fit(X, Y, learning_rate=0.0075, iterations=2500)
    net.predict(X)

Samples are columns: ``X`` is (n[0], m), ``Y`` is (n[L], m). Parameters live in ``net.params``
as ``W1, b1, ..., WL, bL``; ``W[l]`` is (n[l], n[l-1]) and ``b[l]`` is (n[l], 1). The math is in
:mod:`nndl.layers` and :mod:`nndl.propagation`, shared with :mod:`nndl.functional`; what depends
on the output layer (cost, targets, labels) in :mod:`nndl.heads`.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from . import heads as _heads
from . import training
from .activations import Activation, get_activation
from .callbacks import Callback, EarlyStopping, History, PrintCost
from .errors import NNDLError
from .initializers import RNG, check_init, initialize, initialize_bytes, make_rng
from .labels import LabelMap
from .memory import check_memory, out_of_memory
from .model_format import check_params
from .optimizers import Optimizer, get_optimizer
from .propagation import model_backward, model_forward, predict_forward
from .regularization import check_keep_probs, check_lambd, check_masks, l2_cost
from .validation import (as_matrix, check_bool, check_dtype, check_layer_dims, check_positive,
                         check_same_m, check_scaling)

Array = np.ndarray


class Network:
    """A fully connected L-layer network trained by gradient descent.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n[0], n[1], ..., n[L]]``: the input size then the size of every layer. ``[n_x, 1]``
        is logistic regression (L = 1), ``[n_x, n_h, 1]`` the shallow network of the notes.
    hidden : str, default "relu"
        Activation of every hidden layer (``relu``, ``tanh``, ``sigmoid``, ``leaky_relu``,
        ``leaky_relu:0.2``, ``linear``), unless ``activations`` is given.
    output : str, default "sigmoid"
        Activation of layer L; it picks the head (:mod:`nndl.heads`) and so the cost:
        ``sigmoid`` -> binary cross-entropy, ``softmax`` -> cross-entropy, ``linear`` ->
        squared error (regression).
    activations : sequence of str, optional
        One activation per layer (length L), overriding ``hidden`` and ``output``.
    init : str, default "he"
        ``small`` (randn*0.01), ``scaled`` (randn/sqrt(n[l-1])), ``he``, ``xavier`` or ``zeros``.
    seed : int, optional
        Seed of ``numpy.random.default_rng`` (W1 is drawn first, then W2, ...).
    rng : numpy.random.Generator or numpy.random.RandomState, optional
        An explicit generator instead of ``seed`` (not both).
    dtype : {"float64", "float32"}, default "float64"
        The model computes in this dtype; inputs are converted to it at the boundary.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1, b1, ..., WL, bL`` (current also while ``fit`` runs).
    head : nndl.heads.Head
        What the output layer decides: cost, targets, labels, scores.
    label_map : nndl.labels.LabelMap or None
        Class labels <-> class indices (set by the first ``fit`` with labels, or through
        ``classes``); ``predict`` returns these labels.
    classes : list of str or None
        The class names, derived from ``label_map``.
    history : nndl.callbacks.History
        The costs of every ``fit`` call.

    Sizes whose parameters cannot fit in the memory available are refused (NNDLError) before
    anything is allocated.
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        hidden: str = "relu",
        output: str = "sigmoid",
        activations: "Sequence[str] | None" = None,
        init: str = "he",
        seed: "int | None" = None,
        rng: "RNG | None" = None,
        dtype: "str | np.dtype" = "float64",
    ) -> None:
        self.layer_dims = check_layer_dims(layer_dims)
        self.activations: list[Activation] = [
            get_activation(n) for n in _activation_names(self.layer_dims, hidden, output,
                                                         activations)]
        self.head = _heads.for_output(self.activations[-1].name)
        self.head.check_units(self.layer_dims[-1])
        self.cost_fn = self.head.cost
        self.init = check_init(init)
        self.dtype = check_dtype(dtype)
        self.rng = make_rng(seed, rng)
        self._params: dict[str, Array] = self._initial_params()
        self._pending: "Callable[[], None] | None" = None
        self.iterations_done = 0
        self.epochs_done = 0
        self.history = History()
        self.stop_training = False
        # What the file it was loaded from held besides the model (its info: columns, image
        # size, settings, scores; extra parameter sets): save writes it back (nndl.io.kept).
        self.saved: dict = {}
        # Fitted input preprocessing (e.g. nndl.preprocessing.Standardizer: ``transform(X)``),
        # applied in ``_X`` so that the model takes raw inputs; saved with the model.
        self.preprocessing = None
        # Fitted target scaling of a regression (a Standardizer of the targets, rows n[L]):
        # the model learns (Y - mean) / std, and ``forward`` answers in the targets' units
        # (A[L] * std + mean); saved with the model. None: the targets as they are.
        self.target_scaling = None
        self.label_map: "LabelMap | None" = None
        self.optimizer: "Optimizer | None" = None
        """The optimizer of the last ``fit`` (with its state, for checkpoints)."""
        self.layer1_state: Any = None
        """What continuing layer 1's training form needs (:class:`nndl.dual.DualState`)."""

    def _initial_params(self) -> dict[str, Array]:
        """The initializer's parameters, refused (NNDLError) before anything is allocated when
        they cannot fit in the memory available, and when the allocation fails after all."""
        what = f"the parameters of Network({self.layer_dims}) ({self.dtype.name})"
        need = initialize_bytes(self.layer_dims, self.dtype)
        check_memory(what, need)
        try:
            return initialize(self.layer_dims, self.init, self.rng, self.dtype)
        except MemoryError:
            raise out_of_memory(what, need) from None

    # --- the fitted scalings -------------------------------------------------------------
    @property
    def preprocessing(self) -> Any:
        """The fitted input preprocessing (``transform(X)``, e.g. a
        :class:`~nndl.preprocessing.Standardizer`), or None."""
        return self._preprocessing

    @preprocessing.setter
    def preprocessing(self, value: Any) -> None:
        self._preprocessing = check_scaling("preprocessing", value, ("transform",),
                                             self.layer_dims[0], "n[0]")

    @property
    def target_scaling(self) -> Any:
        """The fitted target scaling of a regression (``transform`` and
        ``inverse_transform``), or None."""
        return self._target_scaling

    @target_scaling.setter
    def target_scaling(self, value: Any) -> None:
        self._target_scaling = check_scaling("target_scaling", value, ("transform",
                                              "inverse_transform"), self.layer_dims[-1],
                                              "n[L]")

    # --- description --------------------------------------------------------------------
    @property
    def L(self) -> int:
        """Number of layers with parameters (the input layer is not counted)."""
        return len(self.layer_dims) - 1

    @property
    def output(self) -> str:
        """Name of the output activation."""
        return self.activations[-1].name

    @property
    def activation_names(self) -> list[str]:
        return [g.name for g in self.activations]

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers: sum of n[l] * (n[l-1] + 1)."""
        return sum(int(p.size) for p in self._params.values())

    def __repr__(self) -> str:
        return (f"Network({self.layer_dims}, activations={self.activation_names}, "
                f"init={self.init!r}, dtype={self.dtype.name!r})")

    # --- parameters and classes ----------------------------------------------------------
    @property
    def params(self) -> dict[str, Array]:
        """``{"W1": (n[1], n[0]), "b1": (n[1], 1), ...}``, current also during ``fit``."""
        if self._pending is not None:
            self._pending()
        return self._params

    @params.setter
    def params(self, value: dict[str, Array]) -> None:
        self._params = value

    def checked_params(self) -> dict[str, Array]:
        """``params``, refused (NNDLError naming the array and the fix) unless they are exactly
        W1..WL, b1..bL of this network's shapes and dtype (:func:`nndl.model_format.
        check_params`): anyone may assign into ``params``; fit, forward and save check."""
        check_params(self.params, self.layer_dims, self.dtype)
        return self.params

    def defer_params(self, bring_up_to_date: "Callable[[], None] | None") -> None:
        """For a training form that holds some parameters in another shape (the dual form of
        layer 1, :mod:`nndl.dual`): ``bring_up_to_date()`` runs before ``params`` is read;
        None ends it."""
        self._pending = bring_up_to_date

    @property
    def classes(self) -> "list[str] | None":
        """The class names (label index -> name), from ``label_map``; None without one."""
        lm = self.label_map
        if lm is None:
            return None
        return [c.decode("latin-1") if isinstance(c, bytes) else str(c)
                for c in lm.classes.tolist()]

    @classes.setter
    def classes(self, names: "Sequence[Any] | None") -> None:
        """Name the classes (``predict`` then returns these labels): sets ``label_map``, whose
        labels keep their kind (numbers stay numbers, as ``fit`` with them and sklearn's
        ``classes_`` take them; saved and loaded as such)."""
        if names is None:
            self.label_map = None
            return
        if isinstance(names, (str, bytes)):
            raise NNDLError(f"classes must be a list of labels; got the string {names!r}")
        names = list(names)
        k = self.head.n_classes(self.layer_dims[-1])
        if k is None:
            raise NNDLError(f"a regression ({self.output} output) has no classes; got "
                            f"{names[:5]!r}")
        if len(names) != k:
            raise NNDLError(f"this model's {self.output} output has {k} classes; got "
                            f"{len(names)} class name(s) {names[:5]!r}: training needs "
                            f"examples of {k} classes")
        self.label_map = LabelMap(np.asarray(names))

    # --- input checks ------------------------------------------------------------------
    def _X(self, X: object, name: str = "X") -> Array:
        X = as_matrix(name, X, self.dtype, rows=self.layer_dims[0],
                      rows_are="one per input feature n[0]")
        if self.preprocessing is not None:
            X = np.asarray(self.preprocessing.transform(X), dtype=self.dtype)
        return X

    def _Y(self, Y: object, encoded: bool = False) -> Array:
        """Targets as the checked (n[L], m) matrix; labels are encoded by the head through
        ``label_map`` (unless ``encoded``: Y is that matrix already)."""
        Y = self.head.targets(Y, self.layer_dims[-1], self.dtype, self.label_map, encoded)
        if self.target_scaling is not None:
            Y = np.asarray(self.target_scaling.transform(Y), dtype=self.dtype)
        return Y

    def checked(self, X: object, Y: object, encoded: bool = False) -> tuple[Array, Array]:
        """(X, Y) as the model computes on them: X (n[0], m) preprocessed, Y the (n[L], m)
        target matrix (labels encoded through ``label_map``; ``encoded``: see ``fit``)."""
        X = self._X(X)
        Y = self._Y(Y, encoded)
        check_same_m(X, Y)
        return X, Y

    def _fit_XY(self, X: object, Y: object, encoded: bool) -> tuple[Array, Array]:
        """``checked`` for ``fit``: the first fit with labels (not ``encoded``) sets
        ``label_map`` (the head decides how: integers 0..n[L]-1 stay class indices, other
        labels map to their sorted distinct values)."""
        if self.label_map is not None or encoded:
            return self.checked(X, Y, encoded)
        label_map = self.head.fit_label_map(Y, self.layer_dims[-1])
        if label_map is not None and self.iterations_done \
                and label_map.classes.tolist() != list(range(len(label_map.classes))):
            raise NNDLError(
                f"this network was trained for {self.iterations_done} iterations on class "
                f"indices (no label map); labels {label_map.classes[:10].tolist()!r} would give "
                "its outputs another meaning: give Y as those indices, or fit a new network")
        self.label_map = label_map
        try:
            return self.checked(X, Y)
        except NNDLError:
            self.label_map = None
            raise

    # --- forward, cost, gradients ---------------------------------------------------------
    def forward(self, X: object) -> Array:
        """A[L] = g[L](W[L] ... g[1](W[1] X + b[1]) ... + b[L]), shape (n[L], m); with
        ``target_scaling``, in the targets' units (A[L] * std + mean)."""
        AL = predict_forward(self._X(X), self.checked_params(), self.activations)
        if self.target_scaling is not None:
            AL = np.asarray(self.target_scaling.inverse_transform(AL), dtype=self.dtype)
        return AL

    def cost(self, X: object, Y: object, lambd: float = 0.0) -> float:
        """J(X, Y) now (the head's cost), + (lambd / (2m)) sum ||W[l]||^2 when ``lambd`` > 0.
        With ``target_scaling``, J of the scaled targets (Y - mean) / std, the units training
        minimizes (its cost history's), not Y's: forward and predict answer in Y's units."""
        X, Y = self.checked(X, Y)
        lambd = check_lambd(lambd)
        J = self.head.cost.value(predict_forward(X, self.checked_params(), self.activations), Y)
        return J + l2_cost(self.params, lambd, X.shape[1]) if lambd else J

    def forward_cost(
        self, X: Array, Y: Array, lambd: float = 0.0,
        masks: "Sequence[Array | None] | None" = None,
    ) -> tuple[float, Array, list]:
        """Forward propagation with caches, then J (+ the L2 term): ``(J, A[L], caches)``, on
        arrays already checked (see :meth:`checked`)."""
        params = self.params
        AL, caches = model_forward(X, params, self.activations, masks)
        J = self.head.cost.value(AL, Y)
        if lambd:
            J += l2_cost(params, lambd, X.shape[1])
        return J, AL, caches

    def gradients(
        self, X: object, Y: object, lambd: float = 0.0,
        masks: "Sequence[Array | None] | None" = None,
    ) -> dict[str, Array]:
        """``{"dW1": (n[1], n[0]), "db1": (n[1], 1), ...}`` by backward propagation, with the
        L2 term (``lambd``) and fixed dropout ``masks`` (see :func:`nndl.regularization.
        dropout_masks`) when given."""
        X, Y = self.checked(X, Y)
        lambd = check_lambd(lambd)
        masks = check_masks(masks, self.layer_dims, X.shape[1])
        self.checked_params()
        _, AL, caches = self.forward_cost(X, Y, lambd, masks)
        return model_backward(AL, Y, caches, self.activations, masks=masks, lambd=lambd)

    # --- training ---------------------------------------------------------------------
    def fit(
        self,
        X: object,
        Y: object,
        learning_rate: float = 0.0075,
        iterations: int = 2500,
        callbacks: "Iterable[Callback] | None" = None,
        print_cost: "int | bool" = False,
        *,
        batch_size: "int | None" = None,
        epochs: "int | None" = None,
        optimizer: "str | Optimizer | None" = None,
        lambd: float = 0.0,
        keep_probs: "float | Sequence[float] | None" = None,
        dev: "tuple[object, object] | None" = None,
        patience: "int | None" = None,
        shuffle: bool = True,
        encoded: bool = False,
    ) -> History:
        """Train from the current parameters (a second call continues); the loop is
        :func:`nndl.training.train`.

        Each update: forward (caching; dropout masks when ``keep_probs``), J (+ L2 term),
        backward (no dA[0]), then the optimizer's step; plain gradient descent is
        W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l].

        Parameters
        ----------
        X : array-like, shape (n[0], m)
            Inputs, samples as columns (raw: the model's ``preprocessing`` is applied).
        Y : array-like
            Targets: (1, m) 0/1 for a sigmoid output, one-hot (n[L], m) for softmax, values
            (n[L], m) for a linear output; or, for a classifier, a vector of m labels of any
            kind (text too; for a sigmoid, any 2 labels, e.g. 1/2 or -1/+1): the first such
            fit sets ``label_map`` and ``predict`` then returns those labels.
        learning_rate : float, default 0.0075
            alpha, for the optimizer built from a name.
        iterations : int, default 2500
            Full-batch updates (without ``batch_size``; ``epochs`` replaces it when given).
        callbacks : list of nndl.Callback, optional
            Called after every iteration and epoch; one may set ``net.stop_training = True``.
        print_cost : bool or int, default False
            Print the cost every 100 iterations (True) or every k (an int k >= 1).
        batch_size : int, optional
            Mini-batches of this many samples: each of ``epochs`` passes reshuffles the
            columns with ``net.rng`` (unless ``shuffle=False``); the last batch may be smaller.
        epochs : int, optional
            Passes over the data (needed with ``batch_size``).
        optimizer : str or nndl.optimizers.Optimizer, optional
            A name from :data:`nndl.optimizers.OPTIMIZERS` (built with ``learning_rate``;
            None is ``"gd"``) or an instance, which keeps its own learning rate and state
            (pass ``net.optimizer`` to resume one). Kept as ``net.optimizer``.
        lambd : float, default 0
            L2 strength.
        keep_probs : float or list of float, optional
            Inverted-dropout keep probability, one number or one per hidden layer.
        dev : (X_dev, Y_dev), optional
            The dev cost is recorded after each epoch (``history.dev_costs``).
        patience : int, optional
            Early stopping (needs ``dev``): an :class:`~nndl.callbacks.EarlyStopping` stops
            after ``patience`` epochs without a lower dev cost; the best epoch's parameters are
            restored (``history.best_epoch``) at the end, not on a signal (:mod:`nndl.checkpoint`).
        shuffle : bool, default True
            Reshuffle the mini-batches every epoch.
        encoded : bool, default False
            Y and Y_dev are the target matrix above already (``nndl.sklearn`` encodes its
            labels): checked, never read as labels through ``label_map``, which stays as it is.

        Returns
        -------
        History
            The costs of this call (``net.history`` accumulates all calls).

        Raises :class:`~nndl.errors.DivergenceError` if J becomes NaN or inf; the model then
        keeps the last parameters whose cost was finite (``iterations_done``, the history and
        the optimizer's state are rolled back to them). Refuses (NNDLError) to start when the
        gradients, optimizer state and one batch's activations cannot fit in memory.

        Memory: no copy of the parameters is made per step (see :mod:`nndl.training`), so
        during ``fit`` (e.g. in a callback) read ``net.params[k]`` afresh rather than keeping
        an array from an earlier step; arrays held from before ``fit`` get the final values
        and are ``net.params`` again when it returns (read-only ones are left as they are:
        ``net.params`` then holds new arrays, as ``load_state_dict`` copies in PyTorch).
        """
        plan = training.Plan(
            optimizer=get_optimizer(optimizer, check_positive("learning_rate", learning_rate)),
            lambd=check_lambd(lambd),
            keep_probs=check_keep_probs(keep_probs, self.L),
            shuffle=check_bool("shuffle", shuffle),
            callbacks=training.check_callbacks(callbacks),
        )
        plan.n_epochs, plan.batch_size = training.fit_plan(iterations, batch_size, epochs)
        self.checked_params()  # before any update: a wrong array fails here, not after training
        every = training.print_every(print_cost)
        if patience is not None:
            if dev is None:
                raise NNDLError("patience (early stopping) needs a dev set: fit(..., dev=(X_dev, "
                                "Y_dev), patience=k)")
            plan.early = EarlyStopping(patience)
            plan.callbacks.insert(0, plan.early)
        if every is not None:
            plan.callbacks.append(PrintCost(every))
        had_map, done = self.label_map is not None, self.iterations_done
        X, Y = self._fit_XY(X, Y, check_bool("encoded", encoded))  # last: a refusal sets no map
        try:
            if dev is not None:
                plan.dev = self._dev_set(dev, encoded)
            self.optimizer = plan.optimizer
            return training.train(self, X, Y, plan)
        except NNDLError:  # refused (the dev set, memory) or diverged before any update
            if not had_map and self.iterations_done == done:
                self.label_map = None
            raise

    def _dev_set(self, dev: object, encoded: bool) -> tuple[Array, Array]:
        if not isinstance(dev, (tuple, list)) or len(dev) != 2:
            raise NNDLError(f"dev must be a pair (X_dev, Y_dev); got {type(dev).__name__}")
        try:  # named as the dev set: X and Y may be right while X_dev is transposed
            X, Y = self._X(dev[0], "X_dev"), self._Y(dev[1], encoded)
            check_same_m(X, Y)
        except NNDLError as exc:
            raise NNDLError(f"the dev set dev=(X_dev, Y_dev): {exc}") from None
        return X, Y

    # --- saving and loading -----------------------------------------------------------
    def save(self, path: str) -> None:
        """Save the model atomically as a safe ``.npz`` (see :func:`nndl.io.save`)."""
        from .io import save

        save(self, path)

    @staticmethod
    def load(path: str, max_bytes: "int | str | None" = None) -> "Network":
        """The model saved at ``path`` (:func:`nndl.io.load`, the same as ``nndl.load``)."""
        from .io import load

        return load(path, max_bytes)

    # --- prediction -------------------------------------------------------------------
    def predict_proba(self, X: object) -> Array:
        """A[L]: P(y = 1 | x) per sigmoid unit (n[L], m), class probabilities for softmax."""
        return self.head.proba(self.forward(X))

    def predict(self, X: object) -> Array:
        """0/1 for sigmoid (A[L] > 0.5), (n[L], m); for softmax the argmax, (1, m), decoded by
        ``label_map`` (int64 for labels that were indices, int or float); linear: A[L] (n[L], m)."""
        return self.head.predict(self.forward(X), self.label_map)

    def accuracy(self, X: object, Y: object) -> float:
        """Fraction of samples whose predicted class equals Y's (0/1 row, one-hot columns, or
        labels; with several sigmoid units, samples with every label right)."""
        if not self.head.is_classifier:
            raise NNDLError("accuracy is for classifiers; this model is a regression")
        X, Y = self.checked(X, Y)  # X is preprocessed here: do not go through forward again
        AL = predict_forward(X, self.checked_params(), self.activations)
        return self.head.scores(AL, Y)["accuracy"]


def _activation_names(layer_dims: list[int], hidden: str, output: str,
                      activations: "Sequence[str] | None") -> list:
    """One activation name per layer, from ``hidden``/``output`` or ``activations``."""
    L = len(layer_dims) - 1
    if activations is None:
        return [hidden] * (L - 1) + [output]
    if isinstance(activations, str):
        raise NNDLError(f"activations must be a list of {L} names (one per layer); got the "
                        f"string {activations!r}")
    names = list(activations)
    if len(names) != L:
        raise NNDLError(f"activations must have one name per layer: {L} for layer sizes "
                        f"{layer_dims}; got {len(names)}: {names!r}")
    return names
