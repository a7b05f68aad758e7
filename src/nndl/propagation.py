"""Forward and backward propagation through all L layers (the notes' L-layer loops).

``caches[l-1] = ((A[l-1], W[l], b[l]), Z[l])`` — the course's cache layout: the "linear cache"
and the "activation cache" of layer l. ``A[l]`` itself is the ``A_prev`` of layer l+1's cache
(and ``A[L]`` is returned), so backward never recomputes an activation.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .activations import Activation
from .costs import output_delta
from .layers import activation_backward, layer_forward, linear_backward
from .regularization import add_l2_gradient

Array = np.ndarray
Cache = tuple[tuple[Array, Array, Array], Array]


def n_layers(params: dict[str, Array]) -> int:
    """L, the number of layers with parameters (W1..WL)."""
    return len(params) // 2


def model_forward(
    X: Array, params: dict[str, Array], activations: Sequence[Activation],
    masks: "Sequence[Array | None] | None" = None,
) -> tuple[Array, list[Cache]]:
    """A[0] = X;  for l = 1..L:  Z[l] = W[l] A[l-1] + b[l],  A[l] = g[l](Z[l]).

    With inverted-dropout ``masks`` (one per layer, ``None`` for none; see
    :func:`nndl.regularization.dropout_masks`), a hidden layer's output becomes
    ``A[l] * D[l]`` before it enters layer l+1 (and that dropped A[l] is what layer l+1 caches).

    Returns ``(A[L], caches)`` with A[L] of shape (n[L], m) and one cache per layer.
    """
    A = X
    caches: list[Cache] = []
    L = len(activations)
    for l, g in enumerate(activations, start=1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z, A_next = layer_forward(A, W, b, g)
        caches.append(((A, W, b), Z))
        A = A_next
        if masks is not None and l < L and masks[l - 1] is not None:
            A = A * masks[l - 1]
    return A, caches


FORWARD_CHUNK_BYTES = 64 * 2**20
"""The most bytes the arrays of one layer's forward step (A[l-1], Z[l], A[l]) may take in
:func:`predict_forward` before it goes through the samples in chunks of columns: inference
(predict, evaluate, the scores of a fit) then needs bounded memory whatever m is, as Keras's
``predict`` batches its input. Smaller inputs take the one full pass they always took."""


def forward_bytes_per_sample(params: dict[str, Array], dtype: "np.dtype | type") -> int:
    """Bytes that one sample takes at the widest step of :func:`predict_forward`: the most,
    over the layers, of n[l-1] + 2 n[l] numbers (A[l-1] is held while Z[l] and A[l] are
    made)."""
    itemsize = np.dtype(dtype).itemsize
    widest = max(W.shape[1] + 2 * W.shape[0]
                 for k, W in params.items() if k.startswith("W"))
    return widest * itemsize


def forward_chunks(m: int, per_sample: int, bound: "int | None" = None) -> list[tuple[int, int]]:
    """Column ranges ``[(j0, j1), ...]`` covering 0..m whose step arrays (``per_sample`` bytes
    a column) stay within ``bound`` (default :data:`FORWARD_CHUNK_BYTES`): one range when all
    m fit, else ranges of nearly equal sizes (no small last one, whose product a BLAS may
    compute another way)."""
    bound = FORWARD_CHUNK_BYTES if bound is None else bound
    most = max(1, bound // max(per_sample, 1))
    if m <= most:
        return [(0, m)]
    n = -(-m // most)
    cuts = [i * m // n for i in range(n + 1)]
    return list(zip(cuts[:-1], cuts[1:]))


def predict_forward(
    X: Array, params: dict[str, Array], activations: Sequence[Activation]
) -> Array:
    """A[L] for X without keeping any cache (each A[l-1] is freed as soon as A[l] exists).

    Beyond :data:`FORWARD_CHUNK_BYTES` for all m samples at once, the columns go through in
    chunks written into one (n[L], m) result, in memory bounded by the chunk, not by m: the
    same numbers up to rounding (each column sums the same terms; a BLAS may take another
    kernel for another width, which rounds a few units in the last place otherwise)."""
    chunks = forward_chunks(X.shape[1], forward_bytes_per_sample(params, X.dtype))
    if len(chunks) == 1:
        return _forward_all(X, params, activations)
    out: "Array | None" = None
    for j0, j1 in chunks:
        part = X[:, j0:j1]
        if not (part.flags.c_contiguous or part.flags.f_contiguous):
            part = np.ascontiguousarray(part)  # the layout of a whole array, as BLAS gets X
        A = _forward_all(part, params, activations)
        if out is None:
            out = np.empty((A.shape[0], X.shape[1]), dtype=A.dtype)
        out[:, j0:j1] = A
    assert out is not None
    return out


def _forward_all(X: Array, params: dict[str, Array], activations: Sequence[Activation]
                 ) -> Array:
    """A[L] for all the columns of X in one pass."""
    A = X
    for l, g in enumerate(activations, start=1):  # ([1]: a name for Z[l] would keep it alive
        A = layer_forward(A, params[f"W{l}"], params[f"b{l}"], g)[1]  # through layer l+1)
    return A


def model_backward(
    AL: Array,
    Y: Array,
    caches: "list[Cache | None]",
    activations: Sequence[Activation],
    need_dA0: bool = False,
    dAL: "Array | None" = None,
    masks: "Sequence[Array | None] | None" = None,
    lambd: float = 0.0,
    release_caches: bool = False,
    carry_1_over_m: "bool | None" = None,
) -> dict[str, Array]:
    """Backward propagation from the output to layer 1.

    Output layer: ``dZ[L] = A[L] - Y`` (the fused gradient of the output/cost pair), unless
    ``dAL`` is given, in which case ``dZ[L] = dA[L] * g[L]'(Z[L])`` like every other layer.
    Then for l = L..1:
        dW[l] = (1/m) dZ[l] A[l-1].T,   db[l] = (1/m) sum(dZ[l], axis=1),
        dA[l-1] = W[l].T dZ[l],         dZ[l-1] = dA[l-1] * g[l-1]'(Z[l-1]).
    ``dA[0]`` is computed only when ``need_dA0`` (training never uses it).

    ``masks``: the dropout masks the forward pass used; then ``dA[l] := dA[l] * D[l]`` before
    ``dZ[l]`` (and g[l]' is evaluated at the undropped ``A[l] = g[l](Z[l])``).
    ``lambd``: L2 strength; then ``dW[l] += (lambd / m) W[l]``
    (:func:`nndl.regularization.add_l2_gradient`).
    ``release_caches`` (training): each cache entry is set to ``None`` as soon as backward is
    done with it, so Z[l] and A[l] are freed while the gradients are being made and the peak
    memory holds one set of activations *or* their gradients, not both. The list is emptied
    of what it held; pass it only when the caller does not read the caches afterwards.
    ``carry_1_over_m`` (default: when m is a power of two): multiply dZ[L] by 1/m once and
    carry it down (every dA and dZ is then 1/m of the notes' value, the course's dA layout is
    given back unscaled) instead of scaling every dW and db: one pass over each dW less. With
    m a power of two, scaling by 1/m is exact and commutes with every product and sum, so the
    gradients are the same bits either way (unless a value falls below the normal range).

    Returns ``{"dW1", "db1", ..., "dWL", "dbL"}``; with ``need_dA0`` also ``"dA0" .. "dA{L-1}"``
    (the course's grads layout).
    """
    L = len(caches)
    m = AL.shape[1]
    carry = (m & (m - 1) == 0) if carry_1_over_m is None else carry_1_over_m
    grads: dict[str, Array] = {}
    (A_prev, W, _), Z = caches[L - 1]  # type: ignore[misc]
    if dAL is None:
        dZ = output_delta(AL, Y)
    else:
        dZ = activation_backward(dAL, Z, AL, activations[L - 1])
    del Z
    if carry:
        dZ = dZ * dZ.dtype.type(1.0 / m)  # a new array: dZ[L] may be the caller's dAL
    for l in range(L, 0, -1):
        (A_prev, W, _), _ = caches[l - 1]  # type: ignore[misc]  # Z[l] was used for dZ[l]
        if release_caches:
            caches[l - 1] = None
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(
            dZ, A_prev, W, need_dA_prev=(l > 1 or need_dA0), scaled=carry
        )
        dZ = None  # type: ignore[assignment]  # dZ[l] is done with: free it (and its dA[l])
        if lambd:
            add_l2_gradient(grads[f"dW{l}"], W, lambd, A_prev.shape[1])
        if dA_prev is None:
            break
        if need_dA0:  # the course's layout keeps every dA (as the notes define it)
            grads[f"dA{l - 1}"] = dA_prev * dA_prev.dtype.type(m) if carry else dA_prev
        if l > 1:
            # A[l-1] is the input of layer l, i.e. A_prev of this cache.
            linear_prev, Z_prev = caches[l - 2]  # type: ignore[misc]
            g_prev = activations[l - 2]
            D = masks[l - 2] if masks is not None else None
            if D is None:
                dZ = activation_backward(dA_prev, Z_prev, A_prev, g_prev,
                                         overwrite_dA=not need_dA0)
            else:  # A_prev holds A[l-1] * D[l-1]; g' needs the undropped A[l-1]
                dZ = activation_backward(dA_prev * D, Z_prev, g_prev.forward(Z_prev), g_prev,
                                         overwrite_dA=True)
            if release_caches:  # Z[l-1] has given dZ[l-1]; A[l-2] (its A_prev) is still needed
                caches[l - 2] = (linear_prev, None)  # type: ignore[assignment]
            del Z_prev, A_prev, dA_prev, linear_prev
    return grads
