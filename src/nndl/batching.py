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
:func:`nndl.training.check_training_memory`). A single epoch, or a copy that does not fit,
gathers a quarter of the epoch's samples at a time (:data:`groups`) into one buffer of a
quarter of X (:func:`gather_rows`: the quarter's columns sorted, a few rows of X at a time,
so that every cache line of X read serves several samples; 0.13-0.16 s per epoch instead of
0.39 s, and no 188 MB copy), when that buffer fits; else it gathers the columns where they
are. Batches in the data's order (``shuffle=False``) are
views of a Fortran-ordered X; from a C-ordered X they come from the same reordered copy (2+
epochs), else each batch is copied into Fortran order; the full batch of a C-ordered X is
copied into Fortran order once per fit (when it fits in memory). So every batch is an
F-ordered (n[0], b) array on every path, and training gives the same bits for every layout
of X and Y: the BLAS may compute a product of a C-ordered and of an F-ordered operand in
another order (OpenBLAS's AVX-512 kernels do, for the small products of a full batch), and
NumPy's sums run in memory order.

``nndl.batching.reorder = False`` switches the reordering (and the quarters) off.
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
"""The fewest epochs for which the reordered copy is made (one epoch gathers by quarters:
the whole copy, in new memory, would cost about as much as it saves there)."""

groups: int = 4
"""Without the reordered copy, shuffled batches of C-ordered data are gathered this many
groups of batches a time: each group's samples are copied into one buffer of 1/``groups`` of
the data by :func:`gather_rows`, and its batches are rows of that buffer. Fewer, larger
groups read X fewer times; a group must cover at least ~1/8 of the samples for its sorted
columns to share X's cache lines (float32 784 x 60 000: 1/4 0.13-0.16 s an epoch, 1/12
0.24 s, 1/24 0.48 s; gathering in place 0.39 s; AMD EPYC, 2026-12-07). 0: no groups."""


def reorder_bytes(X: Array, Y: Array, epochs: int = reorder_epochs) -> int:
    """Bytes a fit of ``epochs`` passes of mini-batches would copy to gather them as rows: X
    and/or Y when their samples are not contiguous (and ``epochs`` >= ``reorder_epochs``); 0
    else."""
    if not reorder or epochs < reorder_epochs:
        return 0
    return sum(A.nbytes for A in (X, Y) if strided(A))


def strided(A: Array) -> bool:
    """Whether A's samples (its columns) are not contiguous in memory, so that gathering one
    touches a cache line per value (C-ordered or strided A of more than one row)."""
    return not A.T.flags.c_contiguous


def group_samples(m: int, size: int) -> int:
    """Samples per group of :data:`groups` (a whole number of batches of ``size``)."""
    per = -(-m // max(groups, 1))
    return min(-(-per // size) * size, m)


def full_batch_bytes(X: Array, Y: Array) -> int:
    """Bytes the full batch copies into Fortran order (X and/or Y when not Fortran-ordered)."""
    return sum(A.nbytes for A in (X, Y) if not A.flags.f_contiguous)


class BatchSource:
    """The batches of one ``fit``: the whole set, slices in order, or shuffled mini-batches
    (a fresh permutation per epoch, gathered one batch at a time, or a group of batches at a
    time into a buffer of 1/:data:`groups` of the data; never a shuffled copy of it all).

    Parameters
    ----------
    X, Y : ndarray
        The checked data, (n[0], m) and (n[L], m).
    size : int or None
        Samples per batch; None (or >= m) is the full batch.
    shuffle : bool
        Draw each epoch's batches from a permutation of the samples.
    spare_bytes : int or None
        What the rest of training needs (the reordered copy, or the groups' buffers, must fit
        besides it); None: neither.
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
        self.group = 0
        """Samples per group gathered into :attr:`buffers` (0: batches gathered one by one)."""
        self.buffers: "tuple[Array | None, Array | None]" = (None, None)
        """Per X and Y: the buffer a group of its samples is gathered into, as rows (None:
        its batches are rows of :attr:`rows`)."""
        if full and copy:
            self.X, self.Y = np.asfortranarray(X), np.asfortranarray(Y)
        elif not full:
            self.rows = (_rows(X, copy > 0), _rows(Y, copy > 0))
            if shuffle and not copy and reorder and groups > 0 and spare_bytes is not None:
                self._plan_groups(spare_bytes)

    def _plan_groups(self, spare_bytes: int) -> None:
        """Buffers for :data:`groups` when X or Y has strided samples and they fit."""
        assert self.size is not None
        group = group_samples(self.m, self.size)
        need = [(A.shape[0], A.dtype) if strided(A) else None for A in (self.X, self.Y)]
        nbytes = sum(group * n * dt.itemsize for n, dt in filter(None, need))
        if nbytes == 0 or not fits(spare_bytes + nbytes):
            return
        self.group = group
        self.buffers = tuple(None if spec is None else np.empty((group, spec[0]), spec[1])
                             for spec in need)  # type: ignore[assignment]

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
        if self.group:
            yield from self._grouped(order)
            return
        for start in range(0, m, size):
            idx = order[start:start + size]
            yield Xr[idx].T, Yr[idx].T

    def _grouped(self, order: Array) -> Iterator[tuple[Array, Array]]:
        """The batches of ``order``, :attr:`group` samples gathered at a time: the same
        arrays as ``rows[idx].T``."""
        size, arrays = self.size, (self.X, self.Y)
        assert size is not None
        for g0 in range(0, self.m, self.group):
            idx = order[g0:g0 + self.group]
            by_value = np.argsort(idx, kind="stable")
            at = np.empty_like(by_value)
            at[by_value] = np.arange(len(idx))  # where each sample of idx is in the buffer
            parts = [None if buf is None else gather_rows(A, idx[by_value], buf)
                     for A, buf in zip(arrays, self.buffers)]
            for k in range(0, len(idx), size):
                yield tuple(rows[idx[k:k + size]].T if part is None else part[at[k:k + size]].T
                            for rows, part in zip(self.rows, parts))  # type: ignore[misc]


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


def gather_rows(A: Array, columns: Array, out: Array) -> Array:
    """``A[:, columns].T`` written into the first ``len(columns)`` rows of ``out`` (returned):
    the columns of a C-ordered (or strided) A as rows, :data:`STRIPE_BYTES` of every row of A
    at a time, so that each write fills whole cache lines of ``out``. With ``columns``
    sorted, each stripe of A is read in memory order and a cache line of A serves every
    sample in it that the group has (one copy of each value, so the values are A's)."""
    s = len(columns)
    rows = max(1, STRIPE_BYTES // A.itemsize)
    dest = out[:s]
    for i in range(0, A.shape[0], rows):
        dest[:, i:i + rows] = np.take(A[i:i + rows], columns, axis=1).T
    return dest


STRIPE_BYTES = 64
"""Bytes of a row of A that :func:`gather_rows` copies per pass: one cache line of ``out``
(16 float32 or 8 float64 values; 32 and 64 values measured slower)."""


def _rows(A: Array, copy: bool) -> Array:
    """A's samples as rows: the view ``A.T`` (contiguous rows when A is Fortran-ordered,
    strided ones else), or a C-ordered copy of it when ``copy`` and A is not
    Fortran-ordered. Gathering ``rows[idx]`` gives a C-ordered (b, n) array either way."""
    if copy and strided(A):
        return np.ascontiguousarray(A.T)
    return A.T
