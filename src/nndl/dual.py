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

``net.params["W1"]`` is kept current without work at every step: the array is materialised in
place, ``W[1] = W[1]_init + C X^T``, when ``net.params`` is read during ``fit`` (a callback,
a checkpoint, the dev cost) and at the end of ``fit``. Callbacks must not *write* ``W1`` during
a dual-form fit (C is what trains).

Continuing is exact: after ``fit`` the model keeps :class:`DualState` (``W[1]_init``, C, a
fingerprint of X (:func:`data_print`) and one of the final W[1]) as ``net.layer1_state``, and
saves it with the model (a checkpoint included). A later full-batch ``fit`` on the same X, with
W[1] unchanged, goes on from it, so 200 + 200 iterations give the bits of 400. The price is one
copy of W[1] and a few milliseconds per ``fit``.
Set ``nndl.dual.enabled = False`` to always use the plain path.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .costs import output_delta
from .errors import NNDLError
from .layers import activation_backward
from .products import matmul
from .propagation import model_backward, model_forward
from .validation import check_number

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray

enabled: bool = True
"""Module switch: ``False`` makes :func:`applicable` always say no (the plain path)."""


def flop_counts(n0: int, n1: int, m: int, iterations: int, materialise_each_step: bool
                ) -> tuple[int, int]:
    """(plain, dual) multiply-add counts of layer 1's products over ``iterations`` steps.

    plain: ``W1 X`` and ``dZ1 X^T`` per step: 2 n1 n0 m.
    dual:  ``P0 = W1 X`` and ``G = X^T X`` (symmetric: n0 m^2 / 2) once, ``C G`` per step
           (n1 m^2), the final ``C X^T`` (n1 n0 m), plus one ``C X^T`` per step when the
           parameters are read at every step (a dev set).
    """
    plain = iterations * 2 * n1 * n0 * m
    per_step = n1 * m * m + (n1 * n0 * m if materialise_each_step else 0)
    dual = n1 * n0 * m + n0 * m * m // 2 + n1 * n0 * m + iterations * per_step
    return plain, dual


def applicable(net: "Network", X: Array, iterations: int, *, optimizer: object = None,
               lambd: float = 0.0, keep_probs: object = None, dev: bool = False) -> bool:
    """Whether the dual form of layer 1 is exact here and does less work than the plain path.

    Exact for full-batch (the caller's part) plain gradient descent (``optimizer`` None or a
    :class:`~nndl.optimizers.GradientDescent`, with or without decay) without L2 or dropout,
    when m < n[0]; chosen when :func:`flop_counts` says it is cheaper (a dev set makes W1 be
    materialised at every epoch).
    """
    from .optimizers import GradientDescent

    if not enabled or lambd or keep_probs is not None:
        return False
    if optimizer is not None and type(optimizer) is not GradientDescent:
        return False
    n0, m = X.shape
    if m >= n0:
        return False
    plain, dual = flop_counts(n0, net.layer_dims[1], m, iterations, dev)
    return dual < plain


def fingerprint(*arrays: "Array | None") -> str:
    """SHA-256 (64 hex digits) of arrays' dtypes, shapes and values in C order, read a block
    at a time (no copy of a C-contiguous array; about 1 ms per MB). ``None`` is skipped. The
    same digest as ``nndl train``'s fingerprint of its data (X, Y)."""
    h = hashlib.sha256()
    for A in arrays:
        if A is None:
            continue
        h.update(f"{A.dtype.str}{A.shape}".encode())
        if A.size == 0:
            continue
        if A.flags.c_contiguous:
            h.update(memoryview(A).cast("B"))
            continue
        step = max(1, (1 << 20) // max(1, A[0].nbytes))
        for r in range(0, A.shape[0], step):
            h.update(np.ascontiguousarray(A[r:r + step]).data)
    return h.hexdigest()


def data_print(X: Array, G: Array, P0: Array) -> str:
    """The fingerprint of X as the dual form uses it, without a pass of hashing over X:
    SHA-256 of X's dtype and shape, ``G = X^T X``, ``P0 = W1_init X`` and a sketch ``r^T X``
    (r: fixed standard normal numbers), all computed anyway or in one pass over X. Another X
    that gave the same bits of all three would also give the dual form the same steps; a sign
    flip, a permutation or an edit of X changes them. The sketch is einsum's own loop, not the
    BLAS's matrix-vector product: its bits then do not depend on the BLAS's thread count (which
    OpenBLAS's gemv's do, and at one thread under load :mod:`nndl.products` would have to run
    it with all threads, whose workers then spin on the cores the step needs)."""
    r = np.random.default_rng(0).standard_normal(X.shape[0]).astype(X.dtype)
    return fingerprint(np.array(f"{X.dtype.str}{X.shape}"), G, P0, np.einsum("i,ij->j", r, X))


@dataclass
class DualState:
    """What continuing the dual form needs: ``W1 = W1_init + C X^T`` for the X whose
    :func:`data_print` is ``x_print``; ``w1_print`` is the fingerprint of W1 when ``fit`` left
    it (None while it trains)."""

    W1_init: Array
    C: Array
    x_print: str
    w1_print: "str | None" = None

    def continues(self, W1: Array, m: int) -> bool:
        """Whether the live W1 is the one this state left, for m samples (X is checked
        apart, by :func:`data_print`)."""
        return (self.C.shape == (W1.shape[0], m) and self.W1_init.shape == W1.shape
                and self.W1_init.dtype == W1.dtype and self.w1_print is not None
                and self.w1_print == fingerprint(W1))


class DualForm:
    """Layer 1 as ``W1 = W1_init + C X^T`` on fixed X (see the module docstring): the
    :class:`~nndl.first_layer.Form` whose trainable arrays are ``C``, b1, W2, b2, ...

    Holds X (a reference), the live ``W1`` array, ``P0 = W1_init X`` (n1, m), ``G = X^T X``
    (m, m) and the :class:`DualState` (``W1_init``, ``C``). The optimizer trains ``C`` with the
    gradient ``dC = (1/m) dZ[1]``, so that ``C := C - alpha dC`` is ``W1 := W1 - alpha dW1``.
    """

    block_bytes: int = 1 << 16
    """Size of the temporaries of ``C X^T`` (made a block of W1's rows at a time, at least one
    row)."""

    def __init__(self, net: "Network", X: Array) -> None:
        self.net, self.X = net, X
        self.params = net.params
        self.W1 = self.params["W1"]
        self.G = matmul(X.T, X)  # NumPy/BLAS computes A^T A as a symmetric rank-k update
        kept, self.state = net.layer1_state, None
        if isinstance(kept, DualState) and kept.continues(self.W1, X.shape[1]):
            self.P0 = matmul(kept.W1_init, X)
            if kept.x_print == data_print(X, self.G, self.P0):
                self.state = kept  # go on from it: the bits of one longer fit
        if self.state is None:
            W1_init = self.W1.copy()
            self.P0 = matmul(W1_init, X)
            self.state = DualState(W1_init, np.zeros((W1_init.shape[0], X.shape[1]),
                                                     dtype=W1_init.dtype),
                                   data_print(X, self.G, self.P0))
        self.state.w1_print = None  # W1 is about to move
        net.layer1_state = self.state
        self.trainable: dict[str, Array] = {
            ("C" if k == "W1" else k): (self.state.C if k == "W1" else v)
            for k, v in self.params.items()}
        self.stale = False
        net.defer_params(self._refresh)

    # --- the Form interface ---------------------------------------------------------------
    def forward_cost(self, X: Array, Y: Array, lambd: float,
                     masks: "Sequence[Array | None] | None") -> tuple[float, Any]:
        """J and the forward pass: Z[1] = P0 + C G + b[1], then layers 2..L by the shared
        propagation code (as a network of their own, renumbered 1..L-1)."""
        t, acts, L = self.trainable, self.net.activations, self.net.L
        Z1 = matmul(self.state.C, self.G)
        Z1 += self.P0
        Z1 += t["b1"]
        A1 = acts[0].forward(Z1)
        if L == 1:
            return self.net.head.cost.value(A1, Y), (Z1, A1, None, None)
        sub = {f"{p}{l - 1}": t[f"{p}{l}"] for l in range(2, L + 1) for p in "Wb"}
        AL, caches = model_forward(A1, sub, acts[1:])
        return self.net.head.cost.value(AL, Y), (Z1, A1, AL, caches)

    def backward(self, work: Any, Y: Array, lambd: float,
                 masks: "Sequence[Array | None] | None") -> dict[str, Array]:
        """``{"dC", "db1", "dW2", "db2", ...}``."""
        Z1, A1, AL, caches = work
        acts, L = self.net.activations, self.net.L
        grads: dict[str, Array] = {}
        if L == 1:
            dZ1 = output_delta(A1, Y)
        else:
            g = model_backward(AL, Y, caches, acts[1:], need_dA0=True)
            dZ1 = activation_backward(g["dA0"], Z1, A1, acts[0], overwrite_dA=True)
            grads = {f"d{p}{l + 1}": g[f"d{p}{l}"] for l in range(1, L) for p in "Wb"}
        inv_m = Z1.dtype.type(1.0 / Z1.shape[1])
        db1 = np.sum(dZ1, axis=1, keepdims=True)
        db1 *= inv_m
        dZ1 *= inv_m
        grads["dC"], grads["db1"] = dZ1, db1
        return grads

    def use(self, arrays: dict[str, Array]) -> None:
        self.trainable = arrays
        for k, v in arrays.items():
            if k == "C":
                self.state.C = v
            else:
                self.params[k] = v
        self.stale = True

    def finish(self) -> None:
        """W1 := W1_init + C X^T (in place); the state keeps W1's fingerprint for continuing.
        Called again (after an error), it does nothing."""
        if self.X is None:
            return
        self.net.defer_params(None)
        self._refresh()
        self.state.w1_print = fingerprint(self.W1)
        self.X = self.P0 = self.G = None  # type: ignore[assignment]

    # --- W1 -------------------------------------------------------------------------------
    def _refresh(self) -> None:
        """W1 := W1_init + C X^T, a block of W1's rows at a time, if C moved since last time."""
        if not self.stale:
            return
        n1, n0 = self.W1.shape
        step = max(1, self.block_bytes // (n0 * self.W1.itemsize))
        C, X, W1_init = self.state.C, self.X, self.state.W1_init
        for r in range(0, n1, step):
            np.add(W1_init[r:r + step], matmul(C[r:r + step], X.T), out=self.W1[r:r + step])
        self.stale = False


# --- saving and loading the state with the model (nndl.io) ---------------------------------
def state_arrays(net: "Network") -> dict[str, Array]:
    """``{"dual/W1_init", "dual/C"}`` of ``net.layer1_state`` (empty without one)."""
    s = net.layer1_state
    if not isinstance(s, DualState):
        return {}
    return {"dual/W1_init": s.W1_init, "dual/C": s.C}


def state_meta(net: "Network") -> "dict | None":
    """The metadata of ``net.layer1_state``: ``{"m", "x_print", "w1_print"}`` (None without
    one). During ``fit`` (a checkpoint) reading ``net.params`` makes W1 current, and its
    fingerprint is taken then; after ``fit``, it is the one of the W1 that ``fit`` left (so a
    W1 changed since does not continue from the state)."""
    s = net.layer1_state
    if not isinstance(s, DualState):
        return None
    w1_print = s.w1_print if s.w1_print is not None else fingerprint(net.params["W1"])
    return {"m": int(s.C.shape[1]), "x_print": s.x_print, "w1_print": w1_print}


def _is_print(v: object) -> bool:
    return isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v)


def state_shapes(meta: object, w1_shape: tuple[int, int]) -> dict[str, tuple[int, int]]:
    """The arrays a model's ``"dual"`` metadata declares, with their shapes; NNDLError when
    the metadata is not valid."""
    if meta is None:
        return {}
    ok = (isinstance(meta, dict) and set(meta) == {"m", "x_print", "w1_print"}
          and _is_print(meta["x_print"]) and _is_print(meta["w1_print"]))
    if ok:
        try:
            check_number("dual m", meta["m"], integer=True, low=1, high=w1_shape[1] - 1)
        except NNDLError:
            ok = False
    if not ok:
        raise NNDLError("dual must be {'m': samples (fewer than n[0]), 'x_print': 64 hex "
                        "digits, 'w1_print': 64 hex digits}")
    return {"dual/W1_init": w1_shape, "dual/C": (w1_shape[0], meta["m"])}


def restore_state(net: "Network", meta: "dict | None", arrays: dict[str, Array]) -> None:
    """Set ``net.layer1_state`` from a model file's ``"dual"`` metadata and arrays."""
    if meta is None:
        return
    net.layer1_state = DualState(np.ascontiguousarray(arrays["dual/W1_init"]),
                                 np.ascontiguousarray(arrays["dual/C"]), meta["x_print"],
                                 meta["w1_print"])
