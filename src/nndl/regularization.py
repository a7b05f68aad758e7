"""Regularization: the L2 penalty and inverted dropout.

L2 ("weight decay") adds to the cost

    J_reg = J + (lambd / (2m)) * sum_l ||W[l]||_F^2          (b is not penalized)

and so to each weight gradient

    dW[l] += (lambd / m) * W[l].

Inverted dropout keeps each unit of hidden layer l with probability ``keep_prob[l]`` during
training and scales the kept ones by ``1 / keep_prob[l]`` so that the expected activation is
unchanged (nothing is done at prediction time):

    D[l] = (rand(n[l], m) < keep_prob[l]) / keep_prob[l],    A[l] := A[l] * D[l]

and backward multiplies dA[l] by the same D[l]. The masks are drawn here; they are applied by
:func:`nndl.propagation.model_forward` / :func:`~nndl.propagation.model_backward`, the single
implementation of the propagation math.
"""

from __future__ import annotations

from numbers import Real
from typing import Sequence

import numpy as np

from .errors import NNDLError
from .validation import check_number
from .initializers import RNG

Array = np.ndarray


def check_lambd(lambd: object) -> float:
    """The L2 strength: a finite number >= 0."""
    return float(check_number("lambd (the L2 strength)", lambd, low=0,
                              expected="a number >= 0"))


def l2_cost(params: dict[str, Array], lambd: float, m: int) -> float:
    """(lambd / (2m)) * sum_l ||W[l]||^2 over the weights ``W1..WL`` (0.0 when lambd is 0)."""
    if lambd == 0:
        return 0.0
    total = sum(float(np.sum(W * W)) for k, W in params.items() if k.startswith("W"))
    return lambd / (2 * m) * total


def add_l2_gradient(dW: Array, W: Array, lambd: float, m: int) -> Array:
    """dW += (lambd / m) * W, in place (returns dW)."""
    if lambd != 0:
        dW += W * W.dtype.type(lambd / m)
    return dW


def check_keep_probs(keep_probs: object, L: int) -> "list[float] | None":
    """One keep probability per hidden layer (length L-1) from a number or a sequence.

    Each must be in (0, 1]; ``None`` (or all ones) means no dropout.
    """
    if keep_probs is None:
        return None
    n_hidden = L - 1
    if isinstance(keep_probs, (Real, np.floating, np.integer)):  # bools: refused below
        probs = [float(check_number("keep_probs", keep_probs, low=0, high=1, low_open=True))
                 ] * n_hidden
    else:
        if not isinstance(keep_probs, (list, tuple, np.ndarray)):  # a dict would give its keys
            raise NNDLError("keep_probs must be a number in (0, 1] or a list of one per hidden "
                            f"layer ({n_hidden}); got {type(keep_probs).__name__} "
                            f"{keep_probs!r:.80}")
        try:
            probs = [float(p) for p in keep_probs]
        except (TypeError, ValueError):
            raise NNDLError(
                "keep_probs must be a number in (0, 1] or one per hidden layer "
                f"({n_hidden}); got {keep_probs!r}"
            ) from None
        if len(probs) != n_hidden:
            raise NNDLError(
                f"keep_probs needs one probability per hidden layer: {n_hidden} for this "
                f"{L}-layer network; got {len(probs)}: {probs!r}"
            )
    for p in probs:
        if not (0.0 < p <= 1.0):
            raise NNDLError(f"keep probabilities must be in (0, 1]; got {p!r} in {probs!r}")
    if all(p == 1.0 for p in probs):
        return None
    return probs


def check_masks(masks: object, layer_dims: Sequence[int], m: int
                ) -> "list[Array | None] | None":
    """Fixed dropout masks as the forward and backward passes take them (what
    :func:`dropout_masks` makes): None, or a list of one entry per layer 1..L (the output
    layer's may be left out, and must be None), each None or an array of shape (n[l], m) of
    finite numbers. NNDLError saying which entry is wrong otherwise."""
    if masks is None:
        return None
    L = len(layer_dims) - 1
    if not isinstance(masks, (list, tuple)) or len(masks) not in (L - 1, L):
        raise NNDLError(f"masks must be a list of one dropout mask (or None) per layer 1..{L} "
                        f"(as nndl.regularization.dropout_masks makes); got "
                        f"{type(masks).__name__} {masks!r:.80}")
    out: list["Array | None"] = []
    for l, D in enumerate(masks, start=1):
        if D is None:
            out.append(None)
            continue
        shape = (int(layer_dims[l]), int(m))
        if l == L:
            raise NNDLError(f"masks[{L - 1}] (the output layer's) must be None: the output "
                            "layer has no dropout")
        try:
            A = np.asarray(D)
        except (TypeError, ValueError):  # ragged
            A = np.asarray(None)
        if A.dtype.kind not in "biuf":
            got = f"dtype {A.dtype}"
        elif A.shape != shape:
            got = f"shape {A.shape}"
        elif A.dtype.kind == "f" and not np.isfinite(A).all():
            got = "inf or NaN"
        else:
            out.append(A)
            continue
        raise NNDLError(f"masks[{l - 1}] (layer {l}) must be finite numbers of shape {shape} "
                        f"(n[{l}], m); got {got}")
    return out


def dropout_masks(
    layer_dims: Sequence[int], keep_probs: Sequence[float], m: int, rng: RNG,
    dtype: "np.dtype | str" = np.float64,
) -> list["Array | None"]:
    """Inverted-dropout masks, one per layer 1..L (the output layer's is always ``None``).

    ``masks[l-1]`` is D[l] = (U < keep_prob[l]) / keep_prob[l] of shape (n[l], m), with U
    uniform in [0, 1) drawn from ``rng`` (layer 1 first); ``None`` where keep_prob[l] == 1.
    """
    L = len(layer_dims) - 1
    masks: list["Array | None"] = []
    for l in range(1, L):
        p = keep_probs[l - 1]
        if p == 1.0:
            masks.append(None)
            continue
        shape = (int(layer_dims[l]), int(m))
        U = rng.rand(*shape) if isinstance(rng, np.random.RandomState) else rng.random(shape)
        D = (U < p).astype(dtype)
        D *= D.dtype.type(1.0 / p)
        masks.append(D)
    masks.append(None)
    return masks
