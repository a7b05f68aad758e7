"""Train / dev / test splitting, stratified by class for classification.

With fractions ``dev`` and ``test`` of m samples, the dev part gets round(dev * m) samples and
the test part round(test * m); the training part keeps the rest. Stratified, each class c of
m_c samples gives each part its share of that part's size (largest remainders, so the part sizes
are exact), and keeps at least one sample of each class in the training part. The samples of
each class are shuffled with ``numpy.random.default_rng(seed)`` only; each part keeps the
original order of its samples.
"""

from __future__ import annotations


import numpy as np

from ..errors import NNDLError, shorten
from ..validation import check_number, check_seed
from .base import Dataset


def _fraction(name: str, v: object) -> float:
    return float(check_number(name, v, low=0, high=1, high_open=True,
                              expected="a fraction in [0, 1) of the samples"))


def _quotas(sizes: np.ndarray, total: int, cap: np.ndarray) -> np.ndarray:
    """Split ``total`` over groups in proportion to ``sizes`` (largest remainder), taking at
    most ``cap[c]`` from group c."""
    ideal = total * sizes / sizes.sum()
    q = np.minimum(np.floor(ideal).astype(np.int64), cap)
    left = total - int(q.sum())
    order = np.argsort(-(ideal - q), kind="stable")
    while left > 0:
        progressed = False
        for c in order:
            if left == 0:
                break
            if q[c] < cap[c]:
                q[c] += 1
                left -= 1
                progressed = True
        if not progressed:
            break
    return q


def part_indices(labels: "np.ndarray | None", m: int, n_dev: int, n_test: int,
                 rng: "np.random.Generator | np.random.RandomState"
                 ) -> "list[np.ndarray] | None":
    """The sample indices of the (train, dev, test) parts of m samples, each sorted: ``n_dev``
    and ``n_test`` of them drawn with ``rng``, stratified by ``labels`` (class indices, one
    per sample) when given, a plain random draw when None. None when stratifying cannot keep
    one sample of every class for training."""
    parts: list[list[np.ndarray]] = [[], [], []]  # train, dev, test
    if labels is not None:
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
        sizes = np.array([len(g) for g in groups])
        cap = sizes - 1  # keep one sample of each class for training
        q_test = _quotas(sizes, n_test, cap)
        q_dev = _quotas(sizes, n_dev, cap - q_test)
        if q_test.sum() != n_test or q_dev.sum() != n_dev:
            return None
        for g, a, b in zip(groups, q_dev, q_test):
            g = rng.permutation(g)
            parts[1].append(g[:a])
            parts[2].append(g[a:a + b])
            parts[0].append(g[a + b:])
    else:
        g = rng.permutation(m)
        parts[1].append(g[:n_dev])
        parts[2].append(g[n_dev:n_dev + n_test])
        parts[0].append(g[n_dev + n_test:])
    return [np.sort(np.concatenate(p)) for p in parts]


def hold_out(labels: "np.ndarray | None", m: int, fraction: float,
             rng: "np.random.Generator | np.random.RandomState") -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) sample indices for ``early_stopping``: ceil(fraction * m) of the
    m samples held out, stratified by ``labels`` when given (:func:`part_indices`), as
    scikit-learn's MLPClassifier draws its validation part (a rare class could land wholly
    in it and never be trained on)."""
    n_dev = int(np.ceil(fraction * m))
    if n_dev >= m:
        raise NNDLError(f"early_stopping needs more samples: {m} sample(s) leave none for "
                        f"training with validation_fraction={fraction}")
    if labels is None:  # a regression: the draw (and order) fits made before
        order = rng.permutation(m)
        return order[n_dev:], order[:n_dev]
    parts = part_indices(labels, m, n_dev, 0, rng)
    if parts is None:
        raise NNDLError(f"early_stopping cannot hold out {n_dev} of {m} samples and keep a "
                        f"sample of every class for training; lower validation_fraction (now "
                        f"{fraction})")
    return parts[0], parts[1]


def split(data: Dataset, dev: float = 0.2, test: float = 0.0, seed: "int | None" = 0,
          stratify: bool = True) -> tuple[Dataset, "Dataset | None", "Dataset | None"]:
    """``(train, dev, test)`` parts of ``data``; a part with fraction 0 is None.

    Stratified (the default, for classification): every class keeps its proportion in every
    part, up to rounding. Regression data, unlabeled data or ``stratify=False``: a plain random
    permutation.
    """
    if not isinstance(data, Dataset):
        raise NNDLError(f"split needs a Dataset; got {type(data).__name__}")
    dev, test = _fraction("dev", dev), _fraction("test", test)
    if dev + test >= 1:
        raise NNDLError(f"dev + test must leave samples to train on (sum < 1); got "
                        f"dev={dev}, test={test}")
    seed = check_seed(seed)
    m = data.m
    n_dev, n_test = int(round(dev * m)), int(round(test * m))
    if (dev > 0 and n_dev == 0) or (test > 0 and n_test == 0) or m - n_dev - n_test < 1:
        raise NNDLError(f"{m} samples are too few to split with dev={dev:.6g}, "
                        f"test={test:.6g}")
    labels = data.Y[0] if stratify and data.task in ("binary", "multiclass") else None
    idx = part_indices(labels, m, n_dev, n_test, np.random.default_rng(seed))
    if idx is None:
        sizes = np.unique(labels, return_counts=True)[1]
        raise NNDLError(f"cannot stratify {m} samples with class sizes "
                        f"{shorten(sizes.tolist())} into dev={dev}, test={test} (nndl train: "
                        "another --dev, or --dev 0; from Python: stratify=False)")
    base = data.name or "data"
    train = data.subset(idx[0], name=f"{base}[train]")
    dev_ds = data.subset(idx[1], name=f"{base}[dev]") if n_dev else None
    test_ds = data.subset(idx[2], name=f"{base}[test]") if n_test else None
    return train, dev_ds, test_ds
