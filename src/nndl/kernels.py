"""Fused updates (optional, numba): each optimizer's update of a parameter in one pass.

NumPy makes every operation of an update a pass over the whole parameter: momentum's update is
4 passes, RMSprop's 9, Adam's 14 (the ``_delta`` methods of :mod:`nndl.optimizers`; plain
gradient descent's 2 passes gain nothing from fusing and have no kernel). On the wide MLP of ``benchmarks/run.py`` (535 040 parameters, 235
steps an epoch) Adam's passes took 0.25-0.29 s of a ~1.3 s epoch, while PyTorch fuses them
into a few multi-operation kernels. The kernels below do, element by element, **the same operations on
the same dtype in the same order** as those NumPy passes, reading each array once:

====================  =======================================================================
optimizer             per element (every product and quotient rounded to P's dtype, in order)
====================  =======================================================================
momentum              ``v = v * beta + dP * (1 - beta)``; ``out = P - alpha * v``
rmsprop               ``s = s * beta + (dP * dP) * (1 - beta)``;
                      ``out = P - (dP * alpha) / (sqrt(s) + eps)``
adam                  ``m = m * b1 + dP * (1 - b1)``; ``v = v * b2 + (dP * dP) * (1 - b2)``;
                      ``out = P - (m / c1 * alpha) / (sqrt(v / c2) + eps)``,
                      ``c1 = 1 - b1^t``, ``c2 = 1 - b2^t``
====================  =======================================================================

numba compiles them without fast-math, so nothing is reassociated and no multiply-add is
contracted into an FMA: a fused update gives the bits of the NumPy one
(``tests/test_kernels.py`` checks every optimizer, both dtypes, gradients of many magnitudes),
and whether numba is installed never changes a result.

Loading costs about 0.5 s per process (importing numba ~0.3 s, the compiled kernels from
numba's on-disk cache ~0.2 s; the first time on a machine, compiling ~0.5 s per optimizer and
dtype), so ``fit`` loads them (:func:`prepare`) only when its updates promise to save more
(:data:`SAVING_NS` per parameter and step x parameters x steps > :data:`LOAD_S`); once loaded,
every update of the process uses them. Install with ``pip install "nndl[fast]"``; switch off
with ``nndl.kernels.enabled = False`` or the environment variable ``NNDL_KERNELS=0``.
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

import numpy as np

Array = np.ndarray

enabled: bool = os.environ.get("NNDL_KERNELS", "1").strip() not in ("0", "off", "false", "no")
"""Use the fused kernels when numba is installed (and the fit is long enough to pay)."""

LOAD_S = 0.5
"""Seconds to load the kernels into a process (numba's import and its cache), measured."""

SAVING_NS = {"momentum": 0.15, "rmsprop": 0.8, "adam": 1.0}
"""Nanoseconds saved per parameter and step by the fused update against NumPy's passes, a
little under what ``python benchmarks/kernels.py`` measured on the wide MLP's parameters
(float32, AMD EPYC, 2 cores, 2026-12-06: momentum 0.15, rmsprop 0.82, adam 1.24; a fused
plain gradient descent measured 0.00, so it has none and never loads them)."""

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


def prepare(optimizer: str, n_params: int, steps: int) -> bool:
    """Load the kernels (once per process) when ``steps`` updates of ``n_params`` parameters
    with ``optimizer`` save more than loading costs. Returns whether they are in use."""
    global failure
    if not enabled:
        return False
    if _loaded is None:
        if SAVING_NS.get(optimizer, 0.0) * 1e-9 * n_params * steps <= LOAD_S or failure \
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

    return SimpleNamespace(momentum=momentum, rmsprop=rmsprop, adam=adam)
