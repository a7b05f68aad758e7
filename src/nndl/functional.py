"""The course's step-by-step building blocks, with its names and cache layouts.

Everyone who followed the course can call these one by one and compare with their notebook::

    parameters = initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1)
    AL, caches = L_model_forward(X, parameters)      # relu ... relu, sigmoid
    cost = compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)           # dA{l-1}, dW{l}, db{l}
    parameters = update_parameters(parameters, grads, learning_rate=0.0075)

There is no second copy of the math here: each function calls :mod:`nndl.layers`,
:mod:`nndl.propagation` and :mod:`nndl.costs`, exactly as :class:`nndl.Network` does.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import get_activation
from .costs import binary_cross_entropy
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


def _layer_activations(L: int) -> list:
    """relu for layers 1..L-1, sigmoid for layer L (the course's L-layer model)."""
    return [get_activation("relu")] * (L - 1) + [get_activation("sigmoid")]


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
    """Cross-entropy J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), a Python float."""
    return binary_cross_entropy(AL, np.asarray(Y).reshape(AL.shape))


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
    cost (dZ[L] = AL - Y).  Returns ``grads`` with keys ``dA{l-1}``, ``dW{l}``, ``db{l}``."""
    Y = np.asarray(Y).reshape(AL.shape)
    return model_backward(AL, Y, caches, _layer_activations(len(caches)), need_dA0=True)


def update_parameters(
    parameters: dict[str, Array], grads: dict[str, Array], learning_rate: float
) -> dict[str, Array]:
    """W[l] := W[l] - alpha dW[l],  b[l] := b[l] - alpha db[l] (in place; returns parameters)."""
    for k, v in parameters.items():
        v -= v.dtype.type(learning_rate) * grads["d" + k]
    return parameters


def predict(X: Array, parameters: dict[str, Array]) -> Array:
    """0/1 labels of shape (1, m): 1 where A[L] > 0.5."""
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(np.int64)
