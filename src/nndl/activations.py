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

A leaky ReLU with another slope is named ``"leaky_relu:0.2"``; in code ``leaky_relu(0.2)`` makes
that activation from its slope, applied as ``leaky_relu(0.2).forward(Z)``.
All functions keep the dtype of a float input (float32 stays float32); they take array-likes
as :mod:`nndl.functional` does (lists, numbers, integer and boolean arrays as float64: see
:func:`public`) and refuse anything else with an NNDLError.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import NNDLError
from .validation import as_real_array, check_number

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One activation g: ``forward(Z) -> A`` and ``backward(dA, Z, A) -> dZ = dA * g'(Z)``.

    The table's element-wise activations write g' once, as the factors of
    :class:`Derivative`, which gives ``backward``, ``derivative`` and ``backward_inplace``.
    """

    name: str
    forward: Callable[[Array], Array]
    backward: Callable[[Array, Array, Array], Array]
    derivative: Callable[[Array, Array], Array]
    """g'(Z) element-wise, given Z and A = g(Z) (for softmax: the diagonal of the Jacobian)."""
    backward_inplace: "Callable[[Array, Array, Array], Array] | None" = None
    """Like ``backward`` but overwrites ``dA`` with dZ (no new array), for callers that own dA
    (training: dA[l-1] = W[l]^T dZ[l] is a fresh temporary). Same values for finite dA."""
    elementwise: bool = True
    """Whether g acts on each z alone (softmax does not: it normalizes each column)."""
    kernel: "str | None" = None
    """The name of this activation's fused kernels in :mod:`nndl.kernels` (``Z += b`` and
    ``A = g(Z)`` in one pass; ``dA * g'(Z)`` in place), which give the same bits as
    ``forward`` and ``backward_inplace``; None: NumPy's passes only."""

    def __call__(self, Z: Array) -> Array:
        return self.forward(Z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


class Derivative:
    """g'(Z) of an element-wise activation, written once: ``factors(Z, A)`` returns the
    factors whose product is g'(Z) (none for g' = 1), and

    - ``backward(dA, Z, A)``  = dA * f1 * f2 ...   (left to right: the notes' dA * g'(Z)),
    - ``backward_inplace``    : the same products written into dA,
    - ``derivative(Z, A)``    = f1 * f2 ... in Z's dtype.

    A class, not closures, so that models pickle (joblib, deepcopy)."""

    def __init__(self, factors: Callable[[Array, Array], tuple]) -> None:
        self.factors = factors

    def derivative(self, Z: Array, A: Array) -> Array:
        fs = self.factors(Z, A)
        if not fs:
            return np.ones_like(Z)
        D = fs[0]
        for f in fs[1:]:
            D = D * f
        return D.astype(Z.dtype, copy=False)

    def backward(self, dA: Array, Z: Array, A: Array) -> Array:
        dZ = dA
        for f in self.factors(Z, A):
            dZ = dZ * f
        return dZ

    def backward_inplace(self, dA: Array, Z: Array, A: Array) -> Array:
        for f in self.factors(Z, A):
            np.multiply(dA, f, out=dA)
        return dA


def elementwise(name: str, forward: Callable[[Array], Array],
                factors: Callable[[Array, Array], tuple],
                kernel: "str | None" = None) -> Activation:
    """The :class:`Activation` of g = ``forward`` with g'(Z) = the product of ``factors``
    (and the fused ``kernel`` of :mod:`nndl.kernels` that computes the same, if any)."""
    d = Derivative(factors)
    return Activation(name, forward, d.backward, d.derivative, d.backward_inplace,
                      kernel=kernel)


def public(g: Callable[[Array], Array], Z: object) -> Array:
    """g(Z) for a Z that is not a float array of one dimension or more (what training passes,
    which every g takes as it is, checked by ``type`` only: ~0.1 us of a call): lists,
    numbers, integer and boolean arrays as float64 (a number gives a NumPy float back);
    NNDLError for text, objects or complex numbers (:func:`nndl.validation.as_real_array`)."""
    A = as_real_array("Z", Z)
    return g(A.reshape(1))[0] if A.ndim == 0 else g(A)


# --- the maximum of an array and a number ---------------------------------------------------
CHUNK = 2**17
"""Elements per call of :func:`maximum`, the length of its arrays of a number (512 KB of
float32): long enough that the Python loop over chunks costs nothing."""

SMALL = 2**14
"""Below this many elements :func:`maximum` is ``np.maximum(Z, c)``: its own ~3 us of Python
cost more than the faster loop saves (they break even near 15 000 elements)."""

FILLED = 8
"""The most arrays of a number :func:`maximum` keeps (the oldest goes first): relu's zeros
and a few leaky ReLU slopes."""

_filled: dict[tuple[str, bytes], Array] = {}


def maximum(Z: Array, c: float, out: "Array | None" = None) -> Array:
    """``np.maximum(Z, c)`` for a number c: the same bits, 2-3x faster on large float arrays.

    NumPy's vectorized (SIMD) loop for the maximum takes two arrays; against a number it runs
    a slower loop (np.maximum(Z, 0) of a 512 x 256 float32 Z: 49 us, against 18 us for Z and
    an array of zeros; AMD EPYC, NumPy 2.4). So a C- or Fortran-ordered float Z is compared,
    CHUNK elements at a time, with a cached array that holds c (``out``, if given, in Z's
    memory order); small arrays, other dtypes and layouts take ``np.maximum(Z, c)``. The
    maximum of two numbers does not depend on which loop takes it (NaN and signed zeros
    included: tests/test_activations.py checks the bits)."""
    if (not isinstance(Z, np.ndarray) or Z.size < SMALL  # the common small case first
            or Z.dtype not in (np.float32, np.float64)):
        return np.maximum(Z, c, out=out)
    if out is None:
        out = np.empty_like(Z)
    zf, of = _flat(Z, out)
    if zf is None:
        return np.maximum(Z, c, out=out)
    key = (Z.dtype.str, Z.dtype.type(c).tobytes())  # the bits: -0.0 is not 0.0
    cs = _filled.get(key)
    if cs is None or cs.size != CHUNK:
        if len(_filled) >= FILLED:
            del _filled[next(iter(_filled))]
        cs = _filled[key] = np.full(CHUNK, c, dtype=Z.dtype)
        cs.flags.writeable = False
    n = zf.size
    for i in range(0, n, CHUNK):
        j = min(i + CHUNK, n)
        np.maximum(zf[i:j], cs[:j - i], out=of[i:j])
    return out


def _flat(Z: Array, out: Array) -> "tuple[Array, Array] | tuple[None, None]":
    """Z and out as 1-d views of their elements in the same order (both C- or both
    Fortran-ordered, of one shape), else (None, None)."""
    if Z.shape == out.shape:
        if Z.flags.c_contiguous and out.flags.c_contiguous:
            return Z.reshape(-1), out.reshape(-1)
        if Z.flags.f_contiguous and out.flags.f_contiguous:
            return Z.T.reshape(-1), out.T.reshape(-1)
    return None, None


# --- sigmoid --------------------------------------------------------------------------------
def sigmoid(Z: Array) -> Array:
    """sigma(z) = 1 / (1 + e^-z), computed without overflow and to full relative precision.

    With ``e = e^-|z|``: sigma(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, so that
    neither branch overflows and small outputs keep their digits. The numerator is
    ``max(e, [z >= 0])``, the same numbers as ``np.where(z >= 0, 1, e)`` (NaN included) without
    its branch per element, which random signs mispredict: 4x faster on a 512 x 256 Z.
    """
    if type(Z) is not np.ndarray or Z.dtype.kind != "f" or not Z.ndim:
        return public(sigmoid, Z)
    E = np.abs(Z)
    np.negative(E, out=E)
    np.exp(E, out=E)
    A = np.maximum(E, Z >= 0)  # the numerator: 1 where z >= 0 (as e <= 1), else e (e >= 0)
    A /= 1 + E
    return A


def _sigmoid_prime(Z: Array, A: Array) -> tuple[Array, Array]:
    """sigma'(z) = a (1 - a)."""
    return A, 1 - A


# --- tanh -----------------------------------------------------------------------------------
def tanh(Z: Array) -> Array:
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    if type(Z) is not np.ndarray or Z.dtype.kind != "f" or not Z.ndim:
        return public(tanh, Z)
    return np.tanh(Z)


def _tanh_prime(Z: Array, A: Array) -> tuple[Array]:
    """tanh'(z) = 1 - a^2 (one temporary: a^2, then 1 - a^2 in its place)."""
    T = A * A
    np.subtract(1, T, out=T)
    return (T,)


# --- relu -----------------------------------------------------------------------------------
def relu(Z: Array) -> Array:
    """relu(z) = max(0, z)."""
    if type(Z) is not np.ndarray or Z.dtype.kind != "f" or not Z.ndim:
        return public(relu, Z)
    return maximum(Z, 0)


def _relu_prime(Z: Array, A: Array) -> tuple[Array]:
    """relu'(z) = [z > 0]; at z = 0 we pick 0 (as the course's code does). A boolean factor:
    dA * [Z > 0] is branch-free (a masked assignment is ~10x slower on random signs); it gives
    -0.0 instead of 0.0 where dA < 0 and Z <= 0, which compares and sums as 0."""
    return (Z > 0,)


# --- leaky relu -----------------------------------------------------------------------------
class _Leaky:
    """The leaky ReLU of one slope (a class, not closures, so that models pickle for joblib)."""

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, Z: Array) -> Array:
        """leaky_relu(z) = max(slope z, z) = z * leaky_relu'(z)   (0 <= slope < 1).

        Both forms give the same bits: for z > 0, slope z rounds to at most z; for z <= 0
        (and -0.0) to at least z; for a NaN z both give ``slope * z``, the first operand (a
        signalling NaN comes out quiet). Only slope 0 at z = +inf differs (0 * inf is NaN,
        the product form gives inf), so slope 0 takes the product. The maximum of two arrays
        is NumPy's vectorized loop, without a factor array and without np.where's branch per
        element (~10x slower on random signs)."""
        if type(Z) is not np.ndarray or Z.dtype.kind != "f" or not Z.ndim:
            return public(self.forward, Z)
        if self.slope == 0:
            return Z * self.factors(Z, Z)[0]
        return np.maximum(Z * Z.dtype.type(self.slope), Z)

    def factors(self, Z: Array, A: Array) -> tuple[Array]:
        """leaky_relu'(z) = 1 if z > 0 else slope (at 0: slope): max([z > 0], slope)."""
        D = (Z > 0).astype(Z.dtype)
        return (maximum(D, self.slope, out=D),)


def _make_leaky(slope: float) -> Activation:
    g = _Leaky(slope)
    name = "leaky_relu" if slope == 0.01 else f"leaky_relu:{slope!r}"
    return elementwise(name, g.forward, g.factors)


def leaky_relu(slope: float = 0.01) -> Activation:
    """The leaky ReLU activation ``max(slope * z, z)`` of the given slope (0 <= slope < 1),
    made from its slope, not applied: ``nndl.leaky_relu(0.2).forward(Z)`` (unlike
    ``nndl.relu(Z)``); ``nndl.leaky_relu().forward(Z)`` has slope 0.01."""
    return _make_leaky(float(check_number(
        "leaky_relu slope", slope, low=0, high=1, high_open=True,
        expected="in [0, 1) (leaky_relu(slope) makes the activation from its slope; apply it "
                 "as nndl.leaky_relu(0.2).forward(Z))")))


# --- linear ---------------------------------------------------------------------------------
def linear(Z: Array) -> Array:
    """linear(z) = z (identity): Z itself for a float array."""
    if type(Z) is not np.ndarray or Z.dtype.kind != "f" or not Z.ndim:
        return public(linear, Z)
    return Z


def _linear_prime(Z: Array, A: Array) -> tuple:
    """linear'(z) = 1: no factor (dZ = dA)."""
    return ()


# --- softmax --------------------------------------------------------------------------------
def softmax(Z: Array) -> Array:
    """softmax(z)_i = e^{z_i} / sum_j e^{z_j}, per column (sample); shifted by max for safety."""
    if type(Z) is not np.ndarray or Z.dtype.kind != "f" or not Z.ndim:
        return public(softmax, Z)
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
    "sigmoid": elementwise("sigmoid", sigmoid, _sigmoid_prime),
    "tanh": elementwise("tanh", tanh, _tanh_prime),
    "relu": elementwise("relu", relu, _relu_prime, kernel="relu"),
    "leaky_relu": _make_leaky(0.01),
    "linear": elementwise("linear", linear, _linear_prime),
    "softmax": Activation("softmax", softmax, _softmax_backward, softmax_derivative,
                          elementwise=False),
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
