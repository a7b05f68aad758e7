"""How ``fit`` draws its batches from X and Y, whatever their memory layout.

    source = BatchSource(X, Y, size=256, shuffle=True, spare_bytes=...)
    for Xb, Yb in source.epoch(rng): ...

Samples are columns of X (n[0], m). A shuffled batch is a set of random columns: from a
Fortran-ordered X (samples stored one after the other, as ``data.T`` of samples-as-rows data)
that is a gather of contiguous rows of ``X.T``; from a C-ordered X (``np.random.randn(n, m)``,
``np.ascontiguousarray``, most loaders) every column is n[0] values one row apart, a strided
gather that touches a cache line per value (on the wide MLP of ``benchmarks/run.py``, 0.39 s
per epoch against 0.02 s for the rows). So a shuffled fit on C-ordered data reorders X (and Y)
once into samples-as-rows, when that copy fits in memory besides what training needs
(``spare_bytes``, see :func:`nndl.training.check_training_memory`; otherwise it gathers the
columns where they are). The batches are then the same arrays in the same layout (F-ordered
(n[0], b)) for both layouts of X, so training gives the same bits either way. Batches in the
data's order (``shuffle=False``) and the full batch are views of X: no copy, whatever the layout.

``nndl.batching.reorder = False`` switches the reordering off.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .memory import fits

Array = np.ndarray

reorder: bool = True
"""Module switch: ``False`` gathers shuffled batches from a C-ordered X in place (no copy)."""


def reorder_bytes(X: Array, Y: Array, size: "int | None", shuffle: bool) -> int:
    """Bytes a fit with these batches would copy to gather them as rows: X and/or Y when
    shuffled mini-batches are drawn from an array whose samples are not contiguous; 0 else."""
    if not reorder or not shuffle or size is None or size >= X.shape[1]:
        return 0
    return sum(A.nbytes for A in (X, Y) if not A.T.flags.c_contiguous)


class BatchSource:
    """The batches of one ``fit``: the whole set, slices in order, or shuffled mini-batches
    (a fresh permutation per epoch, gathered one batch at a time, never a shuffled copy).

    Parameters
    ----------
    X, Y : ndarray
        The checked data, (n[0], m) and (n[L], m).
    size : int or None
        Samples per batch; None (or >= m) is the full batch.
    shuffle : bool
        Draw each epoch's batches from a permutation of the samples.
    spare_bytes : int or None
        What the rest of training needs (the reordered copy must fit besides it); None: do not
        reorder.
    """

    def __init__(self, X: Array, Y: Array, size: "int | None", shuffle: bool,
                 spare_bytes: "int | None" = None) -> None:
        self.X, self.Y, self.size, self.shuffle = X, Y, size, shuffle
        self.m = X.shape[1]
        self.rows: "tuple[Array | None, Array | None]" = (None, None)
        self.copied = 0
        """Bytes copied to reorder the data (0: the batches come from X and Y themselves)."""
        if size is None or size >= self.m or not shuffle:
            return
        copy = reorder_bytes(X, Y, size, shuffle)
        if copy and (spare_bytes is None or not fits(spare_bytes + copy)):
            copy = 0
        self.copied = copy
        self.rows = (_rows(X, copy > 0), _rows(Y, copy > 0))

    def epoch(self, rng: Any) -> Iterator[tuple[Array, Array]]:
        """One pass: (Xb, Yb) pairs, columns as samples (a permutation drawn from ``rng`` when
        shuffling)."""
        X, Y, size, m = self.X, self.Y, self.size, self.m
        if size is None or size >= m:
            yield X, Y
            return
        if not self.shuffle:
            for start in range(0, m, size):
                yield X[:, start:start + size], Y[:, start:start + size]
            return
        order = rng.permutation(m)
        Xr, Yr = self.rows
        for start in range(0, m, size):
            idx = order[start:start + size]
            yield (Xr[idx].T if Xr is not None else X.take(idx, axis=1),
                   Yr[idx].T if Yr is not None else Y.take(idx, axis=1))


def _rows(A: Array, copy: bool) -> "Array | None":
    """A's samples as C-ordered rows: the view ``A.T`` when it is one, a reordered copy when
    ``copy``, else None (gather columns)."""
    if A.T.flags.c_contiguous:
        return A.T
    return np.ascontiguousarray(A.T) if copy else None
