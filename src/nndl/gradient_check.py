"""Two-sided numerical gradient checking.

For every parameter theta_i:  dtheta_approx_i = (J(theta_i + eps) - J(theta_i - eps)) / (2 eps),
and the check returns

    difference = ||dtheta - dtheta_approx||_2 / (||dtheta||_2 + ||dtheta_approx||_2)

(about 1e-7 or less means backward propagation is right). It runs in float64 on a copy of the
model's parameters, whatever the model's dtype, and leaves the model untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from .propagation import model_backward, model_forward
from .regularization import check_lambd, l2_cost

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray


def relative_difference(a: Array, b: Array) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    den = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if den == 0.0 else float(np.linalg.norm(a - b) / den)


def numerical_gradient(
    J: Callable[[], float], params: dict[str, Array], epsilon: float = 1e-7
) -> dict[str, Array]:
    """Two-sided differences of ``J()`` with respect to every entry of every array in ``params``
    (perturbed in place and restored). Keys become ``"d" + name``."""
    out: dict[str, Array] = {}
    for name, P in params.items():
        G = np.zeros_like(P)
        flat, gflat = P.reshape(-1), G.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + epsilon
            j_plus = J()
            flat[i] = old - epsilon
            j_minus = J()
            flat[i] = old
            gflat[i] = (j_plus - j_minus) / (2 * epsilon)
        out["d" + name] = G
    return out


def gradcheck(net: "Network", X: object, Y: object, epsilon: float = 1e-7,
              details: bool = False, lambd: float = 0.0,
              masks: "list[Array | None] | None" = None,
              ) -> "float | tuple[float, dict[str, float]]":
    """Relative difference between backprop's gradients and two-sided numerical ones.

    ``details=True`` also returns the difference per parameter (``{"dW1": ..., ...}``).
    ``lambd`` adds the L2 term to the cost (and its gradient); ``masks`` are fixed dropout
    masks (:func:`nndl.regularization.dropout_masks`) used by both sides.
    """
    X, Y = net._XY(X, Y)
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    acts = net.activations
    cost = net.cost_fn.value
    lambd = check_lambd(lambd)
    m = X64.shape[1]
    if masks is not None:
        masks = [None if D is None else np.asarray(D, dtype=np.float64) for D in masks]

    def J() -> float:
        return cost(model_forward(X64, params, acts, masks)[0], Y64) + l2_cost(params, lambd, m)

    AL, caches = model_forward(X64, params, acts, masks)
    grads = model_backward(AL, Y64, caches, acts, masks=masks, lambd=lambd)
    numeric = numerical_gradient(J, params, epsilon)
    keys = [f"d{k}" for k in params]
    total = relative_difference(np.concatenate([grads[k].ravel() for k in keys]),
                                np.concatenate([numeric[k].ravel() for k in keys]))
    if details:
        return total, {k: relative_difference(grads[k], numeric[k]) for k in keys}
    return total
