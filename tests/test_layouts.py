"""The memory layout of X and Y changes how fit gathers batches, never the numbers it gets."""

from __future__ import annotations

import numpy as np
import pytest

import nndl
from nndl import batching, training
from nndl.batching import BatchSource


def _data(m=300, n0=20, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = np.asfortranarray(rng.standard_normal((n0, m)))
    Y = np.asfortranarray(np.eye(k)[rng.integers(0, k, m)].T)
    return X, Y


LAYOUTS = {
    "F/F": lambda X, Y: (np.asfortranarray(X), np.asfortranarray(Y)),
    "C/C": lambda X, Y: (np.ascontiguousarray(X), np.ascontiguousarray(Y)),
    "C/F": lambda X, Y: (np.ascontiguousarray(X), np.asfortranarray(Y)),
    "F/C": lambda X, Y: (np.asfortranarray(X), np.ascontiguousarray(Y)),
    "strided": lambda X, Y: (np.ascontiguousarray(np.repeat(X, 2, axis=1))[:, ::2],
                             np.ascontiguousarray(Y)),
}


def _fit(X, Y, dtype, **kw):
    net = nndl.Network([X.shape[0], 16, 8, Y.shape[0]], output="softmax", seed=3, dtype=dtype)
    h = net.fit(X, Y, learning_rate=0.05, **kw)
    return h.costs, {k: v.copy() for k, v in net.params.items()}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", [
    dict(batch_size=64, epochs=3),                       # shuffled: C-ordered data reordered
    dict(batch_size=64, epochs=1),                       # one epoch: gathered in place
    dict(batch_size=64, epochs=2, shuffle=False),        # slices in order
    dict(batch_size=50, epochs=2, optimizer="adam", lambd=0.1, keep_probs=0.9),
    dict(iterations=5),                                  # full batch
])
def test_every_layout_gives_the_same_bits(dtype, kw):
    X, Y = _data()
    X, Y = X.astype(dtype), Y.astype(dtype)
    runs = {name: _fit(*make(X, Y), dtype, **kw) for name, make in LAYOUTS.items()}
    costs, params = runs["F/F"]
    for name, (c, p) in runs.items():
        assert c == costs, name
        for k in params:
            np.testing.assert_array_equal(p[k], params[k], err_msg=f"{name} {k}")


def test_shuffled_batches_of_c_ordered_data_are_gathered_as_rows_of_one_copy():
    X, Y = _data(m=10, n0=4)
    XC, YC = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    source = BatchSource(XC, YC, 4, True, spare_bytes=0)
    assert source.copied == XC.nbytes + YC.nbytes
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    got = list(source.epoch(rng))
    order = twin.permutation(10)
    assert [b[0].shape[1] for b in got] == [4, 4, 2]
    for j, (Xb, Yb) in enumerate(got):
        idx = order[4 * j:4 * j + 4]
        np.testing.assert_array_equal(Xb, X[:, idx])
        np.testing.assert_array_equal(Yb, Y[:, idx])
        assert Xb.flags.f_contiguous and Yb.flags.f_contiguous  # one block each, for BLAS
    # Fortran-ordered data is gathered where it is: no copy
    assert BatchSource(X, Y, 4, True, spare_bytes=0).copied == 0


@pytest.mark.parametrize("kw, copied", [
    (dict(size=4, shuffle=True, epochs=1), False),   # one epoch: gathered in place
    (dict(size=4, shuffle=False, epochs=1), False),  # one epoch in order: each batch copied
    (dict(size=4, shuffle=False, epochs=3), True),   # in order, 3 epochs: one reordered copy
    (dict(size=None, shuffle=True), True),           # the full batch: one F-ordered copy
    (dict(size=20, shuffle=False), True),            # a batch of >= m samples is the full batch
])
def test_c_ordered_data_gives_f_ordered_batches_copied_once_or_per_batch(kw, copied):
    """Whatever the path, a batch of C-ordered data is the F-ordered array a batch of
    F-ordered data is (the same bits follow); the data is copied once (counted in ``copied``)
    or each batch on its own; F-ordered data is never copied."""
    X, Y = _data(m=10, n0=4)
    source = BatchSource(np.ascontiguousarray(X), np.ascontiguousarray(Y), spare_bytes=0, **kw)
    assert source.copied == (X.nbytes + Y.nbytes if copied else 0)
    assert BatchSource(X, Y, spare_bytes=0, **kw).copied == 0
    rng, twin = np.random.default_rng(2), np.random.default_rng(2)
    order = twin.permutation(10) if kw["shuffle"] and kw["size"] == 4 else np.arange(10)
    size = kw["size"] if kw["size"] == 4 else 10
    batches = list(source.epoch(rng))
    assert len(batches) == -(-10 // size)
    for j, (Xb, Yb) in enumerate(batches):
        np.testing.assert_array_equal(Xb, X[:, order[size * j:size * j + size]])
        np.testing.assert_array_equal(Yb, Y[:, order[size * j:size * j + size]])
        assert Xb.flags.f_contiguous and Yb.flags.f_contiguous


def test_the_copy_is_left_out_when_it_does_not_fit(monkeypatch):
    X, Y = _data(m=10, n0=4)
    XC, YC = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    monkeypatch.setattr(batching, "fits", lambda need: need < XC.nbytes)
    source = BatchSource(XC, YC, 4, True, spare_bytes=0)
    assert source.copied == 0
    rng, twin = np.random.default_rng(1), np.random.default_rng(1)
    order = twin.permutation(10)
    for j, (Xb, _) in enumerate(source.epoch(rng)):  # the same batches, gathered in place
        np.testing.assert_array_equal(Xb, X[:, order[4 * j:4 * j + 4]])
    monkeypatch.setattr(batching, "reorder", False)
    assert BatchSource(XC, YC, 4, True, spare_bytes=None).copied == 0


def test_fit_counts_the_copy_against_what_training_needs(monkeypatch):
    X, Y = _data(m=200)
    XC, YC = np.ascontiguousarray(X), np.ascontiguousarray(Y)
    seen = []
    real = batching.fits

    def spy(need):
        seen.append(need)
        return real(need)

    monkeypatch.setattr(batching, "fits", spy)
    net = nndl.Network([20, 16, 3], output="softmax", seed=0)
    plan = training.Plan(optimizer=nndl.optimizers.get_optimizer("adam", 0.01), batch_size=32)
    net.fit(XC, YC, learning_rate=0.01, batch_size=32, epochs=2, optimizer="adam")
    assert seen == [training.training_bytes(net, plan, 200) + XC.nbytes + YC.nbytes]


@pytest.mark.parametrize("shape", [(1, 1), (7, 3), (784, 256), (300, 1000), (9, 70000)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int8])
def test_fortran_copies_by_tiles_to_the_same_values(shape, dtype):
    """batching.fortran: the same values, Fortran-ordered, from C-ordered, strided and
    transposed arrays (every tile boundary: the row counts are no multiples of the tile);
    a Fortran-ordered array is returned as it is."""
    rng = np.random.default_rng(shape[0])
    A = (rng.standard_normal(shape) * 100).astype(dtype)
    for src in (A, A[:, ::2], np.ascontiguousarray(A.T).T[::-1]):
        out = batching.fortran(src)
        assert out.flags.f_contiguous and out.dtype == dtype
        np.testing.assert_array_equal(out, src)
    F = np.asfortranarray(A)
    assert batching.fortran(F) is F
