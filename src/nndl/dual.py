"""The exact dual form of layer 1 for full-batch gradient descent with fewer samples than inputs.

The math (notes' notation, samples are columns, X is (n[0], m), W[1] is (n[1], n[0])):

    dW[1] = (1/m) dZ[1] X^T        =>   every update  W[1] := W[1] - alpha dW[1]
                                        adds  -(alpha/m) dZ[1] X^T,  a matrix whose rows lie in
                                        the span of the m samples.

So, on fixed data, after any number of full-batch steps

    W[1] = W[1]_init + C X^T,          C of shape (n[1], m), C = 0 at the start,
    Z[1] = W[1] X + b[1] = P0 + C G + b[1],   with  P0 = W[1]_init X  (n[1], m)
                                                    G  = X^T X         (m, m), both computed once,
    C   := C - (alpha/m) dZ[1]                 (the update of W[1], written for C).

Per step, layer 1 then costs O(n[1] m^2) (the product C G) instead of O(n[1] n[0] m) for
``W[1] X`` plus the same again for ``dZ[1] X^T``; when m < n[0] that is less work, and the
result is the same as the plain path up to floating-point rounding (``tests/test_dual.py``
checks costs to rtol 1e-10 in float64). Layers 2..L and b[1] are trained exactly as in the plain
path, with the same functions (:mod:`nndl.propagation`, :mod:`nndl.layers`).

The rule for ``net.params["W1"]`` (the "live" parameters): during a dual-form ``fit`` the
array is *not* updated at every step; it is materialised in place (same array object),
``W[1] = W[1]_init + C X^T``:

- at the end of ``fit`` (always, also after an early stop or an error),
- before every callback hook whose callback does not declare ``reads_params = False``
  (so a callback that reads ``net.params`` sees exactly what the plain path would show it).

Callbacks must not *write* ``W1`` during a dual-form fit (the dual state C is what trains).
``fit`` takes this path only when it is cheaper by a count of floating-point operations
(:func:`applicable`); set ``nndl.dual.enabled = False`` to always use the plain path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from .callbacks import Callback
from .costs import output_delta
from .layers import activation_backward
from .propagation import model_backward, model_forward

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray

enabled: bool = True
"""Module switch: ``False`` makes :func:`applicable` always say no (the plain path)."""


def _reads_params(cb: Callback) -> bool:
    return bool(getattr(cb, "reads_params", True))


def flop_counts(n0: int, n1: int, m: int, iterations: int, materialise_each_step: bool
                ) -> tuple[int, int]:
    """(plain, dual) multiply-add counts of layer 1's products over ``iterations`` steps.

    plain: ``W1 X`` and ``dZ1 X^T`` per step: 2 n1 n0 m.
    dual:  ``P0 = W1 X`` and ``G = X^T X`` (symmetric: n0 m^2 / 2) once, ``C G`` per step
           (n1 m^2), the final ``C X^T`` (n1 n0 m), plus one ``C X^T`` per step when a callback
           reads the parameters.
    """
    plain = iterations * 2 * n1 * n0 * m
    per_step = n1 * m * m + (n1 * n0 * m if materialise_each_step else 0)
    dual = n1 * n0 * m + n0 * m * m // 2 + n1 * n0 * m + iterations * per_step
    return plain, dual


def applicable(net: "Network", X: Array, iterations: int,
               callbacks: Sequence[Callback] = (), *, optimizer: object = None,
               lambd: float = 0.0, keep_probs: object = None, dev: bool = False) -> bool:
    """Whether the dual form of layer 1 is exact here and does less work than the plain path.

    Exact for full-batch (the caller's part) plain gradient descent (``optimizer`` None or a
    :class:`~nndl.optimizers.GradientDescent`, with or without decay) without L2 or dropout,
    when m < n[0]; chosen when :func:`flop_counts` says it is cheaper (a dev set or a callback
    that reads the parameters makes W1 be materialised at every step).
    """
    from .optimizers import GradientDescent

    if not enabled or lambd or keep_probs is not None:
        return False
    if optimizer is not None and type(optimizer) is not GradientDescent:
        return False
    n0, m = X.shape
    if m >= n0:
        return False
    n1 = net.layer_dims[1]
    each = dev or any(_reads_params(cb) for cb in callbacks)
    plain, dual = flop_counts(n0, n1, m, iterations, each)
    return dual < plain


class DualFirstLayer:
    """Layer 1 as ``W1 = W1_init + C X^T`` on fixed X (see the module docstring).

    Holds X (n0, m) (a reference), ``W1`` (the live array), ``P0 = W1_init X`` (n1, m),
    ``G = X^T X`` (m, m) and ``C`` (n1, m). The live W1 array itself holds W1_init until
    :meth:`finish` adds ``C X^T`` to it in place, so training keeps no second (n1, n0) array;
    only a :meth:`sync` during training (a callback that reads the parameters) makes the copy
    ``W1_init`` that later syncs start from.
    ``Network.fit`` trains ``C`` in place of ``W1`` with the gradient ``dC = (1/m) dZ[1]``, so
    that the optimizer's ``C := C - alpha dC`` is exactly ``W1 := W1 - alpha dW1``.
    """

    block_bytes: int = 1 << 16
    """Size of the temporaries of ``C X^T`` (it is made a block of W1's rows at a time, at
    least one row)."""

    def __init__(self, X: Array, W1: Array) -> None:
        self.X = X
        self.W1 = W1
        self.W1_init: "Array | None" = None
        self.P0 = W1 @ X
        self.G = X.T @ X  # NumPy/BLAS computes A^T A as a symmetric rank-k update
        self.C = np.zeros_like(self.P0)
        self.stale = False

    def trainable(self, params: dict[str, Array]) -> dict[str, Array]:
        """What the optimizer updates: ``C`` in place of ``W1``, then b1, W2, b2, ..."""
        return {("C" if k == "W1" else k): (self.C if k == "W1" else v)
                for k, v in params.items()}

    def linear_forward(self, b1: Array) -> Array:
        """Z[1] = P0 + C G + b[1]   (n1, m)."""
        Z = self.C @ self.G
        Z += self.P0
        Z += b1
        return Z

    def gradients(self, net: "Network", Y: Array) -> tuple[float, dict[str, Array]]:
        """J and ``{"dC", "db1", "dW2", ...}``: layers 2..L by the shared propagation code."""
        params, acts, L = net.params, net.activations, net.L
        Z1 = self.linear_forward(params["b1"])
        A1 = acts[0].forward(Z1)
        grads: dict[str, Array] = {}
        if L == 1:
            J = net._cost(A1, Y)
            dZ1 = output_delta(A1, Y)
        else:  # layers 2..L as a network of their own (the same arrays, renumbered 1..L-1)
            sub = {f"{p}{l - 1}": params[f"{p}{l}"] for l in range(2, L + 1) for p in "Wb"}
            AL, caches = model_forward(A1, sub, acts[1:])
            J = net._cost(AL, Y)
            g = model_backward(AL, Y, caches, acts[1:], need_dA0=True)
            dZ1 = activation_backward(g["dA0"], Z1, A1, acts[0], overwrite_dA=True)
            grads = {f"d{p}{l + 1}": g[f"d{p}{l}"] for l in range(1, L) for p in "Wb"}
        inv_m = Z1.dtype.type(1.0 / Z1.shape[1])
        db1 = np.sum(dZ1, axis=1, keepdims=True)
        db1 *= inv_m
        dZ1 *= inv_m
        grads["dC"], grads["db1"] = dZ1, db1
        return J, grads

    def _materialise(self, base: Array) -> None:
        """W1 := base + C X^T, a block of W1's rows at a time (``base`` may be W1 itself: rows
        are contiguous, so adding in place needs no copy)."""
        n1, n0 = self.W1.shape
        step = max(1, self.block_bytes // (n0 * self.W1.itemsize))
        for r in range(0, n1, step):
            np.add(base[r:r + step], self.C[r:r + step] @ self.X.T, out=self.W1[r:r + step])
        self.stale = False

    def sync(self) -> None:
        """During training: materialise the live W1 := W1_init + C X^T (in place) if C moved
        since last time; the first time, W1_init is copied out of W1 to start from later."""
        if self.stale:
            if self.W1_init is None:
                self.W1_init = self.W1.copy()
            self._materialise(self.W1_init)

    def finish(self) -> None:
        """At the end of training: W1 := W1_init + C X^T, in place (no copy when W1 still holds
        W1_init). The same numbers as :meth:`sync`. C must not move afterwards."""
        if self.stale:
            self._materialise(self.W1 if self.W1_init is None else self.W1_init)

    def sync_for(self, cb: Callback) -> None:
        """Materialise W1 before a callback that may read the parameters."""
        if _reads_params(cb):
            self.sync()
