"""The deep L-layer network of the notes: ``Network``.

    net = Network([n0, n1, ..., nL], hidden="relu", output="sigmoid", init="he", seed=1)
    history = net.fit(X, Y, learning_rate=0.0075, iterations=2500)
    net.predict(X)

Samples are columns: ``X`` is (n[0], m), ``Y`` is (n[L], m). Parameters live in ``net.params``
as ``W1, b1, ..., WL, bL``; ``W[l]`` is (n[l], n[l-1]) and ``b[l]`` is (n[l], 1). The math is in
:mod:`nndl.layers` and :mod:`nndl.propagation`, shared with :mod:`nndl.functional`.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from . import costs as _costs
from . import dual as _dual
from .activations import Activation, get_activation
from .callbacks import Callback, History, PrintCost
from .errors import DivergenceError, NNDLError
from .initializers import RNG, check_init, initialize, make_rng
from .propagation import model_backward, model_forward, predict_forward
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
        return as_matrix("X", X, self.dtype, rows=self.layer_dims[0])

    def _XY(self, X: object, Y: object) -> tuple[Array, Array]:
        X = self._X(X)
        Y = as_matrix("Y", Y, self.dtype, rows=self.layer_dims[-1])
        check_same_m(X, Y)
        check_labels(Y, self.output)
        return X, Y

    # --- forward, cost, gradients ---------------------------------------------------------
    def forward(self, X: object) -> Array:
        """A[L] = g[L](W[L] ... g[1](W[1] X + b[1]) ... + b[L]), shape (n[L], m)."""
        return predict_forward(self._X(X), self.params, self.activations)

    def _cost(self, AL: Array, Y: Array) -> float:
        return self.cost_fn.value(AL, Y)

    def cost(self, X: object, Y: object) -> float:
        """J(X, Y) for the current parameters (the cost that matches the output activation)."""
        X, Y = self._XY(X, Y)
        return self._cost(predict_forward(X, self.params, self.activations), Y)

    def _gradients(self, X: Array, Y: Array) -> tuple[float, dict[str, Array]]:
        AL, caches = model_forward(X, self.params, self.activations)
        J = self._cost(AL, Y)
        grads = model_backward(AL, Y, caches, self.activations)
        return J, grads

    def gradients(self, X: object, Y: object) -> dict[str, Array]:
        """``{"dW1": (n[1], n[0]), "db1": (n[1], 1), ...}`` by backward propagation."""
        X, Y = self._XY(X, Y)
        return self._gradients(X, Y)[1]

    # --- training ---------------------------------------------------------------------
    def fit(
        self,
        X: object,
        Y: object,
        learning_rate: float = 0.0075,
        iterations: int = 2500,
        callbacks: "Iterable[Callback] | None" = None,
        print_cost: "int | bool" = False,
    ) -> History:
        """Batch gradient descent from the current parameters (a second call continues).

        Each iteration: forward (caching), J, backward (no dA[0]), then
        W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l].

        Returns the :class:`History` of this call (``net.history`` accumulates all calls).
        Raises :class:`DivergenceError` if J becomes NaN or inf; the model then keeps the
        last parameters whose cost was finite (``iterations_done`` and the history are rolled
        back to them, so that the next ``fit`` starts by recomputing that finite cost).
        """
        X, Y = self._XY(X, Y)
        alpha = check_positive("learning_rate", learning_rate)
        iterations = int(check_positive("iterations", iterations, integer=True))
        cbs = list(callbacks or [])
        if print_cost:
            cbs.append(PrintCost(100 if print_cost is True else int(print_cost)))
        if _dual.applicable(self, X, iterations, cbs):  # exact, cheaper form of layer 1
            return _dual.fit(self, X, Y, alpha, iterations, cbs)
        history = History()
        self.stop_training = False
        lr = self.dtype.type(alpha)
        last_good = {k: np.empty_like(v) for k, v in self.params.items()}
        for cb in cbs:
            cb.on_train_begin(self, iterations)
        try:
            # overflow on the way to a NaN cost is reported as a DivergenceError below
            with np.errstate(over="ignore", invalid="ignore"):
                for _ in range(iterations):
                    it = self.iterations_done
                    J, grads = self._gradients(X, Y)
                    if not np.isfinite(J):
                        if len(history) > 0:  # undo the update that led here
                            for k, v in self.params.items():
                                np.copyto(v, last_good[k])
                            history.pop()
                            self.history.pop()
                            self.iterations_done -= 1
                        raise DivergenceError(
                            f"training diverged at iteration {it}: the cost became {J}; the model "
                            "keeps its last finite parameters. Try a smaller learning rate "
                            f"(now {alpha:g}).",
                            iteration=it,
                        )
                    for k, v in self.params.items():
                        np.copyto(last_good[k], v)
                        v -= lr * grads["d" + k]
                    history.append(it, J)
                    self.history.append(it, J)
                    self.iterations_done += 1
                    for cb in cbs:
                        cb.on_iteration_end(self, it, J)
                    if self.stop_training:
                        break
        finally:
            for cb in cbs:
                cb.on_train_end(self, history)
        return history

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
        AL = self.forward(X)
        if self.output == "sigmoid":
            return (AL > 0.5).astype(np.int64)
        if self.output == "softmax":
            return np.argmax(AL, axis=0).reshape(1, -1)
        return AL

    def accuracy(self, X: object, Y: object) -> float:
        """Fraction of samples whose predicted label equals Y (0/1 row or one-hot columns)."""
        X, Y = self._XY(X, Y)
        pred = self.predict(X)
        if self.output == "softmax":
            truth = np.argmax(Y, axis=0).reshape(1, -1)
        elif self.output == "sigmoid":
            truth = Y
        else:
            raise NNDLError("accuracy is for classifiers; this model is a regression")
        return float(np.mean(pred == truth))
