"""Fused kernels (optional, numba): an optimizer's update, or a layer's bias and ReLU, in one
pass over memory.

NumPy makes every operation a pass over a whole array: momentum's update is 4 passes, RMSprop's
9, Adam's 14 (the ``_delta`` methods of :mod:`nndl.optimizers`; plain gradient descent's 2
passes gain nothing from fusing and have no kernel), and a ReLU layer's ``Z += b`` then
``A = max(Z, 0)`` is 2 passes, its backward ``dA * [Z > 0]`` 2 more (the mask, then the
product). On the wide MLP of ``benchmarks/run.py`` (535 040 parameters, 235 steps an epoch)
Adam's passes took 0.25-0.29 s of a ~1.3 s epoch, while PyTorch fuses them into a few
multi-operation kernels. The kernels below do, element by element, **the same operations on
the same dtype in the same order** as those NumPy passes, reading each array once:

====================  =======================================================================
kernel                per element (every product and quotient rounded to P's dtype, in order)
====================  =======================================================================
momentum              ``v = v * beta + dP * (1 - beta)``; ``out = P - alpha * v``
rmsprop               ``s = s * beta + (dP * dP) * (1 - beta)``;
                      ``out = P - (dP * alpha) / (sqrt(s) + eps)``
adam                  ``m = m * b1 + dP * (1 - b1)``; ``v = v * b2 + (dP * dP) * (1 - b2)``;
                      ``out = P - (m / c1 * alpha) / (sqrt(v / c2) + eps)``,
                      ``c1 = 1 - b1^t``, ``c2 = 1 - b2^t``
relu_forward          ``z = z + b_i``; ``a = z if z > 0 or z is NaN else +0.0`` (NumPy's
                      ``np.maximum(z, 0)``, -0.0 included)
relu_backward         ``dz = da * (1.0 if z > 0 else 0.0)`` (NumPy's ``dA * (Z > 0)``)
====================  =======================================================================

numba compiles them without fast-math, so nothing is reassociated and no multiply-add is
contracted into an FMA: a fused kernel gives the bits of the NumPy passes
(``tests/test_kernels.py`` checks every kernel, both dtypes, values of many magnitudes, signed
zeros, infinities and NaN), and whether numba is installed never changes a result.

Loading costs about 0.5 s per process (importing numba ~0.3 s, the compiled kernels from
numba's on-disk cache ~0.2 s; the first time on a machine, compiling ~0.5 s per kernel and
dtype), so ``fit`` loads them (:func:`prepare`) only when its steps promise to save more
(:data:`SAVING_NS` per parameter and :data:`ACTIVATION_SAVING_NS` per entry of a ReLU layer's
Z, times the steps, > :data:`LOAD_S`); once loaded, every step of the process uses them (the functional API's and
``predict``'s layers too). Install with ``pip install "nndl[fast]"``; switch off with
``nndl.kernels.enabled = False`` or the environment variable ``NNDL_KERNELS=0``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from . import environment

if TYPE_CHECKING:  # pragma: no cover
    from .activations import Activation

Array = np.ndarray

_SWITCH = environment.switch("NNDL_KERNELS", "1")
_OFF = ("0", "off", "false", "no")
_SWITCHES = ("1", "on", "true", "yes", *_OFF)
enabled: bool = _SWITCH not in _OFF
"""Use the fused kernels when numba is installed (and the fit is long enough to pay)."""

LOAD_S = 0.5
"""Seconds to load the kernels into a process (numba's import and its cache), measured."""

SAVING_NS = {"momentum": 0.15, "rmsprop": 0.8, "adam": 1.0}
"""Nanoseconds saved per parameter and step by the fused update against NumPy's passes, a
little under what ``python benchmarks/kernels.py`` measured on the wide MLP's parameters
(float32, AMD EPYC, 2 cores, 2026-12-06: momentum 0.15, rmsprop 0.82, adam 1.24; a fused
plain gradient descent measured 0.00, so it has none and never loads them)."""

ACTIVATION_SAVING_NS = {"relu": 0.5}
"""Nanoseconds saved per entry of Z and step by a layer's fused activation kernels (forward
and backward together), a little under what ``python benchmarks/kernels.py`` measured right
after a product (float32, AMD EPYC, 2 cores, 2026-12-07: 0.57 and 0.60 ns on the wide MLP's
512 x 256 and 256 x 256 layers, 0.57 on the cat recipe's 20 x 209)."""

_loaded: "SimpleNamespace | None" = None
failure: "str | None" = None
"""Why loading failed in this process (then NumPy's passes are used and no load is retried)."""


def available() -> bool:
    """Whether numba can be imported (without importing it)."""
    from importlib.util import find_spec

    return find_spec("numba") is not None


def loaded() -> "SimpleNamespace | None":
    """The compiled kernels when they are loaded and enabled, else None."""
    return _loaded if enabled else None


def saving_s(optimizer: str, n_params: int, steps: int,
             layers: "Iterable[tuple[Activation, int]]" = ()) -> float:
    """Seconds the kernels should save over ``steps`` steps: the updates of ``n_params``
    parameters with ``optimizer``, and each ``(activation, entries of its Z per step)`` of
    ``layers`` whose activation has a kernel."""
    ns = SAVING_NS.get(optimizer, 0.0) * n_params
    for g, entries in layers:
        ns += ACTIVATION_SAVING_NS.get(g.kernel or "", 0.0) * entries
    return ns * 1e-9 * steps


def prepare(optimizer: str, n_params: int, steps: int,
            layers: "Iterable[tuple[Activation, int]]" = ()) -> bool:
    """Load the kernels (once per process) when ``steps`` steps save more than loading costs
    (:func:`saving_s`). Returns whether they are in use."""
    global failure
    environment.check("NNDL_KERNELS", _SWITCH, _SWITCHES)
    if not enabled:
        return False
    if _loaded is None:
        if saving_s(optimizer, n_params, steps, layers) <= LOAD_S or failure \
                or not available():
            return False
        try:
            load()
        except Exception as e:  # a broken numba: the updates stay NumPy's (same results)
            failure = f"{type(e).__name__}: {e}"
            return False
    return True


def load() -> SimpleNamespace:
    """Import numba and define the kernels (compiled lazily per dtype, cached on disk)."""
    global _loaded
    if _loaded is None:
        _loaded = _compile()
    return _loaded


def flat(*arrays: Array) -> "tuple[Array, ...] | None":
    """1-D views of arrays of one shape and dtype (float32 or float64), all C-contiguous;
    None when they are not (the caller then takes NumPy's passes)."""
    first = arrays[0]
    if first.dtype not in (np.float32, np.float64):
        return None
    for a in arrays:
        if a.shape != first.shape or a.dtype != first.dtype or not a.flags.c_contiguous:
            return None
    return tuple(a.reshape(-1) for a in arrays)


def _float_matrix(a: Array, dtype: Any, written: bool = True) -> bool:
    """Whether ``a`` is a C-contiguous 2-D ndarray of ``dtype`` (and writeable if ``written``)."""
    return (type(a) is np.ndarray and a.ndim == 2 and a.dtype == dtype
            and a.flags.c_contiguous and (a.flags.writeable or not written))


def forward(Z: Array, b: Array, g: "Activation") -> "Array | None":
    """``Z += b`` and ``A = g(Z)`` in one pass (Z updated in place, A returned) when a kernel
    of g is loaded and the arrays suit it (Z a C-contiguous float32/float64 matrix, b its
    (n, 1) column of the same dtype); else None, and nothing is done."""
    k = loaded()
    if k is None or g.kernel is None or Z.dtype not in (np.float32, np.float64) \
            or not _float_matrix(Z, Z.dtype) or b.shape != (Z.shape[0], 1) \
            or not _float_matrix(b, Z.dtype, written=False):
        return None
    A = np.empty_like(Z)
    getattr(k, g.kernel + "_forward")(Z, b, A, Z.dtype.type(0))
    return A


def backward_inplace(dA: Array, Z: Array, g: "Activation") -> "Array | None":
    """``dA * g'(Z)`` written into dA in one pass (dA returned) when a kernel of g is loaded
    and the arrays suit it (both C-contiguous float32/float64 matrices of one shape and
    dtype); else None, and nothing is done."""
    k = loaded()
    if k is None or g.kernel is None or dA.dtype not in (np.float32, np.float64) \
            or not _float_matrix(dA, dA.dtype) or Z.shape != dA.shape \
            or not _float_matrix(Z, dA.dtype, written=False):
        return None
    getattr(k, g.kernel + "_backward")(dA, Z, dA.dtype.type(1), dA.dtype.type(0))
    return dA


def _probe() -> None:  # pragma: no cover (only decorated, to ask numba whether it can cache)
    pass


def _compile() -> SimpleNamespace:
    import numba

    try:  # compiled code cached next to this file, or in the user's cache directory
        numba.njit(cache=True)(_probe)
        cache = True
    except RuntimeError:  # neither is writable: compile in every process
        cache = False
    # Each kernel writes the new P into dP (into=True: step_into) or into P: two loops, so
    # that no loop writes an array it reads through another name (LLVM vectorizes a loop
    # only when its arrays do not overlap: an ``out`` that may be P or dP kept it scalar).
    # The state is read from one buffer (m0) and written into the other (m): Optimizer.undo.
    jit = numba.njit(cache=cache, nogil=True, error_model="numpy", fastmath=False)

    @jit
    def momentum(P: Any, dP: Any, into: bool, v0: Any, v: Any, beta: Any, one_minus_beta: Any,
                 lr: Any) -> None:  # pragma: no cover (compiled)
        if into:
            for i in range(P.size):
                v[i] = v0[i] * beta + dP[i] * one_minus_beta
                dP[i] = P[i] - lr * v[i]
        else:
            for i in range(P.size):
                v[i] = v0[i] * beta + dP[i] * one_minus_beta
                P[i] = P[i] - lr * v[i]

    @jit
    def rmsprop(P: Any, dP: Any, into: bool, s0: Any, s: Any, beta: Any, one_minus_beta: Any,
                lr: Any, eps: Any) -> None:  # pragma: no cover (compiled)
        if into:
            for i in range(P.size):
                g = dP[i]
                s[i] = s0[i] * beta + (g * g) * one_minus_beta
                dP[i] = P[i] - (g * lr) / (np.sqrt(s[i]) + eps)
        else:
            for i in range(P.size):
                g = dP[i]
                s[i] = s0[i] * beta + (g * g) * one_minus_beta
                P[i] = P[i] - (g * lr) / (np.sqrt(s[i]) + eps)

    @jit
    def adam(P: Any, dP: Any, into: bool, m0: Any, m: Any, v0: Any, v: Any, b1: Any,
             one_minus_b1: Any, b2: Any, one_minus_b2: Any, c1: Any, c2: Any, lr: Any,
             eps: Any) -> None:  # pragma: no cover (compiled)
        if into:
            for i in range(P.size):
                g = dP[i]
                m[i] = m0[i] * b1 + g * one_minus_b1
                v[i] = v0[i] * b2 + (g * g) * one_minus_b2
                dP[i] = P[i] - (m[i] / c1 * lr) / (np.sqrt(v[i] / c2) + eps)
        else:
            for i in range(P.size):
                g = dP[i]
                m[i] = m0[i] * b1 + g * one_minus_b1
                v[i] = v0[i] * b2 + (g * g) * one_minus_b2
                P[i] = P[i] - (m[i] / c1 * lr) / (np.sqrt(v[i] / c2) + eps)

    @jit
    def relu_forward(Z: Any, b: Any, A: Any, zero: Any) -> None:  # pragma: no cover (compiled)
        n, m = Z.shape
        for i in range(n):
            bi = b[i, 0]
            for j in range(m):
                z = Z[i, j] + bi
                Z[i, j] = z
                # np.maximum(z, 0): z if z > 0 or z is NaN, else +0.0 (for -0.0 too)
                A[i, j] = z if (z > zero or z != z) else zero

    @jit
    def relu_backward(dA: Any, Z: Any, one: Any, zero: Any) -> None:  # pragma: no cover
        n, m = Z.shape
        for i in range(n):
            for j in range(m):
                dA[i, j] = dA[i, j] * (one if Z[i, j] > zero else zero)

    return SimpleNamespace(momentum=momentum, rmsprop=rmsprop, adam=adam,
                           relu_forward=relu_forward, relu_backward=relu_backward)
