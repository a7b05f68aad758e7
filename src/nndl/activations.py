"""Activation functions g(z) and their derivatives g'(z), as a table.

Each entry maps a name to an :class:`Activation`: the function ``g`` and ``backward``, which
turns ``dA`` into ``dZ = dA * g'(Z)`` (the notes' element-wise product). Derivatives are written
with ``a = g(z)`` where the notes do (sigmoid, tanh), so no exponential is recomputed.

| name        | g(z)                         | g'(z)                              |
|-------------|------------------------------|------------------------------------|
| sigmoid     | 1 / (1 + e^-z)               | a (1 - a)                          |
| tanh        | (e^z - e^-z) / (e^z + e^-z)  | 1 - a^2                            |
| relu        | max(0, z)                    | 1 if z > 0 else 0  (g'(0) := 0)    |
| leaky_relu  | max(slope z, z), slope 0.01  | 1 if z > 0 else slope (g'(0) := slope) |
| linear      | z                            | 1                                  |
| softmax     | e^z_i / sum_j e^z_j (column) | Jacobian diag(a) - a a^T           |

A leaky ReLU with another slope is named ``"leaky_relu:0.2"`` (or ``leaky_relu(0.2)`` in code).
All functions keep the dtype of their input (float32 stays float32).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import NNDLError

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One activation g: ``forward(Z) -> A`` and ``backward(dA, Z, A) -> dZ = dA * g'(Z)``."""

    name: str
    forward: Callable[[Array], Array]
    backward: Callable[[Array, Array, Array], Array]
    derivative: Callable[[Array, Array], Array]
    """g'(Z) element-wise, given Z and A = g(Z) (for softmax: the diagonal of the Jacobian)."""
    backward_inplace: "Callable[[Array, Array, Array], Array] | None" = None
    """Like ``backward`` but overwrites ``dA`` with dZ (no new array), for callers that own dA
    (training: dA[l-1] = W[l]^T dZ[l] is a fresh temporary). Same values for finite dA."""

    def __call__(self, Z: Array) -> Array:
        return self.forward(Z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


# --- sigmoid --------------------------------------------------------------------------------
def sigmoid(Z: Array) -> Array:
    """sigma(z) = 1 / (1 + e^-z), computed without overflow and to full relative precision.

    With ``e = e^-|z|``: sigma(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, so that
    neither branch overflows and small outputs keep their digits.
    """
    E = np.abs(Z)
    np.negative(E, out=E)
    np.exp(E, out=E)
    A = np.where(Z >= 0, Z.dtype.type(1), E)
    A /= 1 + E
    return A


def sigmoid_derivative(Z: Array, A: Array) -> Array:
    """sigma'(z) = a (1 - a)."""
    return A * (1 - A)


def _sigmoid_backward(dA: Array, Z: Array, A: Array) -> Array:
    return dA * A * (1 - A)


def _sigmoid_backward_inplace(dA: Array, Z: Array, A: Array) -> Array:
    dA *= A  # (dA * A) * (1 - A): the same operations, in the same order, as above
    dA *= 1 - A
    return dA


# --- tanh -----------------------------------------------------------------------------------
def tanh(Z: Array) -> Array:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return np.tanh(Z)


def tanh_derivative(Z: Array, A: Array) -> Array:
    """tanh'(z) = 1 - a^2."""
    return 1 - A * A


def _tanh_backward(dA: Array, Z: Array, A: Array) -> Array:
    return dA * (1 - A * A)


def _tanh_backward_inplace(dA: Array, Z: Array, A: Array) -> Array:
    T = A * A
    np.subtract(1, T, out=T)
    dA *= T
    return dA


# --- relu -----------------------------------------------------------------------------------
def relu(Z: Array) -> Array:
    """relu(z) = max(0, z)."""
    return np.maximum(Z, 0)


def relu_derivative(Z: Array, A: Array) -> Array:
    """relu'(z) = 1 if z > 0 else 0; at z = 0 we pick 0 (as the course's code does)."""
    return (Z > 0).astype(Z.dtype)


def _relu_backward(dA: Array, Z: Array, A: Array) -> Array:
    # dA * [Z > 0]: branch-free (a masked assignment is ~10x slower on random signs); gives
    # -0.0 instead of 0.0 where dA < 0 and Z <= 0, which compares and sums as 0.
    return dA * (Z > 0)


def _relu_backward_inplace(dA: Array, Z: Array, A: Array) -> Array:
    return np.multiply(dA, Z > 0, out=dA)


# --- leaky relu -----------------------------------------------------------------------------
class _Leaky:
    """The leaky ReLU of one slope (a class, not closures, so that models pickle for joblib)."""

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, Z: Array) -> Array:
        """leaky_relu(z) = max(slope z, z) = z * leaky_relu'(z)   (0 <= slope < 1). Written
        branch-free, as a product: np.where is ~10x slower on random signs."""
        return Z * self.derivative(Z, Z)

    def derivative(self, Z: Array, A: Array) -> Array:
        """leaky_relu'(z) = 1 if z > 0 else slope (at 0: slope): max([z > 0], slope)."""
        D = (Z > 0).astype(Z.dtype)
        return np.maximum(D, Z.dtype.type(self.slope), out=D)

    def backward(self, dA: Array, Z: Array, A: Array) -> Array:
        return dA * self.derivative(Z, A)

    def backward_inplace(self, dA: Array, Z: Array, A: Array) -> Array:
        dA *= self.derivative(Z, A)
        return dA


def _make_leaky(slope: float) -> Activation:
    g = _Leaky(slope)
    name = "leaky_relu" if slope == 0.01 else f"leaky_relu:{slope!r}"
    return Activation(name, g.forward, g.backward, g.derivative, g.backward_inplace)


def leaky_relu(slope: float = 0.01) -> Activation:
    """The leaky ReLU ``max(slope * z, z)`` with the given slope (0 <= slope < 1)."""
    slope = float(slope)
    if not (0.0 <= slope < 1.0) or not np.isfinite(slope):
        raise NNDLError(f"leaky_relu slope must be in [0, 1); got {slope!r}")
    return _make_leaky(slope)


# --- linear ---------------------------------------------------------------------------------
def linear(Z: Array) -> Array:
    """linear(z) = z (identity)."""
    return Z


def linear_derivative(Z: Array, A: Array) -> Array:
    """linear'(z) = 1."""
    return np.ones_like(Z)


def _linear_backward(dA: Array, Z: Array, A: Array) -> Array:
    return dA


# --- softmax --------------------------------------------------------------------------------
def softmax(Z: Array) -> Array:
    """softmax(z)_i = e^{z_i} / sum_j e^{z_j}, per column (sample); shifted by max for safety."""
    E = Z - Z.max(axis=0, keepdims=True)
    np.exp(E, out=E)
    E /= E.sum(axis=0, keepdims=True)
    return E


def softmax_derivative(Z: Array, A: Array) -> Array:
    """Diagonal of the softmax Jacobian, a_i (1 - a_i) (the full Jacobian is diag(a) - a a^T)."""
    return A * (1 - A)


def _softmax_backward(dA: Array, Z: Array, A: Array) -> Array:
    # dZ = J^T dA per column, J = diag(a) - a a^T  =>  dZ = a * (dA - sum_i a_i dA_i)
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward, sigmoid_derivative,
                          _sigmoid_backward_inplace),
    "tanh": Activation("tanh", tanh, _tanh_backward, tanh_derivative, _tanh_backward_inplace),
    "relu": Activation("relu", relu, _relu_backward, relu_derivative, _relu_backward_inplace),
    "leaky_relu": _make_leaky(0.01),
    "linear": Activation("linear", linear, _linear_backward, linear_derivative,
                         _linear_backward),
    "softmax": Activation("softmax", softmax, _softmax_backward, softmax_derivative),
}
"""The table: activation name -> Activation. ``"identity"`` is an alias of ``"linear"``."""

_ALIASES = {"identity": "linear", "leaky": "leaky_relu", "logistic": "sigmoid"}


def get_activation(spec: "str | Activation") -> Activation:
    """Resolve an activation name (``"relu"``, ``"leaky_relu:0.2"``, ...) or pass one through."""
    if isinstance(spec, Activation):
        return spec
    if not isinstance(spec, str):
        raise NNDLError(
            f"an activation must be a name (one of {sorted(ACTIVATIONS)}); got {spec!r}"
        )
    name = _ALIASES.get(spec.strip().lower(), spec.strip().lower())
    if name.startswith("leaky_relu:"):
        try:
            slope = float(name.split(":", 1)[1])
        except ValueError:
            raise NNDLError(
                f"leaky ReLU with a slope is written 'leaky_relu:0.2'; got {spec!r}"
            ) from None
        return leaky_relu(slope)
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise NNDLError(
            f"unknown activation {spec!r}; expected one of {sorted(ACTIVATIONS)}"
            " (or 'leaky_relu:SLOPE')"
        ) from None
