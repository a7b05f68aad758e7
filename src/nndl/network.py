"""The deep L-layer network of the notes: ``Network``.

    net = Network([n0, n1, ..., nL], hidden="relu", output="sigmoid", init="he", seed=1)
    history = net.fit(X, Y, learning_rate=0.0075, iterations=2500)
    net.predict(X)

Samples are columns: ``X`` is (n[0], m), ``Y`` is (n[L], m). Parameters live in ``net.params``
as ``W1, b1, ..., WL, bL``; ``W[l]`` is (n[l], n[l-1]) and ``b[l]`` is (n[l], 1). The math is in
:mod:`nndl.layers` and :mod:`nndl.propagation`, shared with :mod:`nndl.functional`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from . import costs as _costs
from . import dual as _dual
from .activations import Activation, get_activation
from .callbacks import Callback, History, PrintCost
from .errors import DivergenceError, NNDLError
from .initializers import RNG, check_init, initialize, make_rng
from .labels import LabelMap, as_label_vector
from .optimizers import Optimizer, get_optimizer
from .propagation import model_backward, model_forward, predict_forward
from .regularization import check_keep_probs, check_lambd, dropout_masks, l2_cost
from .validation import (
    as_matrix,
    check_labels,
    check_layer_dims,
    check_positive,
    check_same_m,
)

Array = np.ndarray

_DTYPES = {"float32": np.float32, "float64": np.float64}


def _check_dtype(dtype: object) -> np.dtype:
    try:
        dt = np.dtype(dtype)  # type: ignore[arg-type]
    except TypeError:
        dt = None
    if dt is None or dt.name not in _DTYPES:
        raise NNDLError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    return dt


class Network:
    """A fully connected L-layer network trained by gradient descent.

    Parameters
    ----------
    layer_dims : [n[0], n[1], ..., n[L]]
        Input size then the size of every layer. ``[n_x, 1]`` is logistic regression (L = 1),
        ``[n_x, n_h, 1]`` the shallow network of the notes (L = 2).
    hidden : str
        Activation of every hidden layer (``relu``, ``tanh``, ``sigmoid``, ``leaky_relu``,
        ``leaky_relu:0.2``, ``linear``), unless ``activations`` is given.
    output : str
        Activation of layer L; it picks the cost: ``sigmoid`` -> binary cross-entropy,
        ``softmax`` -> cross-entropy, ``linear`` -> squared error (regression).
    activations : list of str, optional
        One activation per layer (length L), overriding ``hidden`` and ``output``.
    init : str
        ``small`` (randn*0.01), ``scaled`` (randn/sqrt(n[l-1])), ``he``, ``xavier`` or ``zeros``.
    seed, rng :
        Randomness: an int seed for ``numpy.random.default_rng``, or an explicit ``Generator``
        / legacy ``RandomState`` (drawn W1 first, then W2, ...). Not both.
    dtype : ``"float64"`` or ``"float32"``
        The model computes in this dtype; inputs are converted to it at the boundary.
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
        L = len(self.layer_dims) - 1
        if activations is None:
            names: list = [hidden] * (L - 1) + [output]
        else:
            if isinstance(activations, str):
                raise NNDLError(
                    f"activations must be a list of {L} names (one per layer); got the string "
                    f"{activations!r}"
                )
            names = list(activations)
            if len(names) != L:
                raise NNDLError(
                    f"activations must have one name per layer: {L} for layer sizes "
                    f"{self.layer_dims}; got {len(names)}: {names!r}"
                )
        self.activations: list[Activation] = [get_activation(n) for n in names]
        self.cost_fn = _costs.cost_for_output(self.activations[-1].name)
        if self.activations[-1].name == "softmax" and self.layer_dims[-1] < 2:
            raise NNDLError("a softmax output needs at least 2 units (one per class)")
        self.init = check_init(init)
        self.dtype = _check_dtype(dtype)
        self.rng = make_rng(seed, rng)
        self.params: dict[str, Array] = initialize(self.layer_dims, self.init, self.rng, self.dtype)
        self.iterations_done = 0
        self.history = History()
        self.stop_training = False
        # Fitted input preprocessing (e.g. nndl.preprocessing.Standardizer: ``transform(X)``),
        # applied in ``_X`` so that the model takes raw inputs; saved with the model.
        self.preprocessing = None
        # Names of the classes (label index -> name), or None; saved with the model.
        self.classes: "list[str] | None" = None
        self.epochs_done = 0
        self._sync_hook: "Callable[[], None] | None" = None  # set by fit in the dual form
        self.label_map: "LabelMap | None" = None
        """Class labels <-> output units for a softmax output fit with labels (not one-hot)."""
        self.optimizer: "Optimizer | None" = None
        """The optimizer of the last ``fit`` (with its state, for checkpoints)."""

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
        return sum(int(p.size) for p in self.params.values())

    def __repr__(self) -> str:
        return (
            f"Network({self.layer_dims}, activations={self.activation_names}, "
            f"init={self.init!r}, dtype={self.dtype.name!r})"
        )

    # --- input checks ------------------------------------------------------------------
    def _X(self, X: object) -> Array:
        X = as_matrix("X", X, self.dtype, rows=self.layer_dims[0])
        if self.preprocessing is not None:
            X = np.asarray(self.preprocessing.transform(X), dtype=self.dtype)
        return X

    def _XY(self, X: object, Y: object) -> tuple[Array, Array]:
        X = self._X(X)
        Y = self._Y(Y)
        check_same_m(X, Y)
        check_labels(Y, self.output)
        return X, Y

    def _is_label_vector(self, Y: object) -> bool:
        """Y given as labels (1-D or one row) for a softmax output, rather than one-hot."""
        if self.output != "softmax":
            return False
        shape = np.shape(Y) if isinstance(Y, np.ndarray) else np.asarray(Y, dtype=object).shape
        return len(shape) == 1 or (len(shape) == 2 and shape[0] == 1)

    def _Y(self, Y: object) -> Array:
        """Targets as an (n[L], m) matrix; softmax labels become one-hot through ``label_map``
        (without one, integer labels 0..n[L]-1 are class indices)."""
        if self._is_label_vector(Y):
            lm = self.label_map
            if lm is None:
                y = as_label_vector(Y, "Y")
                if not _index_labels(y, self.layer_dims[-1]):
                    raise NNDLError(
                        f"Y holds labels {np.unique(y)[:5].tolist()!r} but this network has no "
                        "label map yet: fit it with these labels first, or give Y as one-hot "
                        f"columns ({self.layer_dims[-1]}, m) or class indices 0.."
                        f"{self.layer_dims[-1] - 1}"
                    )
                lm = LabelMap(np.arange(self.layer_dims[-1]))
            return lm.one_hot(as_label_vector(Y, "Y"), self.dtype)
        return as_matrix("Y", Y, self.dtype, rows=self.layer_dims[-1])

    def _fit_XY(self, X: object, Y: object) -> tuple[Array, Array]:
        """``_XY`` for ``fit``: the first fit with labels on a softmax output sets ``label_map``
        (integers 0..n[L]-1 map to themselves, other labels to their sorted distinct values)."""
        if self.label_map is not None or not self._is_label_vector(Y):
            return self._XY(X, Y)
        y = as_label_vector(Y, "Y")
        n_out = self.layer_dims[-1]
        if _index_labels(y, n_out):
            lm = LabelMap(np.arange(n_out))
        else:
            lm = LabelMap.from_labels(y)
            if lm.n_classes != n_out:
                raise NNDLError(
                    f"Y has {lm.n_classes} distinct labels {lm.classes[:10].tolist()!r} but the "
                    f"softmax output has {n_out} units: one unit per class is needed"
                )
        self.label_map = lm
        try:
            return self._XY(X, Y)
        except NNDLError:
            self.label_map = None
            raise

    # --- forward, cost, gradients ---------------------------------------------------------
    def forward(self, X: object) -> Array:
        """A[L] = g[L](W[L] ... g[1](W[1] X + b[1]) ... + b[L]), shape (n[L], m)."""
        return predict_forward(self._X(X), self.params, self.activations)

    def _cost(self, AL: Array, Y: Array) -> float:
        return self.cost_fn.value(AL, Y)

    def cost(self, X: object, Y: object, lambd: float = 0.0) -> float:
        """J(X, Y) for the current parameters (the cost that matches the output activation),
        plus the L2 term (lambd / (2m)) sum ||W[l]||^2 when ``lambd`` > 0."""
        X, Y = self._XY(X, Y)
        lambd = check_lambd(lambd)
        J = self._cost(predict_forward(X, self.params, self.activations), Y)
        return J + l2_cost(self.params, lambd, X.shape[1]) if lambd else J

    def _forward_cost(
        self, X: Array, Y: Array, lambd: float = 0.0,
        masks: "Sequence[Array | None] | None" = None,
    ) -> tuple[float, Array, list]:
        """Forward propagation with caches, then J (+ the L2 term): ``(J, A[L], caches)``."""
        AL, caches = model_forward(X, self.params, self.activations, masks)
        J = self._cost(AL, Y)
        if lambd:
            J += l2_cost(self.params, lambd, X.shape[1])
        return J, AL, caches

    def _gradients(
        self, X: Array, Y: Array, lambd: float = 0.0,
        masks: "Sequence[Array | None] | None" = None,
    ) -> tuple[float, dict[str, Array]]:
        J, AL, caches = self._forward_cost(X, Y, lambd, masks)
        return J, model_backward(AL, Y, caches, self.activations, masks=masks, lambd=lambd)

    def gradients(
        self, X: object, Y: object, lambd: float = 0.0,
        masks: "Sequence[Array | None] | None" = None,
    ) -> dict[str, Array]:
        """``{"dW1": (n[1], n[0]), "db1": (n[1], 1), ...}`` by backward propagation, with the
        L2 term (``lambd``) and fixed dropout ``masks`` (see :func:`nndl.regularization.
        dropout_masks`) when given."""
        X, Y = self._XY(X, Y)
        return self._gradients(X, Y, check_lambd(lambd), masks)[1]

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
    ) -> History:
        """Train from the current parameters (a second call continues).

        Each update: forward (caching; dropout masks when ``keep_probs``), J (+ L2 term), backward
        (no dA[0]), then the optimizer's step; plain gradient descent is
        W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l].

        Without ``batch_size`` this is the notes' batch gradient descent: ``iterations`` updates
        on the whole set (``epochs``, if given, replaces ``iterations``). With ``batch_size``,
        each of ``epochs`` passes reshuffles the columns with ``net.rng`` (unless
        ``shuffle=False``) and makes one update per mini-batch of ``batch_size`` samples (the
        last one may be smaller).

        ``optimizer``: a name from :data:`nndl.optimizers.OPTIMIZERS` (built with
        ``learning_rate``; ``None`` is ``"gd"``) or an :class:`~nndl.optimizers.Optimizer`
        instance, which keeps its own learning rate and state (pass ``net.optimizer`` to resume
        one). The optimizer used is kept as ``net.optimizer``.
        ``lambd``: L2 strength. ``keep_probs``: inverted-dropout keep probability, one number or
        one per hidden layer. ``dev=(X_dev, Y_dev)``: the dev cost is recorded after each epoch
        (``history.dev_costs``); with ``patience=k`` training stops after k epochs without a
        lower dev cost and the parameters of the best epoch are restored
        (``history.best_epoch``).

        For a softmax output, Y may be one-hot (n[L], m) or a vector of labels of any kind; the
        first such fit sets ``net.label_map`` and ``predict`` then returns those labels.

        Returns the :class:`History` of this call (``net.history`` accumulates all calls).
        Raises :class:`DivergenceError` if J becomes NaN or inf; the model then keeps the
        last parameters whose cost was finite (``iterations_done``, the history and the
        optimizer's state are rolled back to them, so that the next ``fit`` starts by
        recomputing that finite cost).

        Memory: no copy of the parameters is made per step. Each update is written into the
        gradient's own array, which then becomes ``net.params[k]``; the previous arrays serve
        as the roll-back until the next cost is known to be finite. So during ``fit`` (e.g. in a
        callback) read ``net.params[k]`` afresh rather than keeping an array from an earlier
        step; arrays held from before ``fit`` get the final values and are ``net.params`` again
        when it returns.
        """
        X, Y = self._fit_XY(X, Y)
        alpha = check_positive("learning_rate", learning_rate)
        run = _Run(
            opt=get_optimizer(optimizer, alpha),
            lambd=check_lambd(lambd),
            keep_probs=check_keep_probs(keep_probs, self.L),
            shuffle=bool(shuffle),
        )
        run.n_epochs, run.batch_size = _fit_plan(X.shape[1], iterations, batch_size, epochs)
        if dev is not None:
            run.dev = self._dev_set(dev)
        if patience is not None:
            if dev is None:
                raise NNDLError("patience (early stopping) needs a dev set: fit(..., dev=(X_dev, "
                                "Y_dev), patience=k)")
            run.patience = int(check_positive("patience", patience, integer=True))
        self.optimizer = run.opt
        run.callbacks = list(callbacks or [])
        if print_cost:
            run.callbacks.append(PrintCost(100 if print_cost is True else int(print_cost)))
        self.stop_training = False
        if run.batch_size is None and _dual.applicable(
                self, X, run.n_epochs, run.callbacks, optimizer=run.opt, lambd=run.lambd,
                keep_probs=run.keep_probs, dev=run.dev is not None):
            run.dual = _dual.DualFirstLayer(X, self.params["W1"])  # exact, cheaper layer 1
        run.train = run.dual.trainable(self.params) if run.dual else dict(self.params)
        # fit swaps parameter arrays (see _train_step); arrays that someone else still holds
        # get the final values back at the end, and keep their place in net.params
        originals = {k: weakref.ref(v) for k, v in self.params.items()}
        self._sync_hook = run.dual.sync if run.dual else None
        steps = run.n_epochs * -(-X.shape[1] // (run.batch_size or X.shape[1]))
        for cb in run.callbacks:
            cb.on_train_begin(self, steps)
        try:
            # overflow on the way to a NaN cost is reported as a DivergenceError below
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(run.n_epochs):
                    if self._train_epoch(run, X, Y):
                        self._end_epoch(run)
                    if self.stop_training:
                        break
            self._end_training(run)
            self._restore_best(run)
        finally:
            self._end_training(run)
            for k, ref in originals.items():
                P = ref()
                if P is not None and self.params[k] is not P:
                    np.copyto(P, self.params[k])
                    self.params[k] = P
            for cb in run.callbacks:
                cb.on_train_end(self, run.history)
        return run.history

    def _train_epoch(self, run: "_Run", X: Array, Y: Array) -> bool:
        """One pass over (X, Y) in mini-batches; True when every batch was trained on."""
        for Xb, Yb in self._batches(run, X, Y):
            J = self._train_step(run, Xb, Yb)
            run.epoch_cost += J * Xb.shape[1]
            run.epoch_m += Xb.shape[1]
            if self.stop_training:
                return False
        return True

    def _batches(self, run: "_Run", X: Array, Y: Array) -> Iterator[tuple[Array, Array]]:
        """The whole set (full batch), or mini-batches of a fresh permutation from ``net.rng``.

        Shuffled batches are gathered one at a time (never a shuffled copy of the whole data
        set), from whichever layout X has: columns of a C-ordered X, or rows of the C-ordered
        ``X.T`` when X is Fortran-ordered (samples-as-rows data passed as ``data.T``), so that
        each batch is one contiguous block for BLAS.
        """
        m, size = X.shape[1], run.batch_size
        if size is None or size >= m:
            yield X, Y
            return
        if not run.shuffle:
            for start in range(0, m, size):
                yield X[:, start:start + size], Y[:, start:start + size]
            return
        order = self.rng.permutation(m)
        rows = X.T if X.T.flags.c_contiguous else None
        for start in range(0, m, size):
            idx = order[start:start + size]
            Xb = rows[idx].T if rows is not None else X.take(idx, axis=1)
            yield Xb, Y.take(idx, axis=1)

    def _train_step(self, run: "_Run", X: Array, Y: Array) -> float:
        """One update on (X, Y); returns J before the update (raises on a non-finite J)."""
        it = self.iterations_done
        masks = None
        if run.keep_probs is not None:
            masks = dropout_masks(self.layer_dims, run.keep_probs, X.shape[1], self.rng,
                                  self.dtype)
        if run.dual is not None:
            J, grads = run.dual.gradients(self, Y)
            self._check_finite(run, J, it)
        else:
            J, AL, caches = self._forward_cost(X, Y, run.lambd, masks)
            self._check_finite(run, J, it)
            run.last_good = None  # J is finite: the previous parameters can go before backward
            grads = model_backward(AL, Y, caches, self.activations, masks=masks,
                                   lambd=run.lambd, release_caches=True)
            del AL, caches
        run.last_opt = run.opt.state_dict() if run.opt.slots else None
        run.last_t = run.opt.t
        # The new parameters are written into the gradient arrays, and the current ones are
        # kept as they are for a roll-back: no copy of the parameters at any step.
        run.last_good = run.train
        self._use(run, run.opt.step_into(run.train, grads))
        run.history.append(it, J)
        self.history.append(it, J)
        self.iterations_done += 1
        for cb in run.callbacks:
            if run.dual is not None:
                run.dual.sync_for(cb)
            cb.on_iteration_end(self, it, J)
        return J

    def _check_finite(self, run: "_Run", J: float, it: int) -> None:
        """Raise DivergenceError for a NaN or inf cost, after rolling back the last update."""
        if np.isfinite(J):
            return
        self._roll_back(run)
        raise DivergenceError(
            f"training diverged at iteration {it}: the cost became {J}; the model "
            "keeps its last finite parameters. Try a smaller learning rate "
            f"(now {run.opt.current_learning_rate:g}).",
            iteration=it,
        )

    def _use(self, run: "_Run", arrays: dict[str, Array]) -> None:
        """Make ``arrays`` (keyed like ``run.train``) the live parameters."""
        run.train = arrays
        for k, v in arrays.items():
            if k == "C":  # the dual form's stand-in for W1
                run.dual.C = v  # type: ignore[union-attr]
            else:
                self.params[k] = v
        if run.dual is not None:
            run.dual.stale = True

    def _roll_back(self, run: "_Run") -> None:
        """Undo the last update of this fit call (if any): parameters, optimizer, history."""
        if len(run.history) == 0 or run.last_good is None:
            return
        self._use(run, run.last_good)
        run.last_good = None
        if run.last_opt is not None:
            run.opt.load_state_dict(run.last_opt)
        run.opt.t = run.last_t
        run.history.pop()
        self.history.pop()
        self.iterations_done -= 1

    def _dev_set(self, dev: object) -> tuple[Array, Array]:
        if not isinstance(dev, (tuple, list)) or len(dev) != 2:
            raise NNDLError(f"dev must be a pair (X_dev, Y_dev); got {type(dev).__name__}")
        return self._XY(dev[0], dev[1])

    def _end_epoch(self, run: "_Run") -> None:
        """Record the epoch, step the learning-rate schedule, check the dev set."""
        epoch = self.epochs_done
        self.epochs_done += 1
        run.opt.end_epoch()
        logs = {"cost": run.epoch_cost / run.epoch_m}
        run.epoch_cost, run.epoch_m = 0.0, 0
        if run.dev is not None:
            self.sync_params()  # the dev cost and early stopping read W1
            Xd, Yd = run.dev
            logs["dev_cost"] = self._cost(predict_forward(Xd, self.params, self.activations), Yd)
        for h in (run.history, self.history):
            h.epochs.append(epoch)
            h.epoch_costs.append(logs["cost"])
            if "dev_cost" in logs:
                h.dev_costs.append(logs["dev_cost"])
        if run.patience is not None:
            if run.best is None or logs["dev_cost"] < run.best[0]:
                run.best = (logs["dev_cost"], {k: v.copy() for k, v in self.params.items()},
                            epoch)
                run.wait = 0
            else:
                run.wait += 1
                if run.wait >= run.patience:
                    self.stop_training = True
        for cb in run.callbacks:
            if run.dual is not None:
                run.dual.sync_for(cb)
            cb.on_epoch_end(self, epoch, logs)

    def _restore_best(self, run: "_Run") -> None:
        """Early stopping: put back the parameters of the epoch with the lowest dev cost."""
        if run.best is None:
            return
        for k, v in self.params.items():
            np.copyto(v, run.best[1][k])
        run.history.best_epoch = self.history.best_epoch = run.best[2]

    def _end_training(self, run: "_Run") -> None:
        """The dual form's last materialisation of W1 (in place); no more syncs after it."""
        if run.dual is not None:
            run.dual.finish()
        self._sync_hook = None

    def sync_params(self) -> None:
        """Make ``net.params`` current. Needed only inside ``fit``, by a callback that declares
        ``reads_params = False`` (so that the dual form of layer 1, :mod:`nndl.dual`, need not
        materialise W1 at every step) and then reads the parameters now and then, e.g. a
        checkpoint every N iterations. Elsewhere it does nothing."""
        if self._sync_hook is not None:
            self._sync_hook()

    # --- saving -----------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Save the model atomically as a safe ``.npz`` (see :func:`nndl.io.save`)."""
        from .io import save

        save(self, path)

    # --- prediction -------------------------------------------------------------------
    def predict_proba(self, X: object) -> Array:
        """A[L]: P(y = 1 | x) for sigmoid (1, m), class probabilities for softmax (n[L], m)."""
        if self.output == "linear":
            raise NNDLError("predict_proba needs a sigmoid or softmax output; this model is a "
                            "regression (linear output): use predict")
        return self.forward(X)

    def predict(self, X: object) -> Array:
        """Labels of shape (1, m): 0/1 for sigmoid (A[L] > 0.5), the class index (argmax) for
        softmax; the values A[L] (n[L], m) for a linear output."""
        return self._labels(self.forward(X))

    def _labels(self, AL: Array) -> Array:
        if self.output == "sigmoid":
            return (AL > 0.5).astype(np.int64)
        if self.output == "softmax":
            idx = np.argmax(AL, axis=0).reshape(1, -1)
            return idx if self.label_map is None else self.label_map.decode(idx)
        return AL

    def accuracy(self, X: object, Y: object) -> float:
        """Fraction of samples whose predicted label equals Y (0/1 row, one-hot columns, or
        labels for a softmax output)."""
        X, Y = self._XY(X, Y)  # X is preprocessed here: do not go through forward again
        AL = predict_forward(X, self.params, self.activations)
        if self.output == "softmax":  # compare class indices (Y is one-hot here)
            pred = np.argmax(AL, axis=0).reshape(1, -1)
            truth = np.argmax(Y, axis=0).reshape(1, -1)
        elif self.output == "sigmoid":
            pred, truth = self._labels(AL), Y
        else:
            raise NNDLError("accuracy is for classifiers; this model is a regression")
        return float(np.mean(pred == truth))


def _index_labels(y: Array, n_out: int) -> bool:
    """Integer (or boolean) labels that are already class indices 0..n_out-1."""
    return y.dtype.kind in "biu" and int(y.min()) >= 0 and int(y.max()) < n_out


@dataclass
class _Run:
    """What one ``fit`` call carries from step to step."""

    opt: Optimizer
    lambd: float = 0.0
    keep_probs: "list[float] | None" = None
    shuffle: bool = True
    n_epochs: int = 1
    batch_size: "int | None" = None
    dev: "tuple[Array, Array] | None" = None
    patience: "int | None" = None
    callbacks: list = field(default_factory=list)
    history: History = field(default_factory=History)
    last_good: "dict[str, Array] | None" = None
    """The parameters before the last update (the arrays themselves), for a roll-back."""
    last_opt: "dict[str, Any] | None" = None
    last_t: int = 0
    epoch_cost: float = 0.0
    epoch_m: int = 0
    best: "tuple[float, dict[str, Array], int] | None" = None
    wait: int = 0
    dual: "_dual.DualFirstLayer | None" = None
    train: dict = field(default_factory=dict)
    """What the optimizer updates: ``net.params``, or C in place of W1 in the dual form."""


def _fit_plan(m: int, iterations: object, batch_size: object,
              epochs: object) -> tuple[int, "int | None"]:
    """(number of epochs, batch size or None for full batch) from fit's arguments."""
    if epochs is not None:
        n_epochs = int(check_positive("epochs", epochs, integer=True))
    elif batch_size is None:
        n_epochs = int(check_positive("iterations", iterations, integer=True))
    else:
        raise NNDLError("with batch_size, give the number of passes over the data: "
                        "fit(..., batch_size=64, epochs=10)")
    if batch_size is None:
        return n_epochs, None
    return n_epochs, int(check_positive("batch_size", batch_size, integer=True))
