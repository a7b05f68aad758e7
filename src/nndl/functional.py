"""The course's step-by-step building blocks, with its names and cache layouts.

Everyone who followed the course can call these one by one and compare with their notebook::

    parameters = initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1)
    AL, caches = L_model_forward(X, parameters)      # relu ... relu, sigmoid
    cost = compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)           # dA{l-1}, dW{l}, db{l}
    parameters = update_parameters(parameters, grads, learning_rate=0.0075)

There is no second copy of the math here: each function calls :mod:`nndl.layers`,
:mod:`nndl.propagation` and :mod:`nndl.costs`, exactly as :class:`nndl.Network` does.

Each function computes what the course's function of the same name computes, for *any*
arguments, not only for caches from one forward pass (the course's own test cases pass random
caches and an ``AL`` that is no probability). In particular :func:`L_model_backward` does what
the course's does, ``dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))`` passed through the sigmoid's
backward with the cache's ``Z[L]``; it does not take :class:`~nndl.Network`'s shortcut
``dZ[L] = A[L] - Y``, which holds only when ``A[L] = sigmoid(Z[L])``. And
:func:`update_parameters` returns new arrays and leaves the caller's as they were.

How close to the course's numbers (``tests/test_functional_course.py`` checks each against the
course's definitions, written out there): the same bits, except for (a) the sigmoid, written
without overflow (the same formula for z >= 0; for z < 0, ``e^z / (1 + e^z)``, within a few
units in the last place of ``1 / (1 + e^-z)``), which every value computed from a sigmoid
inherits; (b) :func:`compute_cost`, a sum rather than the course's ``np.dot`` (relative
difference of the order of m units in the last place); (c) ``init="scaled"``, which multiplies
by ``1 / sqrt(n[l-1])`` where the course divides by ``sqrt(n[l-1])`` (within 2 units in the last
place). Where the course's results are not finite numbers, nndl's differ on purpose:
:func:`compute_cost` of an ``AL`` exactly 0 or 1 is finite (the logarithm is taken of at least
the smallest normal number, 2.2e-308, as for :class:`~nndl.Network`, which also changes the
cost of an ``AL`` below that) and an ``AL`` outside [0, 1] is refused; ReLU's backward gives
``dA * [Z > 0]``, which is the course's ``dA`` with zeros where ``Z <= 0`` for every finite
``dA``. :func:`L_model_backward` divides as the course does, so an ``AL`` of exactly 0 or 1
gives the course's inf or NaN (with NumPy's warning).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import get_activation
from .costs import binary_cross_entropy
from .errors import NNDLError
from .heads import HEADS
from .initializers import RNG, initialize, make_rng
from .layers import activation_backward, layer_forward
from .layers import linear_backward as _linear_backward
from .layers import linear_forward as _linear_forward
from .propagation import model_backward, model_forward, n_layers

Array = np.ndarray
LinearCache = tuple[Array, Array, Array]
Cache = tuple[LinearCache, Array]

__all__ = [
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
    "predict",
]


def _array(name: str, A: object) -> Array:
    """A float array (the course's functions take any NumPy array)."""
    arr = np.asarray(A)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise NNDLError(f"{name} must be a numeric array; got dtype {arr.dtype}")
    return arr if np.issubdtype(arr.dtype, np.inexact) else arr.astype(np.float64)


def _like(Y: object, AL: Array) -> Array:
    """Y reshaped to AL's shape, as the course's ``Y.reshape(AL.shape)``."""
    Y = _array("Y", Y)
    if Y.size != AL.size:
        raise NNDLError(f"Y has {Y.size} values (shape {Y.shape}) but AL has shape {AL.shape}: "
                        "one label per entry of AL is needed")
    return Y.reshape(AL.shape)


def _probabilities(AL: object) -> Array:
    """AL as an array of values in [0, 1] (NaN passes through, as it does in the course)."""
    AL = _array("AL", AL)
    outside = (AL < 0) | (AL > 1)
    if outside.any():
        raise NNDLError(
            f"AL must hold probabilities in [0, 1] (the cross-entropy of other values is NaN); "
            f"{int(outside.sum())} value(s) are outside, e.g. {AL[outside].ravel()[0]!r}"
        )
    return AL


def _layer_activations(L: int) -> list:
    """relu for layers 1..L-1, sigmoid for layer L (the course's L-layer model)."""
    return [get_activation("relu")] * (L - 1) + [get_activation(HEADS["binary"].output)]


def initialize_parameters_deep(
    layer_dims: Sequence[int], seed: "int | None" = None, rng: "RNG | None" = None,
    init: str = "small", dtype: "str | np.dtype" = np.float64,
) -> dict[str, Array]:
    """``{"W1": randn(n[1], n[0]) * 0.01, "b1": zeros((n[1], 1)), ...}``.

    ``rng=np.random.RandomState(1)`` reproduces the course's ``np.random.seed(1)``;
    ``init="scaled"`` gives its deep recipe ``randn / sqrt(n[l-1])``.
    """
    from .validation import check_layer_dims

    return initialize(check_layer_dims(layer_dims), init, make_rng(seed, rng), dtype)


def linear_forward(A: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """Z = W A + b.  Returns ``(Z, cache)`` with ``cache == (A, W, b)``."""
    return _linear_forward(A, W, b), (A, W, b)


def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, Cache]:
    """A = g(W A_prev + b).  Returns ``(A, cache)`` with ``cache == ((A_prev, W, b), Z)``."""
    Z, A = layer_forward(A_prev, W, b, get_activation(activation))
    return A, ((A_prev, W, b), Z)


def L_model_forward(X: Array, parameters: dict[str, Array]) -> tuple[Array, list[Cache]]:
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(AL, caches)``, one per layer."""
    return model_forward(X, parameters, _layer_activations(n_layers(parameters)))


def compute_cost(AL: Array, Y: Array) -> float:
    """Cross-entropy J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), a Python float.

    ``AL`` holds probabilities, (1, m); Y is reshaped to AL's shape. An ``AL`` outside [0, 1]
    (where the course's cost is NaN, a logarithm of a negative number) is refused.
    """
    AL = _probabilities(AL)
    return binary_cross_entropy(AL, _like(Y, AL))


def linear_backward(dZ: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """From ``cache == (A_prev, W, b)``: dW = (1/m) dZ A_prev.T, db = (1/m) sum(dZ),
    dA_prev = W.T dZ.  Returns ``(dA_prev, dW, db)``."""
    A_prev, W, _ = cache
    dA_prev, dW, db = _linear_backward(dZ, A_prev, W)
    return dA_prev, dW, db  # type: ignore[return-value]


def linear_activation_backward(
    dA: Array, cache: Cache, activation: str
) -> tuple[Array, Array, Array]:
    """dZ = dA * g'(Z), then :func:`linear_backward`.  Returns ``(dA_prev, dW, db)``."""
    linear_cache, Z = cache
    g = get_activation(activation)
    dZ = activation_backward(dA, Z, g.forward(Z), g)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: Array, Y: Array, caches: Sequence[Cache]) -> dict[str, Array]:
    """Backward through [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID with the cross-entropy
    cost, as the course's function does it, for any ``AL`` and caches:

        dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])),
        dZ[L] = dA[L] * s (1 - s) with s = sigmoid(Z[L]) of the last cache,

    then :func:`linear_backward` and ReLU's backward layer by layer. When ``AL`` is the
    sigmoid of that Z[L] this is the notes' dZ[L] = A[L] - Y (which :class:`nndl.Network` uses
    directly) up to rounding. ``AL`` exactly 0 or 1 divides by zero, as in the course (NumPy
    warns, and the gradients are inf or NaN).

    Returns ``grads`` with keys ``dA{l-1}``, ``dW{l}``, ``db{l}`` for l = 1..L.
    """
    if len(caches) == 0:
        raise NNDLError("caches is empty: L_model_backward needs one cache per layer")
    AL = _array("AL", AL)
    Z_L = np.asarray(caches[-1][1])
    if AL.shape != Z_L.shape:
        raise NNDLError(f"AL has shape {AL.shape} but the last cache's Z has shape {Z_L.shape}: "
                        "they must be the same (n[L], m)")
    Y = _like(Y, AL)
    # The course's dA[L], as it writes it. Not costs.binary_cross_entropy_grad: that one divides
    # by max(A, tiny) and max(1 - A, tiny), which changes the result for an AL outside (0, 1),
    # as in the course's own test case (AL = randn(1, 2)).
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    acts = _layer_activations(len(caches))
    # model_backward's dZ[L] = dA[L] * g'(Z[L]) evaluated with g(Z[L]) as the "A[L]" it reads:
    # the sigmoid of the cache's Z, as the course's sigmoid_backward recomputes it.
    return model_backward(acts[-1].forward(Z_L), Y, list(caches), acts, need_dA0=True,
                          dAL=dAL, carry_1_over_m=False)


def update_parameters(
    parameters: dict[str, Array], grads: dict[str, Array], learning_rate: float
) -> dict[str, Array]:
    """W[l] - alpha dW[l] and b[l] - alpha db[l], as new arrays in a new dict: the caller's
    ``parameters`` (the dict and its arrays) and ``grads`` are left as they were, as with the
    course's function (which starts from a deep copy)."""
    missing = [f"d{k}" for k in parameters if f"d{k}" not in grads]
    if missing:
        raise NNDLError(f"grads lacks {missing} for the parameters {list(parameters)}")
    return {k: P - learning_rate * grads["d" + k] for k, P in parameters.items()}


def predict(X: Array, parameters: dict[str, Array]) -> Array:
    """0/1 labels of shape (1, m): 1 where A[L] > 0.5 (the course's ``p``, as integers; the
    course's ``predict(X, y, parameters)`` also prints the accuracy, ``np.mean(p == y)``)."""
    AL, _ = L_model_forward(X, parameters)
    return HEADS["binary"].indices(AL)
