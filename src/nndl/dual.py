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

from .callbacks import Callback, History
from .costs import output_delta
from .errors import DivergenceError
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
               callbacks: Sequence[Callback] = ()) -> bool:
    """Whether the dual form of layer 1 is exact here and does less work than the plain path.

    The caller guarantees full-batch plain gradient descent on fixed X; this checks m < n[0]
    and the operation counts of :func:`flop_counts`.
    """
    if not enabled:
        return False
    n0, m = X.shape
    if m >= n0:
        return False
    n1 = net.layer_dims[1]
    each = any(_reads_params(cb) for cb in callbacks)
    plain, dual = flop_counts(n0, n1, m, iterations, each)
    return dual < plain


class DualFirstLayer:
    """Layer 1 as ``W1 = W1_init + C X^T`` on fixed X (see the module docstring).

    Holds X (n0, m) (a reference), ``W1_init`` (n1, n0), ``P0 = W1_init X`` (n1, m),
    ``G = X^T X`` (m, m) and ``C`` (n1, m).
    """

    def __init__(self, X: Array, W1: Array) -> None:
        self.X = X
        self.W1_init = W1.copy()
        self.P0 = W1 @ X
        self.G = X.T @ X  # NumPy/BLAS computes A^T A as a symmetric rank-k update
        self.C = np.zeros_like(self.P0)

    def linear_forward(self, b1: Array) -> Array:
        """Z[1] = P0 + C G + b[1]   (n1, m)."""
        Z = self.C @ self.G
        Z += self.P0
        Z += b1
        return Z

    def step(self, dZ1: Array, scale: "np.floating") -> None:
        """C := C - scale dZ[1], with scale = alpha / m (the update W1 := W1 - alpha dW1)."""
        dZ1 *= scale
        self.C -= dZ1

    def materialise(self, out: Array) -> None:
        """out := W1_init + C X^T   (in place, (n1, n0))."""
        np.matmul(self.C, self.X.T, out=out)
        out += self.W1_init


def fit(net: "Network", X: Array, Y: Array, alpha: float, iterations: int,
        callbacks: Sequence[Callback]) -> History:
    """``Network.fit`` (full-batch gradient descent) with layer 1 in the dual form.

    Same contract as :meth:`nndl.Network.fit`: history, callbacks, early stop, and on a non-finite
    cost the last finite parameters are kept and :class:`DivergenceError` is raised.
    """
    L = net.L
    params = net.params
    acts = net.activations
    g1 = acts[0]
    W1, b1 = params["W1"], params["b1"]
    dual = DualFirstLayer(X, W1)
    m = X.shape[1]
    lr = net.dtype.type(alpha)
    scale = net.dtype.type(alpha) * net.dtype.type(1.0 / m)
    inv_m = net.dtype.type(1.0 / m)
    # layers 2..L as a network of their own (the same arrays, renumbered 1..L-1)
    sub = {f"{p}{l - 1}": params[f"{p}{l}"] for l in range(2, L + 1) for p in ("W", "b")}
    trained = {"C": dual.C, "b1": b1, **{k: params[k] for k in params if k not in ("W1", "b1")}}
    last_good = {k: np.empty_like(v) for k, v in trained.items()}
    history = History()
    net.stop_training = False
    stale = False

    def materialise() -> None:
        nonlocal stale
        if stale:
            dual.materialise(W1)
            stale = False

    for cb in callbacks:
        cb.on_train_begin(net, iterations)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(iterations):
                it = net.iterations_done
                Z1 = dual.linear_forward(b1)
                A1 = g1.forward(Z1)
                if L == 1:
                    AL = A1
                    J = net._cost(AL, Y)
                    dZ1 = output_delta(AL, Y)
                    grads: dict[str, Array] = {}
                else:
                    AL, caches = model_forward(A1, sub, acts[1:])
                    J = net._cost(AL, Y)
                    g = model_backward(AL, Y, caches, acts[1:], need_dA0=True)
                    dZ1 = activation_backward(g["dA0"], Z1, A1, g1, overwrite_dA=True)
                    grads = {f"d{p}{l + 1}": g[f"d{p}{l}"] for l in range(1, L) for p in "Wb"}
                if not np.isfinite(J):
                    if len(history) > 0:  # undo the update that led here
                        for k, v in trained.items():
                            np.copyto(v, last_good[k])
                        stale = True
                        history.pop()
                        net.history.pop()
                        net.iterations_done -= 1
                    raise DivergenceError(
                        f"training diverged at iteration {it}: the cost became {J}; the model "
                        "keeps its last finite parameters. Try a smaller learning rate "
                        f"(now {alpha:g}).",
                        iteration=it,
                    )
                for k, v in trained.items():
                    np.copyto(last_good[k], v)
                db1 = np.sum(dZ1, axis=1, keepdims=True)
                db1 *= inv_m
                b1 -= lr * db1
                for k, grad in grads.items():
                    params[k[1:]] -= lr * grad
                dual.step(dZ1, scale)
                stale = True
                history.append(it, J)
                net.history.append(it, J)
                net.iterations_done += 1
                for cb in callbacks:
                    if _reads_params(cb):
                        materialise()
                    cb.on_iteration_end(net, it, J)
                if net.stop_training:
                    break
    finally:
        materialise()
        for cb in callbacks:
            cb.on_train_end(net, history)
    return history
