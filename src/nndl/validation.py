"""Checks at the boundary: what users pass in is validated here, and nowhere deeper.

Each check raises :class:`~nndl.errors.NNDLError` with a message that names what was expected
and what came.
"""

from __future__ import annotations

import sys
from numbers import Real
from typing import Any, Sequence

import numpy as np

from .errors import NNDLError, shorten

Array = np.ndarray


def check_layer_dims(layer_dims: Sequence[int]) -> list[int]:
    """[n[0], n[1], ..., n[L]] with L >= 1 and every n[l] a positive integer."""
    try:
        if isinstance(layer_dims, (str, bytes, bytearray)):  # b"xx" would be [120, 120]
            raise TypeError
        dims = list(layer_dims)
    except TypeError:
        raise NNDLError(
            f"layer sizes must be a list of positive integers [n0, n1, ..., nL]; got {layer_dims!r}"
        ) from None
    if len(dims) < 2:
        raise NNDLError(
            "layer sizes need at least an input and an output size, e.g. [n_x, 1] for logistic "
            f"regression; got {dims!r}"
        )
    for l, n in enumerate(dims):
        try:
            check_number(f"n[{l}]", n, integer=True, low=1)
        except NNDLError:
            raise NNDLError(f"layer sizes must be positive integers; n[{l}] is "
                            f"{shorten(repr(n))} in {shorten(repr(dims))}") from None
    return [int(n) for n in dims]


def _interval(low: "float | None", high: "float | None", low_open: bool,
              high_open: bool) -> str:
    """The interval in the notation of the notes, e.g. ``(0, 1]`` or ``[1, inf)`` (whole
    bounds written whole: ``2147483647``, not ``2.14748e+09``)."""
    def bound(v: float) -> str:
        return str(v) if isinstance(v, (int, np.integer)) else f"{v:g}"

    lo = "-inf" if low is None else bound(low)
    hi = "inf" if high is None else bound(high)
    return (f"{'(' if low_open or low is None else '['}{lo}, {hi}"
            f"{')' if high_open or high is None else ']'}")


def check_number(name: str, value: object, *, integer: bool = False,
                 low: "float | None" = None, high: "float | None" = None,
                 low_open: bool = False, high_open: bool = False,
                 expected: "str | None" = None) -> "int | float":
    """``value`` as a finite number in the interval from ``low`` to ``high``.

    The one check of numeric arguments in nndl. ``integer`` asks for an ``int`` (a Python or
    NumPy integer, never a ``bool``); otherwise any real number that is not a ``bool``. The
    bounds are inclusive unless ``low_open`` / ``high_open``; ``None`` means unbounded.
    ``expected`` replaces "an integer in [0, inf)" in the message (e.g. "an integer >= 2").
    Returns an ``int`` or a ``float``; raises :class:`~nndl.errors.NNDLError` naming the
    argument, the interval and what came::

        check_number("learning_rate", 0.0075, low=0, low_open=True)   # 0.0075
        check_number("seed", -1, integer=True, low=0)  # NNDLError: seed must be an integer
                                                       # in [0, inf); got -1
    """
    ok_type = (int, np.integer) if integer else (Real, np.floating, np.integer)
    kind = "an integer" if integer else "a number"
    where = _interval(low, high, low_open, high_open)
    what = expected or (kind if low is None and high is None else f"{kind} in {where}")
    if isinstance(value, bool) or not isinstance(value, ok_type) or isinstance(value, complex):
        raise NNDLError(f"{name} must be {what}; got {shorten(repr(value))}")
    try:
        v = int(value) if integer else float(value)
    except OverflowError:  # an int beyond the floats (10**400)
        v = float("inf")
    if not integer and not np.isfinite(v):
        finite = "a finite number" + ("" if low is None and high is None else f" in {where}")
        raise NNDLError(f"{name} must be {expected or finite}; got "
                        f"{value!r}")
    if ((low is not None and (v < low or (low_open and v == low)))
            or (high is not None and (v > high or (high_open and v == high)))):
        raise NNDLError(f"{name} must be {what}; got {shorten(repr(value))}")
    return v


def check_positive(name: str, value: object, integer: bool = False) -> float:
    """A finite number > 0 (an int >= 1 when ``integer``): :func:`check_number` with
    ``low=0`` excluded; the message says "a positive number/integer"."""
    kind = "a positive integer" if integer else "a positive number"
    return check_number(name, value, integer=integer, low=0, low_open=True, expected=kind)


DTYPES = ("float32", "float64")
"""The dtypes of nndl's parameters and activations."""


def check_dtype(dtype: object) -> np.dtype:
    """``dtype`` as a NumPy dtype when it is float32 or float64; NNDLError otherwise (integer
    parameters would be all zeros, ``"floot"`` a TypeError)."""
    try:
        dt = np.dtype(dtype)  # type: ignore[arg-type]
    except TypeError:
        dt = None
    if dt is None or dt.name not in DTYPES:
        raise NNDLError(f"dtype must be 'float32' or 'float64'; got {dtype!r}")
    return dt


def check_bool(name: str, value: object) -> bool:
    """``value`` as a bool when it is one (Python's or NumPy's); NNDLError otherwise
    (``bool("no")`` is True)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise NNDLError(f"{name} must be True or False; got {type(value).__name__} {value!r:.80}")


def check_seed(seed: object) -> "int | None":
    """A random seed: ``None`` or an integer >= 0 (what ``numpy.random.default_rng`` takes)."""
    if seed is None:
        return None
    return check_number("seed", seed, integer=True, low=0, expected="a non-negative integer")


def unmasked(name: str, X: object) -> object:
    """``X`` itself, or the data of a NumPy masked array none of whose entries is masked;
    NNDLError when some are: ``np.asarray`` drops the mask, so the values under it (often a
    sentinel such as -999) would be used as data. A masked entry is a missing value."""
    ma = sys.modules.get("numpy.ma")  # not loaded: X cannot be a masked array
    if ma is None or not isinstance(X, ma.MaskedArray):
        return X
    k = int(ma.count_masked(X))
    if k:
        raise NNDLError(f"{name} has {k} masked value(s): fill them ({name}.filled(v)) or leave "
                        "those samples out")
    return ma.getdata(X)


def read_array(name: str, X: object, what: str = "a numeric array") -> Array:
    """``np.asarray`` of what was given (a masked array's data when nothing is masked), or
    NNDLError naming ``name`` (which must be ``what``): masked entries, ragged lists and the
    like."""
    try:
        return np.asarray(unmasked(name, X))
    except NNDLError:
        raise
    except Exception as exc:  # ragged lists and the like
        raise NNDLError(f"{name} must be {what}; could not read it ({exc})") from None


def as_real_array(name: str, A: object) -> Array:
    """A real float array of any shape, NaN and inf kept: integer and boolean arrays, lists
    and numbers become float64; float arrays are returned as they are (the same objects).
    How :mod:`nndl.functional` and the exported activations read what they are given."""
    arr = read_array(name, A)
    if arr.dtype == object or arr.dtype.kind == "c" or not (
            np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise NNDLError(f"{name} must be a real numeric array; got dtype {arr.dtype}")
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def shaped_like(Y: Array, AL: Array) -> Array:
    """Y in the shape of the output ``AL`` (n[L], m), the one rule of the exported costs
    (:mod:`nndl.costs`) and of :mod:`nndl.functional`: Y of AL's shape is taken as it is;
    for one output unit also a vector (m,), (1, m) or (m, 1) (a number for m = 1), reshaped.
    Anything else is refused (NNDLError): a Y of another size would broadcast into an (m, m)
    "cost", one of AL's size but another shape (a transposed (m, n[L])) pair wrong entries."""
    if Y.shape == AL.shape and AL.ndim == 2:  # the usual case: one comparison
        return Y
    if AL.ndim != 2:
        raise NNDLError(f"AL must be a 2-D array (n[L], m); got shape {AL.shape}")
    m = AL.shape[1]
    if Y.size != AL.size:
        hint = (f" (class indices? give one-hot columns ({AL.shape[0]}, m): "
                f"nndl.heads.one_hot(y, {AL.shape[0]}))"
                if AL.shape[0] > 1 and Y.shape in ((m,), (1, m), (m, 1)) else "")
        raise NNDLError(f"Y has {Y.size} values (shape {Y.shape}) but AL has shape {AL.shape}: "
                        f"one label per entry of AL is needed{hint}")
    vector = AL.shape[0] == 1 and (Y.shape in ((m,), (1, m), (m, 1)) or Y.ndim == 0)  # m = 1
    if not vector:
        hint = " (it looks transposed: try Y.T)" if Y.shape == AL.shape[::-1] else ""
        also = ", or a vector (m,) / (m, 1) for one output unit" if AL.shape[0] == 1 else ""
        raise NNDLError(f"Y must have AL's shape {AL.shape} (n[L], m){also}; got shape "
                        f"{Y.shape}{hint}")
    return Y.reshape(AL.shape)


def _nullable_numbers(name: str, X: object, arr: Array) -> Array:
    """``arr`` (``np.asarray(X)``), or, for a pandas frame or series of nullable numbers
    (Float64, Int64, boolean: NumPy makes objects of them) without NA, ``X`` as float64;
    NNDLError saying so for missing values (None, pandas' NA) among objects."""
    if arr.dtype != object:
        return arr
    gone = sum(1 for v in arr.ravel() if v is None or type(v).__name__ == "NAType"
               or (isinstance(v, float) and v != v))
    if gone:
        raise NNDLError(f"{name} has missing values ({gone}: None, NaN or pandas' NA): fill "
                        "them in or leave out those samples, then pass numbers (e.g. "
                        "df.to_numpy(dtype=float))")
    dtypes = getattr(X, "dtypes", None)
    dtypes = dtypes.tolist() if hasattr(dtypes, "tolist") else [dtypes]
    if callable(getattr(X, "to_numpy", None)) and all(
            getattr(d, "kind", "O") in "biuf" for d in dtypes):
        return np.asarray(X.to_numpy(dtype=np.float64))
    return arr


_ROWS_ARE = {"X": "one per input feature n[0]", "Y": "one per output unit n[L]"}
"""What the rows of each named matrix are, for the messages of :func:`as_matrix`."""


def as_matrix(name: str, X: object, dtype: np.dtype, rows: "int | None" = None,
              rows_are: "str | None" = None) -> Array:
    """X as a finite 2-D array of ``dtype`` with ``rows`` rows (samples are columns).

    A 1-D array is accepted only when ``rows == 1`` (it becomes one row of m columns).
    ``rows_are`` says what a row is in the message of a wrong row count (default: by ``name``,
    "one per input feature n[0]" for X, "one per output unit n[L]" for Y); the message names
    ``name``, the argument that is wrong. A masked array with masked entries, and missing
    values (None, pandas' NA), are refused; pandas' nullable numbers without NA are read.
    """
    arr = read_array(name, X)
    arr = _nullable_numbers(name, X, arr)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise NNDLError(f"{name} must hold numbers; got an array of dtype {arr.dtype}")
    if arr.dtype.kind == "c":  # casting would silently drop the imaginary parts
        raise NNDLError(f"{name} must hold real numbers; got complex values (dtype {arr.dtype})")
    if arr.ndim == 1 and rows == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2:
        raise NNDLError(
            f"{name} must be 2-D with samples as columns, shape (features, m); got shape "
            f"{arr.shape}"
        )
    if rows is not None and arr.shape[0] != rows:
        hint = ""
        if arr.shape[1] == rows:
            also = f" or {name}.reshape(1, -1)" if rows == 1 else ""
            hint = (f" (it looks transposed: nndl wants samples as columns, try {name}.T"
                    f"{also})")
        what = rows_are if rows_are is not None else _ROWS_ARE.get(name, "one per feature")
        raise NNDLError(
            f"{name} must have {rows} rows ({what}), shape ({rows}, m); "
            f"got shape {arr.shape}{hint}"
        )
    if arr.shape[1] == 0:
        raise NNDLError(f"{name} has no samples (m = 0); shape {arr.shape}")
    given = arr
    with np.errstate(over="ignore"):  # values beyond dtype's range: said below, no warning
        arr = np.asarray(arr, dtype=dtype)
    # min and max are NaN/inf iff some element is: no temporary of the data's size
    if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        if arr is not given and given.dtype.kind == "f" and np.isfinite(given).all():
            top = float(np.max(np.abs(given)))
            raise NNDLError(f"{name} holds {bad} value(s) beyond {np.dtype(dtype).name}'s range "
                            f"(|x| up to {top:.3g}, {np.dtype(dtype).name} reaches "
                            f"{float(np.finfo(dtype).max):.3g}): scale them, or use a model "
                            "of dtype float64")
        raise NNDLError(f"{name} must be finite; it holds {bad} NaN or inf value(s)")
    return arr


def check_same_m(X: Array, Y: Array) -> None:
    """X and Y must have the same number of samples m (columns)."""
    if X.shape[1] != Y.shape[1]:
        hint = (" (X looks transposed: samples are its columns, X (n[0], m); for rows of "
                "samples pass X.T)" if X.shape[0] == Y.shape[1] else "")
        raise NNDLError(
            f"X and Y must have the same number of samples (columns): X has m = {X.shape[1]}, "
            f"Y has m = {Y.shape[1]}{hint}"
        )


def check_scaling(name: str, value: Any, methods: tuple[str, ...], rows: int,
                  what: str) -> Any:
    """``value`` when it is None or has the callable ``methods`` (and, fitted, ``rows``
    features); NNDLError otherwise (a wrong object would fail deep inside ``fit`` or
    ``predict``, saying that X has the wrong number of rows)."""
    if value is None or all(callable(getattr(value, m, None)) for m in methods):
        n = getattr(value, "n_features", rows) if getattr(value, "fitted", False) else rows
        if n != rows:
            raise NNDLError(f"net.{name} was fitted on {n} rows (features) but the network's "
                            f"{what} is {rows}: fit it on data of {rows} rows")
        return value
    raise NNDLError(f"{name} must be None or a fitted object with {' and '.join(methods)} "
                    f"(e.g. nndl.preprocessing.Standardizer().fit(X)); got "
                    f"{type(value).__name__} {value!r:.80}")
