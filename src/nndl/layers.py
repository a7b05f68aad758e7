"""One layer's forward and backward propagation: the notes' equations, vectorized.

This module is the single implementation of the math. :mod:`nndl.functional` (the course's
step-by-step API) and :class:`nndl.Network` both call these functions.

Shapes (samples are columns): ``A_prev`` is (n[l-1], m), ``W`` is (n[l], n[l-1]), ``b`` is
(n[l], 1), ``Z`` and ``A`` are (n[l], m).
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .products import matmul
from .activations import Activation

Array = np.ndarray


def linear_forward(A_prev: Array, W: Array, b: Array) -> Array:
    """Z[l] = W[l] @ A[l-1] + b[l]   (b broadcast over the m columns).

    Every product of this module is :func:`nndl.products.matmul`: ``@``, with the bits of the
    BLAS's own thread count while :mod:`nndl.threads` runs fewer threads under load."""
    Z = matmul(W, A_prev)
    Z += b
    return Z


def layer_forward(A_prev: Array, W: Array, b: Array, g: Activation) -> tuple[Array, Array]:
    """Z[l] = W[l] A[l-1] + b[l];  A[l] = g[l](Z[l]).  Returns (Z, A).

    When g has a fused kernel loaded (:mod:`nndl.kernels`), ``+ b[l]`` and g are one pass
    over Z (the same bits as the two).
    """
    if g.kernel is not None and kernels.loaded() is not None:
        Z = matmul(W, A_prev)
        A = kernels.forward(Z, b, g)
        if A is not None:
            return Z, A
        Z += b
    else:
        Z = linear_forward(A_prev, W, b)
    return Z, g.forward(Z)


def activation_backward(
    dA: Array, Z: Array, A: Array, g: Activation, overwrite_dA: bool = False
) -> Array:
    """dZ[l] = dA[l] * g[l]'(Z[l])   (element-wise; softmax uses its Jacobian).

    With ``overwrite_dA`` the result may be written into ``dA`` (no new array) when the
    activation has an in-place form (in one pass when it has a fused kernel loaded,
    :mod:`nndl.kernels`); pass it only when nothing else reads dA afterwards.
    """
    if overwrite_dA and g.backward_inplace is not None:
        if g.kernel is not None and kernels.backward_inplace(dA, Z, g) is not None:
            return dA
        return g.backward_inplace(dA, Z, A)
    return g.backward(dA, Z, A)


def linear_backward(
    dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, scaled: bool = False
) -> tuple["Array | None", Array, Array]:
    """The linear part of backward propagation for one layer.

    dW[l]   = (1/m) dZ[l] @ A[l-1].T          (n[l], n[l-1])
    db[l]   = (1/m) sum(dZ[l], axis=1)        (n[l], 1)
    dA[l-1] = W[l].T @ dZ[l]                  (n[l-1], m); skipped when ``need_dA_prev`` is
                                              False (layer 1 in training: dA[0] is never used)

    ``scaled``: ``dZ`` already holds (1/m) dZ[l] (:func:`nndl.propagation.model_backward` carries
    the 1/m from the output layer when m is a power of two); then dW and db need no 1/m and the
    returned dA[l-1] is (1/m) W.T dZ[l].
    """
    m = A_prev.shape[1]
    inv_m = A_prev.dtype.type(1.0 / m)
    dW = matmul(dZ, A_prev.T)
    db = dZ.sum(axis=1, keepdims=True)
    if not scaled:
        dW *= inv_m
        db *= inv_m
    dA_prev = matmul(W.T, dZ) if need_dA_prev else None
    return dA_prev, dW, db
