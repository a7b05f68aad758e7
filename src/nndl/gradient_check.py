"""Two-sided numerical gradient checking.

For every parameter theta_i:  dtheta_approx_i = (J(theta_i + eps) - J(theta_i - eps)) / (2 eps),
and the check returns

    difference = ||dtheta - dtheta_approx||_2 / (||dtheta||_2 + ||dtheta_approx||_2)

(about 1e-7 or less means backward propagation is right). It runs in float64 on a copy of the
model's parameters, whatever the model's dtype, and leaves the model untouched.

Every parameter costs two forward passes, so for a large model ``sample=N`` checks N entries
chosen at random instead (every array gets its share, and at least one entry): the same
difference, over those entries of dtheta and dtheta_approx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .propagation import model_backward, model_forward
from .regularization import check_lambd, l2_cost
from .validation import check_positive

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray


def relative_difference(a: Array, b: Array) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    den = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if den == 0.0 else float(np.linalg.norm(a - b) / den)


def numerical_gradient(
    J: Callable[[], float], params: dict[str, Array], epsilon: float = 1e-7,
    indices: "dict[str, Array] | None" = None,
) -> dict[str, Array]:
    """Two-sided differences of ``J()`` with respect to every entry of every array in ``params``
    (perturbed in place and restored). Keys become ``"d" + name``.

    With ``indices`` (flat indices per array name), only those entries: each result is then the
    1-D array of their differences, in the order given."""
    out: dict[str, Array] = {}
    for name, P in params.items():
        flat = P.reshape(-1)
        idx = np.arange(flat.size) if indices is None else indices[name]
        G = np.zeros(len(idx))
        for j, i in enumerate(idx):
            old = flat[i]
            flat[i] = old + epsilon
            j_plus = J()
            flat[i] = old - epsilon
            j_minus = J()
            flat[i] = old
            G[j] = (j_plus - j_minus) / (2 * epsilon)
        out["d" + name] = G.reshape(P.shape) if indices is None else G
    return out


def sample_indices(params: dict[str, Array], n: int,
                   rng: np.random.Generator) -> dict[str, Array]:
    """``max(n, len(params))`` flat indices (n < the parameter count): one per array, the rest
    spread over the arrays in proportion to their sizes (largest remainders), drawn without
    replacement; sorted per array."""
    names = list(params)
    cap = [params[k].size - 1 for k in names]  # what each array can take beyond its first
    extra, room = max(n - len(names), 0), sum(cap)
    k = [extra * c // room if room else 0 for c in cap]
    by_remainder = sorted(range(len(names)), key=lambda i: -(extra * cap[i] % max(room, 1)))
    for i in by_remainder[:extra - sum(k)]:
        k[i] += 1
    return {name: np.sort(rng.choice(params[name].size, size=1 + ki, replace=False))
            for name, ki in zip(names, k)}


def gradcheck(net: "Network", X: object, Y: object, epsilon: float = 1e-7,
              details: bool = False, lambd: float = 0.0,
              masks: "list[Array | None] | None" = None,
              sample: "int | None" = None, seed: "int | None" = 0,
              ) -> "float | tuple[float, dict[str, float]]":
    """Relative difference between backprop's gradients and two-sided numerical ones.

    ``details=True`` also returns the difference per parameter (``{"dW1": ..., ...}``).
    ``lambd`` adds the L2 term to the cost (and its gradient); ``masks`` are fixed dropout
    masks (:func:`nndl.regularization.dropout_masks`) used by both sides.
    ``sample``: check that many entries (at least one per array) chosen at random (``seed``)
    instead of all of them (:func:`sample_indices`); None or a number >= the parameter count
    checks all.
    """
    X, Y = net._XY(X, Y)
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    acts = net.activations
    cost = net.cost_fn.value
    lambd = check_lambd(lambd)
    if sample is not None:
        sample = int(check_positive("sample", sample, integer=True))
    m = X64.shape[1]
    if masks is not None:
        masks = [None if D is None else np.asarray(D, dtype=np.float64) for D in masks]

    def J() -> float:
        return cost(model_forward(X64, params, acts, masks)[0], Y64) + l2_cost(params, lambd, m)

    AL, caches = model_forward(X64, params, acts, masks)
    grads = model_backward(AL, Y64, caches, acts, masks=masks, lambd=lambd)
    indices = None
    if sample is not None and sample < sum(P.size for P in params.values()):
        indices = sample_indices(params, sample, np.random.default_rng(seed))
        grads = {f"d{k}": grads[f"d{k}"].reshape(-1)[idx] for k, idx in indices.items()}
    numeric = numerical_gradient(J, params, epsilon, indices)
    keys = [f"d{k}" for k in params]
    total = relative_difference(np.concatenate([grads[k].ravel() for k in keys]),
                                np.concatenate([numeric[k].ravel() for k in keys]))
    if details:
        return total, {k: relative_difference(grads[k], numeric[k]) for k in keys}
    return total
