"""What the playground's page draws, computed here as plain numbers (JSON-ready lists): the
network's output over the plane (the heat map under the points), every hidden unit's output
over the plane (its thumbnail), the inputs' thumbnails, the weights (links), and the notes'
equations for one layer with their current shapes and values.

The page only colours these numbers; all of it goes through nndl's own forward and backward
passes (:func:`nndl.propagation.model_forward` and ``model_backward``, ``Network.forward``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..propagation import model_backward, model_forward
from .data import DOMAIN
from .features import feature_matrix

if TYPE_CHECKING:  # pragma: no cover
    from ..network import Network

Array = np.ndarray

GRID = 40
"""The heat map's resolution (GRID x GRID values over the plane)."""
THUMB = 16
"""A unit's thumbnail resolution."""


def grid_points(n: int = GRID, domain: float = DOMAIN) -> Array:
    """The (2, n*n) points of an n x n grid over [-domain, domain]^2, row by row from the top
    (x2 = +domain) to the bottom, each row from left (x1 = -domain) to right; cell centers."""
    step = 2 * domain / n
    xs = -domain + step * (np.arange(n) + 0.5)
    x1, x2 = np.meshgrid(xs, xs[::-1])
    return np.stack([x1.ravel(), x2.ravel()])


def json_list(a: Array) -> list:
    """``a.tolist()`` with None where a value is not finite (JSON has no inf or NaN: a model
    on its way to diverge may overflow somewhere on the plane)."""
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a)
    if finite.all():
        return a.tolist()
    out = a.astype(object)
    out[~finite] = None
    return out.tolist()


def output_map(net: "Network", features: Sequence[str], n: int = GRID) -> dict[str, Any]:
    """The heat map, from one forward pass over the grid: ``"boundary"``, the model's output at
    every grid point exactly as ``net.forward`` gives it (full precision: the exported model
    must reproduce it): P(y = 1) of a sigmoid output, the regression's value, or, with several
    classes, the predicted class index; and ``"confidence"``, with several classes the
    predicted class's probability at every point (the heat map's strength), else None."""
    with np.errstate(all="ignore"):
        A = net.forward(feature_matrix(grid_points(n), features))
    if A.shape[0] == 1:
        return {"boundary": json_list(A[0]), "confidence": None}
    return {"boundary": net.head.indices(A)[0].astype(np.float64).tolist(),
            "confidence": _rounded(A.max(axis=0))}


def _rounded(a: Array, digits: int = 3) -> list:
    with np.errstate(all="ignore"):
        return json_list(np.round(np.asarray(a, dtype=np.float64), digits))


def thumbnails(net: "Network", features: Sequence[str], n: int = THUMB) -> dict[str, list]:
    """``{"inputs": [feature rows], "units": [[unit rows] per hidden layer]}`` over an n x n
    grid: the input features, then A[l] of every hidden layer (one row of n*n per unit)."""
    X = feature_matrix(grid_points(n), features)
    with np.errstate(all="ignore"):
        _, caches = model_forward(X, net.params, net.activations)
    hidden = [caches[l][0][0] for l in range(1, net.L)]  # A[l] is layer l+1's A_prev
    return {"inputs": _rounded(X), "units": [_rounded(A) for A in hidden]}


def weights(net: "Network") -> list[dict[str, list]]:
    """``[{"W": W[l] rows, "b": b[l] column as a list}, ...]`` for l = 1..L (rounded)."""
    p = net.params
    return [{"W": _rounded(p[f"W{l}"], 4), "b": _rounded(p[f"b{l}"][:, 0], 4)}
            for l in range(1, net.L + 1)]


def _entry(a: Array, rows: int = 2, cols: int = 3) -> dict[str, Any]:
    a = np.asarray(a)
    return {"shape": list(a.shape), "values": _rounded(a[:rows, :cols], 4)}


def equations(net: "Network", X: Array, Y: Array, layer: int, lambd: float = 0.0
              ) -> dict[str, Any]:
    """The notes' equations of ``layer`` l on the training set (X are the features):
    Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l]), dW[l], db[l], with each array's current shape
    and its first few values (rows 0-1, columns 0-2)."""
    L = net.L
    l = min(max(int(layer), 1), L)
    Xc, Yc = net.checked(X, Y)
    with np.errstate(all="ignore"):  # one forward pass serves both (as Network.gradients)
        _, AL, caches = net.forward_cost(Xc, Yc, lambd)
        grads = model_backward(AL, Yc, caches, net.activations, lambd=lambd)
    (A_prev, W, b), Z = caches[l - 1]
    A = caches[l][0][0] if l < L else AL
    return {
        "layer": l, "L": L, "g": net.activations[l - 1].name,
        "lambd": lambd, "m": int(Xc.shape[1]),
        "W": _entry(W), "A_prev": _entry(A_prev), "b": _entry(b), "Z": _entry(Z),
        "A": _entry(A), "dW": _entry(grads[f"dW{l}"]), "db": _entry(grads[f"db{l}"]),
    }


__all__ = ["GRID", "THUMB", "equations", "grid_points", "json_list", "output_map", "thumbnails",
           "weights"]
