"""The memory layout of X and Y changes how fit gathers batches, never the numbers it gets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
@pytest.mark.parametrize("kw, room", [
    (dict(batch_size=64, epochs=3), "all"),              # shuffled: C-ordered data reordered
    (dict(batch_size=64, epochs=1), "all"),              # one epoch: gathered by groups
    (dict(batch_size=48, epochs=2), "groups"),           # no room for the copy: by groups
    (dict(batch_size=64, epochs=1), "none"),             # no room for groups: in place
    (dict(batch_size=64, epochs=2, shuffle=False), "all"),  # slices in order
    (dict(batch_size=50, epochs=2, optimizer="adam", lambd=0.1, keep_probs=0.9), "all"),
    (dict(iterations=5), "all"),                         # full batch
])
def test_every_layout_gives_the_same_bits(dtype, kw, room, monkeypatch):
    X, Y = _data()
    X, Y = X.astype(dtype), Y.astype(dtype)
    if room == "groups":  # memory for a group's buffer, not for the whole copy
        monkeypatch.setattr(batching, "reorder_bytes", lambda *a: 0)
    elif room == "none":
        monkeypatch.setattr(batching, "fits", lambda need: False)
    gathered = []
    real = batching.gather_rows
    monkeypatch.setattr(batching, "gather_rows", lambda *a: gathered.append(1) or real(*a))
    by_groups = (kw.get("shuffle", True) and "batch_size" in kw and room != "none"
                 and (kw["epochs"] == 1 or room == "groups"))
    runs = {}
    for name, make in LAYOUTS.items():
        gathered.clear()
        runs[name] = _fit(*make(X, Y), dtype, **kw)
        assert bool(gathered) == (by_groups and name != "F/F"), name  # the path under test
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
    (dict(size=4, shuffle=True, epochs=1), False),   # one epoch: gathered by groups
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
    monkeypatch.setattr(batching, "fits", lambda need: False)
    source = BatchSource(XC, YC, 4, True, spare_bytes=0)
    assert source.copied == 0 and source.group == 0
    rng, twin = np.random.default_rng(1), np.random.default_rng(1)
    order = twin.permutation(10)
    for j, (Xb, _) in enumerate(source.epoch(rng)):  # the same batches, gathered in place
        np.testing.assert_array_equal(Xb, X[:, order[4 * j:4 * j + 4]])
    monkeypatch.setattr(batching, "reorder", False)
    assert BatchSource(XC, YC, 4, True, spare_bytes=None).copied == 0
    monkeypatch.setattr(batching, "fits", lambda need: True)  # reorder off: no groups either
    source = BatchSource(XC, YC, 4, True, spare_bytes=0, epochs=1)
    assert source.copied == 0 and source.group == 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m, size, n0, k, layout", [
    (300, 64, 20, 3, "C/C"),        # groups of 128: 128, 128, 44; the last batch of 44
    (1000, 32, 37, 1, "C/F"),       # 37 rows: stripes of 16 (8) and a short one; Y of 1 row
    (257, 256, 5, 2, "strided"),    # one full batch and one of a single sample
    (10, 3, 4, 2, "F/C"),           # only Y is strided: X's batches are rows of X.T
])
def test_groups_gather_the_batches_of_the_permutation(dtype, m, size, n0, k, layout,
                                                       monkeypatch):
    """One epoch of shuffled batches of strided data: gathered a group of batches at a time
    into buffers of ~1/groups of the data (counted in memory), the same F-ordered arrays
    ``X[:, idx]`` as one by one; a buffer only for a strided array."""
    X, Y = _data(m=m, n0=n0, k=k)
    X, Y = LAYOUTS[layout](X.astype(dtype), Y.astype(dtype))
    asked = []
    monkeypatch.setattr(batching, "fits", lambda need: asked.append(need) or True)
    source = BatchSource(X, Y, size, True, spare_bytes=123, epochs=1)
    group = batching.group_samples(m, size)
    assert source.group == group and group % size == 0 or group == m
    assert group >= -(-m // batching.groups)
    shapes = [None if b is None else b.shape for b in source.buffers]
    assert shapes == [(group, n0) if batching.strided(X) else None,
                      (group, k) if batching.strided(Y) else None]
    assert asked == [123 + sum(group * A.shape[0] * A.itemsize for A in (X, Y)
                               if batching.strided(A))]
    for epoch in range(2):  # the buffers are reused; every epoch its own permutation
        rng, twin = np.random.default_rng(epoch), np.random.default_rng(epoch)
        order = twin.permutation(m)
        batches = list(source.epoch(rng))
        assert [b[0].shape[1] for b in batches] == [len(order[s:s + size])
                                                    for s in range(0, m, size)]
        for j, (Xb, Yb) in enumerate(batches):
            idx = order[size * j:size * j + size]
            np.testing.assert_array_equal(Xb, X[:, idx])
            np.testing.assert_array_equal(Yb, Y[:, idx])
            assert Xb.flags.f_contiguous and Yb.flags.f_contiguous
            assert Xb.dtype == Yb.dtype == dtype


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 40), m=st.integers(1, 60),
       dtype=st.sampled_from([np.float32, np.float64, np.int16]),
       order=st.sampled_from(["C", "F", "strided"]))
def test_gather_rows_is_the_transposed_take(data, n, m, dtype, order):
    """gather_rows(A, cols, out) == A[:, cols].T, in the first rows of out, for any columns
    (sorted or not, repeated), any layout and stripe boundary; the rest of out untouched."""
    A = np.arange(n * m * 2, dtype=dtype).reshape(n, 2 * m)
    A = A[:, ::2] if order == "strided" else np.asarray(A[:, :m], order=order)
    cols = np.array(data.draw(st.lists(st.integers(0, m - 1), min_size=0, max_size=2 * m)),
                    dtype=np.intp)
    out = np.full((len(cols) + 3, n), -1, dtype=dtype)
    got = batching.gather_rows(A, cols, out)
    np.testing.assert_array_equal(got, A[:, cols].T)
    assert np.shares_memory(got, out) or len(cols) == 0
    assert (out[len(cols):] == -1).all()


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
