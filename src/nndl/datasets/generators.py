"""Synthetic 2-D data sets. Every generator returns ``X`` of shape (2, m) and ``Y`` of shape
(1, m) (samples are columns) and draws only from its own ``seed``.

Every numeric argument is checked (:func:`~nndl.validation.check_number`: finite, in its
range), m against the memory available before anything is drawn
(:func:`~nndl.memory.check_memory`), and the points made: arguments so large that a
coordinate leaves float64's range (``noise=1e308``) are refused, never returned as inf or NaN.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

import numpy as np

from ..errors import NNDLError, shorten
from ..initializers import standard_normal
from ..memory import check_memory, out_of_memory
from ..validation import check_number, check_seed
from .base import Dataset, task_for_classes

Points = tuple[np.ndarray, np.ndarray]

BYTES_PER_POINT = 64
"""The most memory a generator holds at once per point (X, Y and the temporaries that make
them; measured: 48 bytes for blobs to 64 for xor)."""

_SIZE_HINT = "use a smaller m"


def _check_size(m: int) -> None:
    """NNDLError, before anything is allocated, when m points cannot fit in the memory."""
    check_memory(f"{m} generated points", m * BYTES_PER_POINT, _SIZE_HINT)


def _check_finite(call: str, X: np.ndarray) -> None:
    """NNDLError when a coordinate made by ``call`` is inf or NaN (an argument so large that
    the points overflow float64)."""
    bad = int(X.size - np.count_nonzero(np.isfinite(X)))
    if bad:
        raise NNDLError(f"{shorten(call)}: {bad} generated coordinate(s) overflow float64 "
                        f"(|x| > 1.8e308) and would be inf or NaN: use a smaller noise "
                        f"(or radius, a)")


def _generator(make: Callable[..., Points]) -> Callable[..., Points]:
    """``make`` with its points checked (:func:`_check_finite`; NumPy's overflow warnings are
    silenced, the error says it) and a MemoryError that :func:`_check_size` let through
    turned into an NNDLError."""
    signature = inspect.signature(make)

    @functools.wraps(make)
    def checked(*args: Any, **kwargs: Any) -> Points:
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                X, Y = make(*args, **kwargs)
        except MemoryError:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            m = int(bound.arguments["m"])
            raise out_of_memory(f"{m} generated points", m * BYTES_PER_POINT,
                                _SIZE_HINT) from None
        given = signature.bind(*args, **kwargs).arguments.items()
        _check_finite(f"{make.__name__}({', '.join(f'{k}={v!r}' for k, v in given)})", X)
        return X, Y

    return checked


def _rng(seed: "int | np.random.RandomState | np.random.Generator | None"):
    if isinstance(seed, (np.random.RandomState, np.random.Generator)):
        return seed
    return np.random.RandomState(check_seed(seed))


@_generator
def make_flower(m: int = 400, noise: float = 0.2, seed: "int | None" = 1, a: float = 4.0
                ) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": two classes of m/2 points each, in petals.

    For class j in {0, 1}:  t = linspace(3.12 j, 3.12 (j+1), m/2) + noise * randn(m/2),
    r = a sin(4t) + noise * randn(m/2),  points (r sin t, r cos t).  With ``seed=1`` and the
    legacy stream this is exactly the course's ``load_planar_dataset()``. ``noise`` >= 0, the
    petals' length ``a`` > 0.
    """
    m = check_number("m", m, integer=True, low=2, expected="an even integer >= 2")
    if m % 2:
        raise NNDLError(f"m must be an even integer >= 2; got {m!r}")
    noise = _check_noise(noise)
    a = check_number("a (the petals' length)", a, low=0, low_open=True,
                     expected="a number > 0")
    _check_size(m)
    rng = _rng(seed)
    N = m // 2
    X = np.zeros((m, 2))
    Y = np.zeros((m, 1), dtype=np.int64)
    for j in range(2):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + standard_normal(rng, (N,)) * noise
        r = a * np.sin(4 * t) + standard_normal(rng, (N,)) * noise
        X[N * j:N * (j + 1)] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[N * j:N * (j + 1)] = j
    return X.T.copy(), Y.T.copy()


def _check_noise(noise: object) -> float:
    """The noise's standard deviation: a finite number >= 0."""
    return float(check_number("noise", noise, low=0, expected="a number >= 0"))


def _check_args(m: object, noise: object, k: int = 2) -> tuple[int, float]:
    """m (at least one point per class, and within the memory) and the noise."""
    m = int(check_number("m", m, integer=True, low=k,
                         expected=f"an integer >= {k} (at least one point per class)"))
    noise = _check_noise(noise)
    _check_size(m)
    return m, noise


def _check_k(k: object) -> int:
    return int(check_number("k (the number of classes)", k, integer=True, low=2,
                            expected="an integer >= 2"))


def class_sizes(m: int, k: int) -> list[int]:
    """m points shared by k classes as evenly as possible (the first m % k get one more)."""
    return [m // k + (1 if j < m % k else 0) for j in range(k)]


def stack_classes(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """[(n_j, 2) points of class j] -> X (2, m), Y (1, m) int64, grouped by class."""
    X = np.concatenate(parts, axis=0).T.copy()
    Y = np.concatenate([np.full(len(p), j, dtype=np.int64) for j, p in enumerate(parts)])
    return X, Y.reshape(1, -1)


@_generator
def make_moons(m: int = 200, noise: float = 0.1, seed: "int | None" = 0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: class 0 is (cos t, sin t), class 1 is
    (1 - cos t, 1/2 - sin t), t in [0, pi]; then Gaussian noise of std ``noise`` on x1, x2."""
    m, noise = _check_args(m, noise)
    rng = _rng(seed)
    n0, n1 = class_sizes(m, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    parts = [np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]]
    parts = [p + noise * standard_normal(rng, p.shape) for p in parts]
    return stack_classes(parts)


@_generator
def make_circles(m: int = 200, noise: float = 0.05, seed: "int | None" = 0,
                 factor: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 of radius 1, class 1 of radius ``factor`` (0 < factor
    < 1), evenly spaced angles; then Gaussian noise of std ``noise``."""
    m, noise = _check_args(m, noise)
    factor = check_number("factor (inner radius / outer radius)", factor, low=0, high=1,
                          low_open=True, high_open=True, expected="in (0, 1)")
    rng = _rng(seed)
    parts = []
    for n, r in zip(class_sizes(m, 2), (1.0, float(factor))):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        parts.append(r * np.c_[np.cos(t), np.sin(t)])
    parts = [p + noise * standard_normal(rng, p.shape) for p in parts]
    return stack_classes(parts)


@_generator
def make_xor(m: int = 200, noise: float = 0.1, seed: "int | None" = 0
             ) -> tuple[np.ndarray, np.ndarray]:
    """XOR: points uniform in the four unit quadrants; class 1 where x1 and x2 have different
    signs (x1 XOR x2 > 0), class 0 where they agree; then Gaussian noise of std ``noise``."""
    m, noise = _check_args(m, noise)
    rng = _rng(seed)
    parts = []
    for j, n in enumerate(class_sizes(m, 2)):
        mag = rng.uniform(0.05, 1.0, size=(n, 2))
        s1 = np.where(rng.uniform(size=n) < 0.5, -1.0, 1.0)
        s2 = s1 if j == 0 else -s1
        parts.append(mag * np.c_[s1, s2])
    parts = [p + noise * standard_normal(rng, p.shape) for p in parts]
    return stack_classes(parts)


@_generator
def make_spiral(m: int = 300, noise: float = 0.2, seed: "int | None" = 0, k: int = 3
                ) -> tuple[np.ndarray, np.ndarray]:
    """k interleaved spiral arms (the cs231n spiral): for class j, r = linspace(0, 1, n_j),
    t = linspace(4j, 4(j+1), n_j) + noise * randn, points (r sin t, r cos t)."""
    k = _check_k(k)
    m, noise = _check_args(m, noise, k)
    rng = _rng(seed)
    parts = []
    for j, n in enumerate(class_sizes(m, k)):
        r = np.linspace(0.0, 1.0, n)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), n) + noise * standard_normal(rng, (n,))
        parts.append(np.c_[r * np.sin(t), r * np.cos(t)])
    return stack_classes(parts)


@_generator
def make_blobs(m: int = 200, noise: float = 1.0, seed: "int | None" = 0, k: int = 3,
               radius: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """k Gaussian blobs of std ``noise`` around centers evenly spaced on a circle of
    ``radius`` (>= 0): center j is radius * (cos 2 pi j / k, sin 2 pi j / k)."""
    k = _check_k(k)
    m, noise = _check_args(m, noise, k)
    radius = check_number("radius", radius, low=0, expected="a number >= 0")
    rng = _rng(seed)
    parts = []
    for j, n in enumerate(class_sizes(m, k)):
        c = radius * np.array([np.cos(2 * np.pi * j / k), np.sin(2 * np.pi * j / k)])
        parts.append(c + noise * standard_normal(rng, (n, 2)))
    return stack_classes(parts)


GENERATORS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "flower": make_flower,
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
    "blobs": make_blobs,
}
"""The table: generator name -> function ``(m=, noise=, seed=, ...) -> (X (2, m), Y (1, m))``."""


def generate(name: str, **kwargs: Any) -> Dataset:
    """The generated data set ``name`` (a key of :data:`GENERATORS`) as a :class:`Dataset`;
    ``kwargs`` (m, noise, seed, k, ...) go to the generator. ``None`` values are dropped, so
    that a command line can pass its unset options through."""
    if not isinstance(name, str) or name.strip().lower() not in GENERATORS:
        raise NNDLError(f"unknown generator {name!r}; expected one of {sorted(GENERATORS)}")
    name = name.strip().lower()
    fn = GENERATORS[name]
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    try:
        X, Y = fn(**kwargs)
    except TypeError as exc:  # an option this generator does not take
        raise NNDLError(f"generator {name!r}: {exc}") from None
    k = int(Y.max()) + 1
    return Dataset(X=X, Y=Y, classes=[str(j) for j in range(k)], feature_names=["x1", "x2"],
                   task=task_for_classes(k), name=name)
