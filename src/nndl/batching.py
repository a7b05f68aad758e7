"""How ``fit`` draws its batches from X and Y, whatever their memory layout.

    source = BatchSource(X, Y, size=256, shuffle=True, spare_bytes=...)
    for Xb, Yb in source.epoch(rng): ...

Samples are columns of X (n[0], m). A shuffled batch is a set of random columns: from a
Fortran-ordered X (samples stored one after the other, as ``data.T`` of samples-as-rows data)
that is a gather of contiguous rows of ``X.T``; from a C-ordered X (``np.random.randn(n, m)``,
``np.ascontiguousarray``, most loaders) every column is n[0] values one row apart, a strided
gather that touches a cache line per value (on the wide MLP of ``benchmarks/run.py``, 0.39 s
per epoch against 0.02 s for the rows). So a fit of two epochs or more of shuffled batches
on C-ordered data reorders X (and Y) once into samples-as-rows (~0.08 s for the wide MLP's
188 MB, plus the first touch of the new memory: ~0.5 s more on the benchmark's virtual
machine), when that copy fits in memory besides what training needs (``spare_bytes``, see
:func:`nndl.training.check_training_memory`); a single epoch, or a copy that does not fit,
gathers the columns where they are. Batches in the data's order (``shuffle=False``) are
views of a Fortran-ordered X; from a C-ordered X they come from the same reordered copy (2+
epochs), else each batch is copied into Fortran order; the full batch of a C-ordered X is
copied into Fortran order once per fit (when it fits in memory). So every batch is an
F-ordered (n[0], b) array on every path, and training gives the same bits for every layout
of X and Y: the BLAS may compute a product of a C-ordered and of an F-ordered operand in
another order (OpenBLAS's AVX-512 kernels do, for the small products of a full batch), and
NumPy's sums run in memory order.

``nndl.batching.reorder = False`` switches the reordering off.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .memory import fits

Array = np.ndarray

reorder: bool = True
"""Module switch: ``False`` makes no reordered copy of a C-ordered X for mini-batches (they
are gathered, or copied one by one, where they are)."""

reorder_epochs: int = 2
"""The fewest epochs for which the reordered copy is made (one epoch gathers in place: the
copy would cost about as much as it saves there)."""


def reorder_bytes(X: Array, Y: Array, epochs: int = reorder_epochs) -> int:
    """Bytes a fit of ``epochs`` passes of mini-batches would copy to gather them as rows: X
    and/or Y when their samples are not contiguous (and ``epochs`` >= ``reorder_epochs``); 0
    else."""
    if not reorder or epochs < reorder_epochs:
        return 0
    return sum(A.nbytes for A in (X, Y) if not A.T.flags.c_contiguous)


def full_batch_bytes(X: Array, Y: Array) -> int:
    """Bytes the full batch copies into Fortran order (X and/or Y when not Fortran-ordered)."""
    return sum(A.nbytes for A in (X, Y) if not A.flags.f_contiguous)


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
    epochs : int
        Passes the fit will make (fewer than ``reorder_epochs``: no reordered copy).
    """

    def __init__(self, X: Array, Y: Array, size: "int | None", shuffle: bool,
                 spare_bytes: "int | None" = None, epochs: int = reorder_epochs) -> None:
        self.X, self.Y, self.size, self.shuffle = X, Y, size, shuffle
        self.m = X.shape[1]
        self.rows: "tuple[Array, Array]" = (X.T, Y.T)
        self.copied = 0
        """Bytes copied to reorder the data (0: the batches come from X and Y themselves)."""
        self.full = full = size is None or size >= self.m
        """One batch of all the samples per epoch."""
        copy = full_batch_bytes(X, Y) if full else reorder_bytes(X, Y, epochs)
        if copy and (spare_bytes is None or not fits(spare_bytes + copy)):
            copy = 0
        self.copied = copy
        if full and copy:
            self.X, self.Y = np.asfortranarray(X), np.asfortranarray(Y)
        elif not full:
            self.rows = (_rows(X, copy > 0), _rows(Y, copy > 0))

    def epoch(self, rng: Any) -> Iterator[tuple[Array, Array]]:
        """One pass: (Xb, Yb) pairs, columns as samples (a permutation drawn from ``rng`` when
        shuffling)."""
        X, Y, size, m = self.X, self.Y, self.size, self.m
        if self.full:
            yield X, Y
            return
        Xr, Yr = self.rows
        if not self.shuffle:
            for start in range(0, m, size):
                yield (fortran(Xr[start:start + size].T),  # a view when F already
                       fortran(Yr[start:start + size].T))
            return
        order = rng.permutation(m)
        for start in range(0, m, size):
            idx = order[start:start + size]
            yield Xr[idx].T, Yr[idx].T


TILE_BYTES = 1 << 16
"""Bytes of X one step of :func:`fortran`'s copy reads: a tile that stays in the L2 cache."""


def fortran(A: Array) -> Array:
    """A itself when it is Fortran-ordered, else a Fortran-ordered copy made a few rows at a
    time (about :data:`TILE_BYTES` of A each): a C-ordered batch's transposition through the
    cache, 0.035 s instead of ``np.asfortranarray``'s 0.051 s for the 235 batches of an epoch
    of the wide MLP (C-ordered X, in order; AMD EPYC, 2026-12-07)."""
    if A.flags.f_contiguous:
        return A
    out = np.empty(A.shape, A.dtype, order="F")
    rows = max(8, TILE_BYTES // max(1, A.shape[1] * A.itemsize))
    for i in range(0, A.shape[0], rows):
        out[i:i + rows] = A[i:i + rows]
    return out


def _rows(A: Array, copy: bool) -> Array:
    """A's samples as rows: the view ``A.T`` (contiguous rows when A is Fortran-ordered,
    strided ones else), or a C-ordered copy of it when ``copy`` and A is not
    Fortran-ordered. Gathering ``rows[idx]`` gives a C-ordered (b, n) array either way."""
    if copy and not A.T.flags.c_contiguous:
        return np.ascontiguousarray(A.T)
    return A.T
