"""Feature standardization, fitted on the training part only and stored with the model.

    std = Standardizer().fit(train.X)         # per-feature mean and std over the m columns
    X_train = std.transform(train.X)          # (X - mean) / std
    X_test = std.transform(test.X)            # the same mean and std: no peeking at test data
    Standardizer.from_dict(std.to_dict())     # JSON round trip, for saved models

For X of shape (n[0], m): ``mean = (1/m) sum_j X[:, j]`` and
``std = sqrt((1/m) sum_j (X[:, j] - mean)^2)``, both (n[0], 1); for a feature whose sums
overflow float64 (values beyond ~1e154) or whose squares underflow it (values below ~1e-120,
subnormal ones included), the same statistics of X / s times s, the power of two near max |x|
(exact both ways). Standardizing values that overflow (a value far beyond the training range)
is an error that names the features. A feature that is constant on the training data (std = 0,
or std <= CONSTANT_ULPS * eps * |mean|: its values differ only by rounding) gets std = 1, so
it is only centred, never divided by (nearly) zero. "Constant" is relative to the feature's
own magnitude: a feature of std 1e-13 around 0 is a feature like any other, scaled by its std.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .errors import NNDLError
from .memory import check_memory, out_of_memory
from .validation import as_matrix, unmasked

Array = np.ndarray


EPS = float(np.finfo(np.float64).eps)
CONSTANT_ULPS = 64
"""A feature whose std is at most this many eps times |mean| is constant up to rounding: the
computed mean of m equal values is off by at most ~log2(m) eps relative (pairwise sums), and
values that differ in their last few bits only (1e10 + rounding noise) are within a few ulps;
64 covers both for any m that fits in memory, and a feature varying by more than 64 ulps
(relative 1.4e-14) is scaled like any other."""
TINY = 2.0 ** -400
"""Features whose largest |x| is below this (~3.9e-121) have their statistics computed on
X / s: the squares of their deviations would underflow float64 (std 0 while values differ)."""


def _moments(X: Array) -> tuple[Array, Array, Array]:
    """Mean and std of each row of X (n, 1), and whether the row is constant up to rounding
    (std 0 or at most CONSTANT_ULPS * eps * |mean|); inf or 0 where sums over- or underflow."""
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        return mean, std, (std == 0) | (std <= CONSTANT_ULPS * EPS * np.abs(mean))


def max_abs(X: Array) -> Array:
    """max |x| of each row (n, 1) of a 2-D X, without a temporary of X's size."""
    return np.maximum(X.max(axis=1, keepdims=True), -X.min(axis=1, keepdims=True))


def power_of_two_scale(X: Array) -> Array:
    """Per row of a 2-D X (n, 1), the power of two s with max |x| / s in [1, 2) (1 for a row
    of zeros or with NaN): sums of squares of X / s neither overflow nor underflow where
    those of X would; X / s and products by s are exact (subnormal X included), so results
    have the bits of X's where nothing over- or underflows; s never overflows (2**1023 for
    max |x| near the largest float64)."""
    top = max_abs(X)
    _, exponent = np.frexp(top)
    return np.where(top > 0, np.ldexp(1.0, exponent - 1), 1.0)


def _check_finite(what: str, ok: Array) -> None:
    """NNDLError naming the features (rows) where ``what`` overflowed (``ok`` (n[0], 1) False)."""
    bad = np.flatnonzero(~ok.ravel())
    if bad.size:
        rows = ", ".join(map(str, bad[:10].tolist())) + (", ..." if bad.size > 10 else "")
        raise NNDLError(
            f"standardizing X overflowed: {what} of {bad.size} feature(s) (rows {rows} of X) are "
            f"beyond the largest float64 ({np.finfo(np.float64).max:.3g}); their values are too "
            "large: rescale those features (e.g. divide them by a power of 10) or train without "
            "standardization")


@contextmanager
def _room(what: str, X: Array, copies: int) -> Iterator[None]:
    """Around a computation that makes ``copies`` temporaries of X's size: NNDLError before
    it when they cannot fit (:func:`nndl.memory.check_memory`), and NNDLError for a
    MemoryError in it (:func:`nndl.memory.out_of_memory`), never a NumPy traceback."""
    name = f"{what} X ({X.shape[0]} features x {X.shape[1]} samples, {X.dtype}; " \
           f"{'a temporary' if copies == 1 else f'{copies} temporaries'} of its size)"
    hint = "use fewer samples or features (or a machine with more memory)"
    need = copies * X.nbytes
    check_memory(name, need, hint)
    try:
        yield
    except MemoryError:
        raise out_of_memory(name, need, hint) from None


class Standardizer:
    """Per-feature standardization z = (x - mean) / std; ``mean`` and ``std`` are (n[0], 1)."""

    kind = "standardizer"

    def __init__(self, mean: "Array | None" = None, std: "Array | None" = None) -> None:
        self.mean: "Array | None" = None
        self.std: "Array | None" = None
        if mean is not None or std is not None:
            self._set(mean, std)

    def _set(self, mean: object, std: object) -> None:
        try:  # copies: the caller's arrays changed later must not change the scaler
            mu = np.array(unmasked("mean", mean), dtype=np.float64).reshape(-1, 1)
            sd = np.array(unmasked("std", std), dtype=np.float64).reshape(-1, 1)
        except NNDLError:
            raise
        except (TypeError, ValueError):
            raise NNDLError("Standardizer mean and std must be lists of numbers") from None
        if mu.shape != sd.shape or mu.shape[0] == 0:
            raise NNDLError(f"Standardizer mean and std must have the same non-zero length; got "
                            f"{mu.shape[0]} and {sd.shape[0]}")
        if not (np.isfinite(mu).all() and np.isfinite(sd).all()) or (sd <= 0).any():
            raise NNDLError("Standardizer mean must be finite and std finite and > 0")
        self.mean, self.std = mu, sd

    @property
    def fitted(self) -> bool:
        return self.mean is not None

    @property
    def n_features(self) -> int:
        """n[0], the number of features it was fitted on."""
        self._check_fitted()
        return int(self.mean.shape[0])  # type: ignore[union-attr]

    def __repr__(self) -> str:
        return (f"Standardizer(n_features={self.n_features})" if self.fitted
                else "Standardizer(unfitted)")

    def _check_fitted(self) -> None:
        if self.mean is None:
            raise NNDLError("this Standardizer is not fitted yet: call fit(X_train) first")

    # --- fit / transform -----------------------------------------------------------------
    def fit(self, X: object) -> "Standardizer":
        """Mean and std of each feature (row) of X (n[0], m) over its m columns; an X whose
        temporaries cannot fit is an NNDLError (:func:`_room`), not a MemoryError."""
        X = as_matrix("X", X, np.float64)
        with _room("the standard deviations of", X, 1):  # X - mean
            mean, std, constant = _moments(X)
            top = max_abs(X)  # (rows of zeros are exact as they are: not copied below)
            odd = np.flatnonzero(~(np.isfinite(mean) & np.isfinite(std))
                                 | ((top > 0) & (top < TINY)))
            if odd.size:  # squares beyond float64 either way: the same of X / s, times s
                scale = power_of_two_scale(X[odd])
                mean_s, std_s, constant[odd] = _moments(X[odd] / scale)
                with np.errstate(over="ignore", under="ignore"):
                    mean[odd], std[odd] = scale * mean_s, scale * std_s
                _check_finite("the mean and standard deviation",
                              np.isfinite(mean) & np.isfinite(std))
        std[constant | (std == 0)] = 1.0  # (std 0 also where scale * std_s underflowed)
        self.mean, self.std = mean, std
        return self

    def _input(self, X: object) -> Array:
        self._check_fitted()
        dtype = X.dtype if isinstance(X, np.ndarray) and X.dtype == np.float32 else np.float64
        return as_matrix("X", X, dtype, rows=self.n_features)

    def transform(self, X: object) -> Array:
        """(X - mean) / std for X (n[0], m); float32 input stays float32, else float64."""
        X = self._input(X)
        with _room("the standardized copy of", X, 2), \
                np.errstate(over="ignore", invalid="ignore"):
            Z = ((X - self.mean) / self.std).astype(X.dtype, copy=False)
        if not (np.isfinite(Z.min()) and np.isfinite(Z.max())):  # no temporary of X's size
            # X - mean beyond float64 (values near 1e308): X / std - mean / std where it is
            rows = np.flatnonzero(~np.isfinite(Z).all(axis=1))
            mu, sd = self.mean[rows], self.std[rows]  # type: ignore[index]
            with np.errstate(over="ignore", invalid="ignore"):
                Z[rows] = X[rows] / sd - mu / sd
            _check_finite("(X - mean) / std", np.isfinite(Z).all(axis=1, keepdims=True))
        return Z

    def fit_transform(self, X: object) -> Array:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: object) -> Array:
        """X = Z * std + mean (undoes :meth:`transform`)."""
        Z = self._input(Z)
        return (Z * self.std + self.mean).astype(Z.dtype, copy=False)

    # --- (de)serialization -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``{"type": "standardizer", "mean": [...], "std": [...]}`` (floats)."""
        self._check_fitted()
        return {"type": self.kind,
                "mean": [float(v) for v in self.mean.ravel()],  # type: ignore[union-attr]
                "std": [float(v) for v in self.std.ravel()]}  # type: ignore[union-attr]

    @classmethod
    def from_dict(cls, d: object) -> "Standardizer":
        """Rebuild from :meth:`to_dict`'s output, validating it (it may come from a file)."""
        if not isinstance(d, dict) or d.get("type", cls.kind) != cls.kind:
            raise NNDLError(f"not a Standardizer description: expected a dict with type "
                            f"{cls.kind!r}, mean and std; got {type(d).__name__}")
        mean, std = d.get("mean"), d.get("std")
        for key, v in (("mean", mean), ("std", std)):
            if not isinstance(v, list) or not all(type(x) in (int, float) for x in v):
                raise NNDLError(f"Standardizer {key} must be a list of numbers")
        return cls(mean, std)
