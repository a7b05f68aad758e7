"""Two-sided numerical gradient checking.

For every parameter theta_i:  dtheta_approx_i = (J(theta_i + eps) - J(theta_i - eps)) / (2 eps),
and the check returns

    difference = ||dtheta - dtheta_approx||_2 / (||dtheta||_2 + ||dtheta_approx||_2)

(about 1e-7 or less means backward propagation is right). It runs in float64 on a copy of the
model's parameters, whatever the model's dtype, and leaves the model untouched.

Every parameter costs two forward passes, so for a large model ``sample=N`` checks N entries
chosen at random instead (every array gets its share, and at least one entry): the same
difference, over those entries of dtheta and dtheta_approx. By default (``sample="auto"``) a
model of more than :data:`AUTO_SAMPLE` (20,000) parameters is checked on a random sample of
that many, as the ``nndl gradcheck`` command does, and a smaller one entirely;
``sample=None`` or ``"all"`` checks every parameter whatever the size. A long check shows a
progress bar on stderr when stderr is a terminal (``progress=``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .errors import NNDLError
from .propagation import model_backward, model_forward
from .regularization import check_lambd, check_masks, l2_cost
from .validation import check_number, check_positive, check_seed

if TYPE_CHECKING:  # pragma: no cover
    from .network import Network

Array = np.ndarray

AUTO_SAMPLE = 20000
"""``sample="auto"`` (the default) checks a random sample of this many entries of a model with
more parameters (two forward passes each), and every entry of a smaller one."""

PROGRESS_DELAY = 1.0
"""Seconds a check runs before its progress bar appears (a short check shows none)."""


def relative_difference(a: Array, b: Array) -> float:
    """||a - b|| / (||a|| + ||b||), 0 when both are zero."""
    den = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if den == 0.0 else float(np.linalg.norm(a - b) / den)


def numerical_gradient(
    J: Callable[[], float], params: dict[str, Array], epsilon: float = 1e-7,
    indices: "dict[str, Array] | None" = None,
    tick: "Callable[[], Any] | None" = None,
) -> dict[str, Array]:
    """Two-sided differences of ``J()`` with respect to every entry of every array in ``params``
    (perturbed in place and restored). Keys become ``"d" + name``.

    With ``indices`` (flat indices per array name), only those entries: each result is then the
    1-D array of their differences, in the order given. ``tick()`` is called after each entry
    (a progress bar's update)."""
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
            if tick is not None:
                tick()
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


def resolve_sample(sample: object, n_params: int) -> "int | None":
    """How many entries to check: None for all of them, else a count below ``n_params``.

    ``"auto"``: :data:`AUTO_SAMPLE` when the model has more parameters, else all; ``None`` or
    ``"all"``: all; a positive integer N: N (all when N >= ``n_params``).
    """
    if isinstance(sample, str) and sample in ("auto", "all"):
        n = AUTO_SAMPLE if sample == "auto" else None
    elif sample is None:
        n = None
    else:
        try:
            n = int(check_positive("sample", sample, integer=True))
        except NNDLError:
            raise NNDLError(f'sample must be a positive integer, "auto" or "all" (or None for '
                            f"all); got {sample!r}") from None
    return n if n is not None and n < n_params else None


def _progress_bar(total: int, progress: "bool | None") -> Any:
    """A tqdm bar over ``total`` checked entries on stderr, or None.

    ``progress=None``: only when stderr is a terminal and tqdm is installed, appearing after
    :data:`PROGRESS_DELAY` seconds; ``True``: always (tqdm required); ``False``: never.
    """
    if progress is False:
        return None
    if progress is None and not getattr(sys.stderr, "isatty", lambda: False)():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        if progress is None:
            return None
        raise NNDLError("gradcheck's progress bar needs tqdm: pip install 'nndl[progress]' (or "
                        "pass progress=False)") from None
    return tqdm(total=total, file=sys.stderr, unit="param", desc="gradcheck", leave=False,
                dynamic_ncols=True, delay=0.0 if progress else PROGRESS_DELAY)


def gradcheck(net: "Network", X: object, Y: object, epsilon: float = 1e-7,
              details: bool = False, lambd: float = 0.0,
              masks: "list[Array | None] | None" = None,
              sample: "int | str | None" = "auto", seed: "int | None" = 0,
              progress: "bool | None" = None,
              ) -> "float | tuple[float, dict[str, float]]":
    """Relative difference between backprop's gradients and two-sided numerical ones.

    ``details=True`` also returns the difference per parameter (``{"dW1": ..., ...}``).
    ``lambd`` adds the L2 term to the cost (and its gradient); ``masks`` are fixed dropout
    masks (:func:`nndl.regularization.dropout_masks`) used by both sides.
    ``sample``: how many entries to check, chosen at random (``seed``), at least one per array
    (:func:`sample_indices`). ``"auto"`` (default): every entry of a model of at most
    :data:`AUTO_SAMPLE` (20,000) parameters, a random 20,000 of a larger one (the cat model's
    245,973 would take minutes); an integer N: N entries (all when N >= the parameter count);
    ``None`` or ``"all"``: every entry.
    ``progress``: a progress bar on stderr over the checked entries; ``None`` (default) shows it
    when stderr is a terminal, tqdm is installed and the check runs longer than a second.
    """
    if progress is not None and not isinstance(progress, (bool, np.bool_)):
        raise NNDLError(f"progress must be True, False or None; got {progress!r}")
    epsilon = check_number("epsilon", epsilon, low=0, low_open=True)
    seed = check_seed(seed)
    X, Y = net.checked(X, Y)
    masks = check_masks(masks, net.layer_dims, X.shape[1])
    X64, Y64 = X.astype(np.float64), Y.astype(np.float64)
    params = {k: v.astype(np.float64) for k, v in net.params.items()}
    acts = net.activations
    cost = net.cost_fn.value
    lambd = check_lambd(lambd)
    n_sample = resolve_sample(sample, sum(P.size for P in params.values()))
    m = X64.shape[1]
    if masks is not None:
        masks = [None if D is None else D.astype(np.float64) for D in masks]

    def J() -> float:
        return cost(model_forward(X64, params, acts, masks)[0], Y64) + l2_cost(params, lambd, m)

    AL, caches = model_forward(X64, params, acts, masks)
    grads = model_backward(AL, Y64, caches, acts, masks=masks, lambd=lambd)
    indices = None
    if n_sample is not None:
        indices = sample_indices(params, n_sample, np.random.default_rng(seed))
        grads = {f"d{k}": grads[f"d{k}"].reshape(-1)[idx] for k, idx in indices.items()}
    total_checked = sum(P.size for P in params.values()) if indices is None else \
        sum(len(idx) for idx in indices.values())
    bar = _progress_bar(total_checked, None if progress is None else bool(progress))
    try:
        numeric = numerical_gradient(J, params, epsilon, indices,
                                     tick=None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    keys = [f"d{k}" for k in params]
    total = relative_difference(np.concatenate([grads[k].ravel() for k in keys]),
                                np.concatenate([numeric[k].ravel() for k in keys]))
    if details:
        return total, {k: relative_difference(grads[k], numeric[k]) for k in keys}
    return total
