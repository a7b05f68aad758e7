"""Matrix products whose bits do not depend on the BLAS's thread count.

A BLAS adds up the inner dimension K of ``A @ B`` in blocks: OpenBLAS takes blocks of its
``GEMM_Q`` (a few hundred, set per processor and dtype) and adds each block's partial product
into C in turn. Where a K between Q and 2 Q is cut depends on the thread count: OpenBLAS
0.3.31 on AVX-512 (float32, Q = 448) cuts K = 784 into 400 + 384 with one thread and into
392 + 392 with two. The sums are rounded in other places, so the last bits of the product
differ: with one thread and with two, ``W1 @ X`` of the wide MLP of ``benchmarks/run.py``
(512 x 784 x 256) differs, its other products do not (their K <= Q), and about half of the
K above Q differ in both dtypes (``python benchmarks/threads_bits.py``).

:mod:`nndl.threads` lowers the thread count while other processes keep cores busy. So that a
fit's numbers never depend on the load, every product nndl computes goes through
:func:`matmul`, which gives the bits of the BLAS's own thread count (its *reference* count,
the one it had before ``fit``) at whatever count is in effect:

==========  ==============================================================================
plan        how the product is computed at the current count
==========  ==============================================================================
direct      ``A @ B``: it gives the reference's bits for this signature (most products)
blocks      K cut where the BLAS cuts it at the reference count, ``A[:, k0:k1] @ B[k0:k1]``
            for each block, added into C in order: ``C = (P1 + P2) + P3 ...``, the sums the
            BLAS makes (each block is at most Q, so it is one block at any count)
reference   the BLAS's count set back to the reference count around ``A @ B`` (a product
            no other plan reproduces: exact, and as slow as that count under load)
==========  ==============================================================================

A plan belongs to a *signature*: the operands' shapes, strides and dtypes, whether they are
one array and its transpose (``X.T @ X``, a rank-k update for the BLAS), and the two thread
counts. It is found once per process, the first time a signature is met away from the
reference count, by a probe: a product of random numbers with that signature at the
reference count, against each plan (direct, then blocks for each candidate Q, the Q that
worked last first); the first plan that gives the same bits is kept. A probe costs the
reference product and one or two more (under load the reference count's product is the slow
part: ~0.1-0.4 s for the cat recipe's 209 x 12288 x 209 ``X^T X`` beside a CPU hog, paid by
the first fit of a process only). The blocks depend on the shapes only, never on the numbers, and other blocks change
the last bits of almost every entry of a product of random numbers, so a plan that gives the
same bits there gives them for any operands. Operands that are not float32/float64 matrices
or vectors of one dtype in C or Fortran order, or whose random copies would take more than
:data:`PROBE_BYTES`, get the reference plan without a probe; a vector or a rank-k update is
direct or reference.

Looking a plan up costs ~1 us per product. A training step repeats the products of the step
before it on the same batch, so once a step's products were all direct, :mod:`nndl.threads`
suspends the look-ups (:func:`suspend`) for the next steps on such a batch; and once a step
needed the reference plan (:func:`referenced`), it stops using that count for the fit: a
product at the reference count beside the load is as slow as it is without the lower count,
and setting the count around it costs more (OpenBLAS's Haswell kernels, the ones it takes for
processors with AVX2 and no AVX-512, give float32 products other bits with one thread than
with two for reasons other than K's blocks, so most of them have the reference plan there).

While the count is the reference count (always, unless :mod:`nndl.threads` lowered it),
:func:`matmul` is ``A @ B`` and nothing else.
"""

from __future__ import annotations

from typing import Any, Callable, Union

import numpy as np

Array = np.ndarray
Plan = Union[str, tuple[int, ...]]

PROBE_BYTES = 64 * 2**20
"""The most bytes a probe's random operands may take (above: the reference plan)."""

Q_CANDIDATES = (448, 384, 512, 320, 256, 640, 768, 192, 128, 224, 240, 1024)
"""Block sizes Q tried for the blocks plan: 448 and 384 are what OpenBLAS 0.3.31's SkylakeX
kernels use for float32 and float64 (found by these probes), the others block sizes of the
same order for other kernels; the Q that worked last for a dtype is tried first. A Q that
is not the BLAS's only costs a probe: its bits do not match."""

_reference = 0
"""The BLAS's own thread count while :mod:`nndl.threads` runs another one; 0: inactive."""
_current = 0
_check = False
"""Whether :func:`matmul` looks up plans (lowered count, not suspended)."""
_clean = True
"""Whether every product since :func:`mark` was direct."""
_referenced = False
"""Whether a product since :func:`mark` had the reference plan."""
_set_threads: "Callable[[int], None] | None" = None
_plans: dict[tuple[Any, ...], Plan] = {}
_q_first: dict[str, int] = {}


def matmul(A: Array, B: Array) -> Array:
    """``A @ B``, with the bits the BLAS's own thread count gives (see the module doc)."""
    if not _check:
        return A @ B
    return _exact(A, B)


def use(reference: int, current: int, set_threads: Callable[[int], None]) -> None:
    """The BLAS now runs ``current`` threads instead of its own ``reference`` count;
    ``set_threads(n)`` sets the count (for the reference plan and probes)."""
    global _reference, _current, _set_threads, _check
    if current == reference:
        reset()
        return
    _reference, _current, _set_threads, _check = reference, current, set_threads, True


def reset() -> None:
    """The BLAS runs its own count again: :func:`matmul` is ``A @ B``."""
    global _reference, _current, _set_threads, _check
    _reference, _current, _set_threads, _check = 0, 0, None, False


def lowered() -> bool:
    """Whether the BLAS runs another count than its own (set by :func:`use`)."""
    return bool(_reference)


# A training step repeats the products of the step before it with the same batch: once every
# product of such a step had the direct plan, :mod:`nndl.threads` suspends the look-ups for
# the next ones (a look-up costs ~1 us, 17% of a step of the cat recipe's small products).
def mark() -> None:
    """Start watching: :func:`clean` tells whether every product from now on is direct,
    :func:`referenced` whether one of them has the reference plan."""
    global _clean, _referenced
    _clean, _referenced = True, False


def clean() -> bool:
    """Whether every product since :func:`mark` had the direct plan."""
    return _clean


def referenced() -> bool:
    """Whether a product since :func:`mark` had the reference plan (it ran at the reference
    count: the lowered count cannot keep the bits without it)."""
    return _referenced


def suspend() -> None:
    """:func:`matmul` is ``A @ B`` until :func:`resume` (for a step whose products are known
    to be direct at this count)."""
    global _check
    _check = False


def resume() -> None:
    """:func:`matmul` looks up plans again while the count is lowered."""
    global _check
    _check = bool(_reference)


def blocks(K: int, Q: int) -> tuple[int, ...]:
    """How a multi-threaded OpenBLAS cuts an inner dimension K with block size Q: blocks of Q
    while at least 2 Q remain, then a rest between Q and 2 Q in two halves (the first one
    rounded up), then what is left (OpenBLAS's ``driver/level3/level3_thread.c``)."""
    out = []
    rest = K
    while rest > 0:
        if rest >= 2 * Q:
            size = Q
        elif rest > Q:
            size = (rest + 1) // 2
        else:
            size = rest
        out.append(size)
        rest -= size
    return tuple(out)


def _order(A: Array) -> str:
    return "C" if A.flags.c_contiguous else "F" if A.flags.f_contiguous else ""


def _gram(A: Array, B: Array) -> bool:
    """Whether ``A @ B`` is ``X.T @ X`` of one array X, which NumPy hands to the BLAS as a
    symmetric rank-k update (another routine than a general product)."""
    return (A.ndim == 2 and A.shape == B.shape[::-1] and A.strides == B.strides[::-1]
            and A.__array_interface__["data"][0] == B.__array_interface__["data"][0])


def _signature(A: Array, B: Array) -> tuple[Any, ...]:
    """Shapes, strides (the memory order) and dtypes of the operands, whether they are one
    array and its transpose, and the thread counts (reference and current): what a plan
    depends on (computed at every product while the count is lowered, so from cheap
    attributes: ~0.5 us)."""
    return (A.shape, A.strides, B.shape, B.strides, A.dtype, B.dtype,
            A.shape == B.shape[::-1] and _gram(A, B), _reference, _current)


def plan(A: Array, B: Array) -> Plan:
    """The plan of ``A @ B`` at the current count ("direct", "reference" or the blocks' sizes),
    found now if it was not yet."""
    key = _signature(A, B)
    if key not in _plans:
        _plans[key] = _find_plan(A, B)
    return _plans[key]


def forget() -> None:
    """Drop the plans found so far (they are found again when needed)."""
    _plans.clear()


def _exact(A: Array, B: Array) -> Array:
    key = _signature(A, B)
    found = _plans.get(key)
    if found == "direct":
        return A @ B
    global _clean, _referenced
    _clean = False
    if found is None:
        found = _plans[key] = _find_plan(A, B)
    if found == "reference":
        _referenced = True
    return _apply(found, A, B)


def _apply(plan: Plan, A: Array, B: Array) -> Array:
    if plan == "direct":
        return A @ B
    if plan == "reference":
        return _at_reference(A, B)
    return _by_blocks(A, B, plan)  # type: ignore[arg-type]


def _at_reference(A: Array, B: Array) -> Array:
    assert _set_threads is not None
    _set_threads(_reference)
    try:
        return A @ B
    finally:
        _set_threads(_current)


def _by_blocks(A: Array, B: Array, sizes: tuple[int, ...]) -> Array:
    """C = A[:, :k1] @ B[:k1], then C += each next block's product, in order."""
    C = A[:, :sizes[0]] @ B[:sizes[0]]
    start = sizes[0]
    for size in sizes[1:]:
        C += A[:, start:start + size] @ B[start:start + size]
        start += size
    return C


_noise: dict[str, Array] = {}


def _random_like(A: Array, offset: int = 0) -> Array:
    """Standard normal numbers with A's shape, dtype and memory order: a view of one buffer
    per dtype, drawn once per process and grown when a larger probe needs it (drawing fresh
    numbers for every probe took longer than its products)."""
    size = A.size + offset
    buf = _noise.get(A.dtype.str)
    if buf is None or buf.size < size:
        buf = np.random.default_rng(0).standard_normal(max(size, 2**16), dtype=A.dtype)
        _noise[A.dtype.str] = buf
    flat = buf[offset:offset + A.size]
    if A.flags.c_contiguous:
        return flat.reshape(A.shape)
    return flat.reshape(A.shape[::-1]).T


def _same_bits(X: Array, Y: Array) -> bool:
    as_int = np.int32 if X.dtype == np.float32 else np.int64
    return X.shape == Y.shape and bool(np.array_equal(X.view(as_int), Y.view(as_int)))


def _find_plan(A: Array, B: Array) -> Plan:
    """The first plan that gives the reference's bits on random operands of this signature
    (direct, then blocks), else the reference plan."""
    dtype = A.dtype
    if (A.ndim not in (1, 2) or B.ndim not in (1, 2) or dtype != B.dtype
            or dtype not in (np.float32, np.float64) or not _order(A) or not _order(B)
            or A.nbytes + B.nbytes > PROBE_BYTES):
        return "reference"
    if A.size == 0 or B.size == 0:
        return "direct"
    gram = _gram(A, B)
    RB = _random_like(B)
    RA = RB.T if gram else _random_like(A, offset=B.size)
    want = _at_reference(RA, RB)
    if _same_bits(RA @ RB, want):
        return "direct"
    if gram or A.ndim == 1 or B.ndim == 1:  # a rank-k update or a matrix-vector product:
        return "reference"                  # not cut into general products
    K = A.shape[1]
    first = _q_first.get(dtype.str)
    tried = set()
    for Q in ((first,) if first else ()) + Q_CANDIDATES:
        sizes = blocks(K, Q)
        if len(sizes) < 2 or sizes in tried:
            continue
        tried.add(sizes)
        if _same_bits(_by_blocks(RA, RB, sizes), want):
            _q_first[dtype.str] = Q
            return sizes
    return "reference"
