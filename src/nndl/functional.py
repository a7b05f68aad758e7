"""The course's step-by-step building blocks, with its names and cache layouts.

Everyone who followed the course can call these one by one and compare with their notebook::

    parameters = initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1)
    AL, caches = L_model_forward(X, parameters)      # relu ... relu, sigmoid
    cost = compute_cost(AL, Y)
    grads = L_model_backward(AL, Y, caches)           # dA{l-1}, dW{l}, db{l}
    parameters = update_parameters(parameters, grads, learning_rate=0.0075)

There is no second copy of the math here: each function calls :mod:`nndl.layers`,
:mod:`nndl.propagation` and :mod:`nndl.costs`, exactly as :class:`nndl.Network` does.

Each function computes what the course's function of the same name computes, for *any*
arguments, not only for caches from one forward pass (the course's own test cases pass random
caches and an ``AL`` that is no probability). In particular :func:`L_model_backward` does what
the course's does, ``dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))`` passed through the sigmoid's
backward with the cache's ``Z[L]``; it does not take :class:`~nndl.Network`'s shortcut
``dZ[L] = A[L] - Y``, which holds only when ``A[L] = sigmoid(Z[L])``. And
:func:`update_parameters` returns new arrays and leaves the caller's as they were.

How close to the course's numbers (``tests/test_functional_course.py`` checks each against the
course's definitions, written out there): the same bits, except for (a) the sigmoid, written
without overflow (the same formula for z >= 0; for z < 0, ``e^z / (1 + e^z)``, within a few
units in the last place of ``1 / (1 + e^-z)``), which every value computed from a sigmoid
inherits; (b) :func:`compute_cost`, a sum rather than the course's ``np.dot`` (relative
difference of the order of m units in the last place); (c) ``init="scaled"``, which multiplies
by ``1 / sqrt(n[l-1])`` where the course divides by ``sqrt(n[l-1])`` (within 2 units in the last
place). Where the course's results are not finite numbers, nndl's differ on purpose:
:func:`compute_cost` of an ``AL`` exactly 0 or 1 is finite (the logarithm is taken of at least
the smallest normal number, 2.2e-308, as for :class:`~nndl.Network`, which also changes the
cost of an ``AL`` below that) and an ``AL`` outside [0, 1] is refused; ReLU's backward gives
``dA * [Z > 0]``, which is the course's ``dA`` with zeros where ``Z <= 0`` for every finite
``dA``. :func:`L_model_backward` divides as the course does, so an ``AL`` of exactly 0 or 1
gives the course's inf or NaN (with NumPy's warning).

What each function takes is checked first, and anything it cannot compute the course's
numbers from is refused with an :class:`~nndl.errors.NNDLError` that says what was expected
and what came: shapes that do not chain (W[l] is (n[l], n[l-1]), b[l] is (n[l], 1), never
broadcast per sample; a gradient has its parameter's shape), a parameters dict that is not
exactly W1, b1, ..., WL, bL, a cache that is not ``((A_prev, W, b), Z)``, labels Y outside
[0, 1], NaN or inf in X (except in :func:`L_model_forward`, which checks X's shape and kind
only: scanning the cat's 12288 x 209 X took 10% of the course's loop, and a NaN there gives
a NaN cost, visible), the parameters or the gradients to update with, a learning rate that
is no positive number. What the course's functions compute and pass on (``AL``, the caches,
dA, dZ) may hold NaN or inf: it passes through, as in the course. Array-likes (lists) and
integer arrays are taken as float64, as the course's NumPy computes them; float arrays are
used as they are (the same objects, in the caches).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import numpy as np

from .activations import get_activation
from .costs import binary_cross_entropy
from .errors import NNDLError, shorten
from .heads import HEADS
from .initializers import RNG, initialize, initialize_bytes, make_rng
from .layers import activation_backward, layer_forward
from .layers import linear_backward as _linear_backward
from .layers import linear_forward as _linear_forward
from .memory import check_memory, out_of_memory
from .propagation import model_backward, model_forward
from .validation import (as_matrix, as_real_array, check_dtype, check_layer_dims, check_positive,
                         shaped_like)

Array = np.ndarray
LinearCache = tuple[Array, Array, Array]
Cache = tuple[LinearCache, Array]

__all__ = [
    "initialize_parameters_deep",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
    "predict",
]


# --- checks at the boundary -------------------------------------------------------------------
def _matrix(name: str, A: object, rows: "int | None" = None,
            rows_are: "str | None" = None) -> Array:
    """A as a finite 2-D float array (:func:`~nndl.validation.as_matrix`): a float array keeps
    its dtype (and is returned as it is); integers, booleans and lists become float64."""
    dtype = A.dtype if isinstance(A, np.ndarray) and A.dtype.kind == "f" else np.float64
    return as_matrix(name, A, dtype, rows=rows, rows_are=rows_are)


def _shape_of(A: object) -> "tuple[int, ...] | None":
    """``np.shape(A)``, or None when A has none (a ragged list: the reader says why)."""
    try:
        return tuple(np.shape(A))
    except Exception:
        return None


Shape = tuple["int | str", "int | str"]
"""A matrix's expected shape: a size, or a name for any size ("m", "n[l]")."""


def _shaped(name: str, A: object, shape: Shape, what: str, finite: bool = True) -> Array:
    """A as a 2-D float array of ``shape`` (``what`` says why that shape), with at least one
    column: finite (:func:`_matrix`), or with NaN and inf passed through as the course passes
    them when ``finite`` is False (the values its forward pass computed: caches, dA, dZ)."""
    got = _shape_of(A)
    fits = got is not None and len(got) == 2 and all(
        isinstance(want, str) or want == n for want, n in zip(shape, got))
    if got is not None and not fits:
        expected = "(" + ", ".join(map(str, shape)) + ")"
        raise NNDLError(f"{name} must have shape {expected} ({what}); got shape {got}")
    arr = _matrix(name, A) if finite else as_real_array(name, A)
    if arr.ndim != 2 or arr.shape[1] == 0:  # a ragged list, or m = 0
        raise NNDLError(f"{name} must be a 2-D array with at least one column; got shape "
                        f"{arr.shape}")
    return arr


def _linear(A_prev: object, W: object, b: object,
            names: tuple[str, str, str] = ("A_prev", "W", "b"), finite: bool = True
            ) -> LinearCache:
    """(A_prev, W, b) of one layer checked against each other: W (n[l], n[l-1]),
    A_prev (n[l-1], m), b (n[l], 1) (one bias per unit, not one per sample)."""
    a_name, w_name, b_name = names
    W = _shaped(w_name, W, ("n[l]", "n[l-1]"), "a layer's weights", finite)
    n, n_prev = W.shape
    A_prev = _shaped(a_name, A_prev, (n_prev, "m"),
                     f"one row per column of {w_name}, n[l-1] = {n_prev}", finite)
    b = _shaped(b_name, b, (n, 1), f"one bias per row of {w_name}, the same for every sample",
                finite)
    return A_prev, W, b


def _items(value: object, n: int) -> "list[Any] | None":
    """``value`` as a list when it is a tuple or list of ``n`` items, else None."""
    return list(value) if isinstance(value, (tuple, list)) and len(value) == n else None


def _kind(value: object) -> str:
    """What ``value`` is, for a message: "a tuple of length 3", "an ndarray of shape (2, 3)"."""
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of length {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape}"
    return shorten(f"{type(value).__name__} {value!r}", 80)


def _linear_cache(cache: object, where: str) -> LinearCache:
    """A linear cache ``(A_prev, W, b)`` (as :func:`linear_forward` returns it), checked."""
    items = _items(cache, 3)
    if items is None:
        raise NNDLError(f"{where} must be a linear cache (A_prev, W, b), as linear_forward "
                        f"returns it; got {_kind(cache)}")
    return _linear(*items, names=(f"A_prev of {where}", f"W of {where}", f"b of {where}"),
                   finite=False)


def _cache(cache: object, where: str) -> Cache:
    """A layer's cache ``((A_prev, W, b), Z)`` (as :func:`linear_activation_forward` returns
    it), checked: Z is (n[l], m), W's rows by A_prev's columns."""
    items = _items(cache, 2)
    if items is None or _items(items[0], 3) is None:
        raise NNDLError(f"{where} must be a layer's cache ((A_prev, W, b), Z), as "
                        f"linear_activation_forward and L_model_forward return it; got "
                        f"{_kind(cache)}")
    A_prev, W, b = _linear_cache(items[0], f"{where}[0]")
    Z = _shaped(f"Z of {where}", items[1], (W.shape[0], A_prev.shape[1]),
                "W's rows by A_prev's columns", finite=False)
    return (A_prev, W, b), Z


def _caches(caches: object) -> list[Cache]:
    """One checked cache per layer, each layer's input the size of the previous one's output
    and every layer with the same m."""
    if isinstance(caches, (str, bytes)) or not isinstance(caches, Sequence):
        raise NNDLError(f"caches must be a list of the layers' caches, as L_model_forward "
                        f"returns it; got {_kind(caches)}")
    if len(caches) == 0:
        raise NNDLError("caches is empty: L_model_backward needs one cache per layer")
    out = [_cache(c, f"caches[{i}]") for i, c in enumerate(caches)]
    for i in range(1, len(out)):
        (A_prev, W, _), _ = out[i]
        (A0, W0, _), _ = out[i - 1]
        if W.shape[1] != W0.shape[0] or A_prev.shape[1] != A0.shape[1]:
            raise NNDLError(f"caches[{i}] does not follow caches[{i - 1}]: its A_prev has "
                            f"shape {A_prev.shape}, layer {i} gives ({W0.shape[0]}, "
                            f"{A0.shape[1]})")
    return out


_PARAMETER = re.compile(r"([Wb])([1-9][0-9]*)")
"""A parameter's key: W1, b1, W2, ... (no leading zeros)."""


def _parameters(parameters: object) -> dict[str, Array]:
    """The parameters dict checked: exactly W1..WL and b1..bL, W[l] (n[l], n[l-1]) and b[l]
    (n[l], 1) chaining from layer to layer; returned as finite float arrays in the caller's
    order of keys (float arrays as they are)."""
    if not isinstance(parameters, Mapping):
        raise NNDLError(f"parameters must be a dict {{'W1': ..., 'b1': ..., ..., 'WL': ..., "
                        f"'bL': ...}}; got {_kind(parameters)}")
    layers = [int(m.group(2)) for k in parameters
              if isinstance(k, str) and (m := _PARAMETER.fullmatch(k))]
    if not layers:
        raise NNDLError(f"parameters must hold W1, b1, ..., WL, bL; got keys "
                        f"{shorten(sorted(map(repr, parameters)))}")
    L = max(layers)
    extra = [k for k in parameters if not (isinstance(k, str) and _PARAMETER.fullmatch(k))]
    if extra:
        raise NNDLError(f"parameters holds keys that are no layer's parameter: "
                        f"{shorten(extra)} (expected W1, b1, ..., WL, bL only)")
    # with L > len(parameters) the first missing key is among the first len(parameters) layers
    top = min(L, max(len(parameters), 1000))  # all of them, or at least the first
    missing = [f"{p}{l}" for l in range(1, top + 1) for p in "Wb" if f"{p}{l}" not in parameters]
    if missing:
        raise NNDLError(f"parameters lacks {shorten(missing)}: a network of L = {L} layers "
                        f"(it has W{L} or b{L}) needs W1, b1, ..., W{L}, b{L}")
    return _chained(parameters, L)


def _chained(parameters: Mapping, L: int) -> dict[str, Array]:
    """W1..WL, b1..bL as checked arrays: W[l] has n[l-1] = W[l-1]'s rows columns."""
    out: dict[str, Array] = {}
    for l in range(1, L + 1):
        W = _shaped(f"W{l}", parameters[f"W{l}"], (f"n[{l}]", f"n[{l - 1}]"),
                    f"layer {l}'s weights")
        if l > 1 and W.shape[1] != out[f"W{l - 1}"].shape[0]:
            n_prev = out[f"W{l - 1}"].shape[0]
            raise NNDLError(f"W{l} must have {n_prev} columns (n[{l - 1}], the rows of "
                            f"W{l - 1}), shape ({W.shape[0]}, {n_prev}); got shape {W.shape}")
        out[f"W{l}"] = W
        out[f"b{l}"] = _shaped(f"b{l}", parameters[f"b{l}"], (W.shape[0], 1),
                               f"one bias per row of W{l}, the same for every sample")
    return {k: out[k] for k in parameters}


def _like(Y: object, AL: Array) -> Array:
    """Y in AL's shape, as the course's ``Y.reshape(AL.shape)``: labels 0 or 1 (or
    probabilities in [0, 1], soft targets); anything else makes the cross-entropy no cost
    (Y = 2 gives negative "costs"). Its shape: :func:`~nndl.validation.shaped_like`, the
    rule of the exported costs (AL's shape, or a vector for one output unit; a transposed
    (m, n[L]) of AL's size would be paired with the wrong entries by the reshape: refused)."""
    Y = shaped_like(as_real_array("Y", Y), AL)  # the costs' rule of shapes
    outside = ~((Y >= 0) & (Y <= 1))  # NaN too
    if outside.any():
        raise NNDLError(f"Y must hold labels 0 or 1 (or probabilities in [0, 1]); "
                        f"{int(outside.sum())} value(s) are not, e.g. "
                        f"{float(Y[outside].ravel()[0])!r}")
    return Y


def _output(AL: object) -> Array:
    """AL as a non-empty 2-D float array (n[L], m); NaN and inf kept, as in the course."""
    AL = as_real_array("AL", AL)
    if AL.ndim != 2 or AL.size == 0:
        raise NNDLError(f"AL must be a non-empty 2-D array (n[L], m), the output of "
                        f"L_model_forward; got shape {AL.shape}")
    return AL


def _probabilities(AL: object) -> Array:
    """AL as a 2-D array of values in [0, 1] (NaN passes through, as it does in the course)."""
    AL = _output(AL)
    outside = (AL < 0) | (AL > 1)
    if outside.any():
        raise NNDLError(
            f"AL must hold probabilities in [0, 1] (the cross-entropy of other values is NaN); "
            f"{int(outside.sum())} value(s) are outside, e.g. {float(AL[outside].ravel()[0])!r}"
        )
    return AL


def _layer_activations(L: int) -> list:
    """relu for layers 1..L-1, sigmoid for layer L (the course's L-layer model)."""
    return [get_activation("relu")] * (L - 1) + [get_activation(HEADS["binary"].output)]


def initialize_parameters_deep(
    layer_dims: Sequence[int], seed: "int | None" = None, rng: "RNG | None" = None,
    init: str = "small", dtype: "str | np.dtype" = np.float64,
) -> dict[str, Array]:
    """``{"W1": randn(n[1], n[0]) * 0.01, "b1": zeros((n[1], 1)), ...}``.

    ``rng=np.random.RandomState(1)`` reproduces the course's ``np.random.seed(1)``;
    ``init="scaled"`` gives its deep recipe ``randn / sqrt(n[l-1])``. ``dtype`` is float32 or
    float64 (an integer dtype would round every weight to 0). Sizes that cannot fit in the
    memory available are refused before anything is drawn.
    """
    dims = check_layer_dims(layer_dims)
    dt = check_dtype(dtype)
    what = f"the parameters of {dims} ({dt.name})"
    need = initialize_bytes(dims, dt)
    check_memory(what, need)
    try:
        return initialize(dims, init, make_rng(seed, rng), dt)
    except MemoryError:
        raise out_of_memory(what, need) from None


def linear_forward(A: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """Z = W A + b.  Returns ``(Z, cache)`` with ``cache == (A, W, b)``.

    A is (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1); array-likes and integer arrays are taken
    as float64 (the cache holds them so), float arrays as they are."""
    A, W, b = _linear(A, W, b, names=("A", "W", "b"))
    return _linear_forward(A, W, b), (A, W, b)


def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, Cache]:
    """A = g(W A_prev + b).  Returns ``(A, cache)`` with ``cache == ((A_prev, W, b), Z)``.

    Shapes and conversions as in :func:`linear_forward`."""
    g = get_activation(activation)
    A_prev, W, b = _linear(A_prev, W, b)
    Z, A = layer_forward(A_prev, W, b, g)
    return A, ((A_prev, W, b), Z)


def L_model_forward(X: Array, parameters: dict[str, Array]) -> tuple[Array, list[Cache]]:
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.  Returns ``(AL, caches)``, one per layer.

    ``parameters`` must be exactly W1, b1, ..., WL, bL with W[l] (n[l], n[l-1]) and b[l]
    (n[l], 1), and X (n[0], m); anything else is refused with an NNDLError naming the key."""
    params = _parameters(parameters)
    n0 = params["W1"].shape[1]
    # X's shape and kind, not its finiteness: a NaN in X gives a NaN cost (visible), and
    # looking at every value of the cat's 12288 x 209 X cost 10% of the course's loop
    X = _shaped("X", X, (n0, "m"), "one row per input feature: n[0], the columns of W1",
                finite=False)
    return model_forward(X, params, _layer_activations(len(params) // 2))


def compute_cost(AL: Array, Y: Array) -> float:
    """Cross-entropy J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)), a Python float.

    ``AL`` holds probabilities, (1, m); Y is reshaped to AL's shape and holds labels 0 or 1
    (or probabilities, soft targets). An ``AL`` outside [0, 1] (where the course's cost is
    NaN, a logarithm of a negative number), a Y outside [0, 1] (a cost that can be negative)
    and an empty AL (m = 0, no mean) are refused.
    """
    AL = _probabilities(AL)
    return binary_cross_entropy(AL, _like(Y, AL))


def linear_backward(dZ: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """From ``cache == (A_prev, W, b)``: dW = (1/m) dZ A_prev.T, db = (1/m) sum(dZ),
    dA_prev = W.T dZ.  Returns ``(dA_prev, dW, db)``; dZ has Z's shape (n[l], m)."""
    A_prev, W, _ = _linear_cache(cache, "cache")
    dZ = _shaped("dZ", dZ, (W.shape[0], A_prev.shape[1]),
                 "Z's shape (n[l], m): W's rows by A_prev's columns", finite=False)
    dA_prev, dW, db = _linear_backward(dZ, A_prev, W)
    return dA_prev, dW, db  # type: ignore[return-value]


def linear_activation_backward(
    dA: Array, cache: Cache, activation: str
) -> tuple[Array, Array, Array]:
    """dZ = dA * g'(Z), then :func:`linear_backward`.  Returns ``(dA_prev, dW, db)``;
    ``cache == ((A_prev, W, b), Z)`` and dA has Z's shape."""
    g = get_activation(activation)
    linear_cache, Z = _cache(cache, "cache")
    dA = _shaped("dA", dA, Z.shape, "Z's shape (n[l], m)", finite=False)
    dZ = activation_backward(dA, Z, g.forward(Z), g)
    A_prev, W, _ = linear_cache
    dA_prev, dW, db = _linear_backward(dZ, A_prev, W)
    return dA_prev, dW, db  # type: ignore[return-value]


def L_model_backward(AL: Array, Y: Array, caches: Sequence[Cache]) -> dict[str, Array]:
    """Backward through [LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID with the cross-entropy
    cost, as the course's function does it, for any ``AL`` and caches:

        dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])),
        dZ[L] = dA[L] * s (1 - s) with s = sigmoid(Z[L]) of the last cache,

    then :func:`linear_backward` and ReLU's backward layer by layer. When ``AL`` is the
    sigmoid of that Z[L] this is the notes' dZ[L] = A[L] - Y (which :class:`nndl.Network` uses
    directly) up to rounding. ``AL`` exactly 0 or 1 divides by zero, as in the course (NumPy
    warns, and the gradients are inf or NaN). Y holds labels 0 or 1 (or probabilities); each
    cache is ``((A_prev, W, b), Z)``, one per layer, their shapes chaining.

    Returns ``grads`` with keys ``dA{l-1}``, ``dW{l}``, ``db{l}`` for l = 1..L.
    """
    caches = _caches(caches)
    AL = _output(AL)
    Z_L = caches[-1][1]
    if AL.shape != Z_L.shape:
        raise NNDLError(f"AL has shape {AL.shape} but the last cache's Z has shape {Z_L.shape}: "
                        "they must be the same (n[L], m)")
    Y = _like(Y, AL)
    # The course's dA[L], as it writes it. Not costs.binary_cross_entropy_grad: that one divides
    # by max(A, tiny) and max(1 - A, tiny), which changes the result for an AL outside (0, 1),
    # as in the course's own test case (AL = randn(1, 2)).
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    acts = _layer_activations(len(caches))
    # model_backward's dZ[L] = dA[L] * g'(Z[L]) evaluated with g(Z[L]) as the "A[L]" it reads:
    # the sigmoid of the cache's Z, as the course's sigmoid_backward recomputes it.
    return model_backward(acts[-1].forward(Z_L), Y, caches, acts, need_dA0=True,
                          dAL=dAL, carry_1_over_m=False)


def update_parameters(
    parameters: dict[str, Array], grads: dict[str, Array], learning_rate: float
) -> dict[str, Array]:
    """W[l] - alpha dW[l] and b[l] - alpha db[l], as new arrays in a new dict: the caller's
    ``parameters`` (the dict and its arrays) and ``grads`` are left as they were, as with the
    course's function (which starts from a deep copy). Every dW[l], db[l] must have the shape
    of its W[l], b[l] (no broadcasting); ``learning_rate`` is a positive number."""
    check_positive("learning_rate", learning_rate)  # used as given: its type keeps the dtype
    params = _parameters(parameters)
    if not isinstance(grads, Mapping):
        raise NNDLError(f"grads must be a dict {{'dW1': ..., 'db1': ..., ...}}, as "
                        f"L_model_backward returns it; got {_kind(grads)}")
    missing = [f"d{k}" for k in params if f"d{k}" not in grads]
    if missing:
        raise NNDLError(f"grads lacks {shorten(missing)} for the parameters "
                        f"{shorten(list(params))}")
    return {k: P - learning_rate * _shaped(f"d{k}", grads[f"d{k}"], P.shape,
                                           f"the shape of {k}")
            for k, P in params.items()}


def predict(X: Array, parameters: dict[str, Array]) -> Array:
    """0/1 labels of shape (1, m): 1 where A[L] > 0.5 (the course's ``p``, as integers; the
    course's ``predict(X, y, parameters)`` also prints the accuracy, ``np.mean(p == y)``).
    X must be finite: a NaN in X would be a label 0 (NaN > 0.5 is false), not a NaN."""
    AL, _ = L_model_forward(_matrix("X", X), parameters)
    return HEADS["binary"].indices(AL)
