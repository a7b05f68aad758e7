"""What training holds in memory: the data, the parameters, one set of gradients, one set of
activations — and, briefly, the output layer's element-wise temporaries. Measured with
tracemalloc (NumPy reports its allocations to it), so the numbers are deterministic."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import nndl
from nndl.propagation import model_backward, model_forward


def _budget(dims: list[int], m: int, itemsize: int) -> int:
    """Parameters + one gradient per parameter + Z and A of every layer, in bytes."""
    n_params = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
    return (2 * n_params + sum(2 * n * m for n in dims[1:])) * itemsize


@pytest.mark.parametrize("order", ["F", "C"])
@pytest.mark.parametrize("output,n_out", [("sigmoid", 1), ("softmax", 4)])
def test_a_mini_batch_epoch_stays_within_the_budget(output, n_out, order, monkeypatch):
    # the training loop's own arrays: not the thread plans' probes of the products, which a
    # first mini-batch fit of a process makes under load with 2 BLAS threads (nndl.threads;
    # ~2.6 MB more here: the test failed run alone on a busy machine, passed after others)
    monkeypatch.setattr(nndl.threads, "auto", False)
    dims, m, batch = [300, 400, 200, n_out], 2000, 250
    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal((dims[0], m)), order=order)
    labels = rng.integers(0, n_out if n_out > 1 else 2, m)
    Y = labels[None, :].astype(float) if n_out == 1 else np.eye(n_out)[labels].T
    net = nndl.Network(dims, output=output, seed=0)
    net.fit(X[:, :batch], Y[:, :batch], learning_rate=0.01, iterations=1)  # first-call set-up
    tracemalloc.start()
    try:
        net = nndl.Network(dims, output=output, seed=0)
        net.fit(X, Y, learning_rate=0.01, batch_size=batch, epochs=1, shuffle=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    budget = _budget(dims, batch, 8)
    if order == "C":  # one epoch in order: each batch of C-ordered X is copied into F order
        budget += dims[0] * batch * 8
    # The output layer's softmax / cost temporaries (a few n[L] x m arrays) and Python's own
    # bookkeeping (history, dicts): 64 KiB. Without releasing the caches during backward the
    # peak holds dA[1] on top of everything (400 x 250 float64 = 800 kB): the test fails.
    slack = 6 * n_out * batch * 8 + 64 * 1024
    assert peak <= budget + slack, (peak, budget)


def test_released_caches_give_the_same_gradients_and_are_emptied():
    rng = np.random.default_rng(1)
    net = nndl.Network([5, 6, 4, 3], hidden="tanh", output="softmax", seed=2)
    X = rng.standard_normal((5, 9))
    Y = np.eye(3)[rng.integers(0, 3, 9)].T
    AL, caches = model_forward(X, net.params, net.activations)
    kept = model_backward(AL, Y, caches, net.activations)
    AL2, caches2 = model_forward(X, net.params, net.activations)
    released = model_backward(AL2, Y, caches2, net.activations, release_caches=True)
    assert kept.keys() == released.keys()
    for k in kept:
        np.testing.assert_array_equal(kept[k], released[k])
    assert caches2 == [None] * 3
    assert all(c is not None for c in caches)  # without the flag the caller's caches stay


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-14), ("float32", 1e-6)])
def test_inference_goes_through_the_samples_in_chunks_with_the_same_numbers(
        monkeypatch, dtype, rtol, order):
    """predict / evaluate / the scores of a fit ran one forward pass over all m samples (a
    1.8 MB CSV of 400 000 rows needed 3.3 GB): beyond FORWARD_CHUNK_BYTES the columns go
    through in chunks, in memory bounded by the chunk; the numbers are those of one pass up
    to rounding (a BLAS may round another width's product a few units in the last place:
    rtol 1e-14 for float64, 1e-6 for float32), the labels the same."""
    from nndl import heads, propagation

    rng = np.random.default_rng(3)
    m = 3000
    net = nndl.Network([20, 200, 200, 3], output="softmax", seed=0, dtype=dtype)
    X = np.asarray(rng.standard_normal((20, m)), dtype=dtype, order=order)
    y = rng.integers(0, 3, m)
    Y = np.eye(3)[y].T

    def everything() -> tuple:
        return (net.forward(X), net.predict_proba(X), net.predict(X), net.accuracy(X, y),
                net.cost(X, Y), heads.scores(net, X, Y))

    whole = everything()
    bound = 2**20  # all m at once: (20 + 2 * 200) x 3000 numbers, 10 MB in float64
    monkeypatch.setattr(propagation, "FORWARD_CHUNK_BYTES", bound)
    tracemalloc.start()
    try:
        AL = net.forward(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(propagation.forward_chunks(m, propagation.forward_bytes_per_sample(
        net.params, net.dtype))) > 5
    assert peak <= bound + AL.nbytes + 128 * 1024, peak  # a chunk's step (and its X), the result
    chunked = everything()
    for a, b in zip(whole[:2], chunked[:2]):
        assert a.dtype == b.dtype and a.shape == b.shape and b.flags.c_contiguous
        np.testing.assert_allclose(b, a, rtol=rtol, atol=0)
    np.testing.assert_array_equal(chunked[2], whole[2])
    assert chunked[3] == whole[3]
    np.testing.assert_allclose(chunked[4], whole[4], rtol=rtol)
    assert chunked[5].keys() == whole[5].keys()
    for k in whole[5]:
        np.testing.assert_allclose(chunked[5][k], whole[5][k], rtol=rtol)


def test_small_inputs_keep_the_one_pass_and_chunks_have_near_equal_widths():
    from nndl.propagation import forward_chunks

    assert forward_chunks(1000, 100, bound=10**5) == [(0, 1000)]  # fits: today's exact path
    assert forward_chunks(0, 100, bound=10) == [(0, 0)]
    chunks = forward_chunks(1001, 100, bound=10**4)  # 100 columns at most a chunk
    assert chunks[0][0] == 0 and chunks[-1][1] == 1001
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
    widths = [j1 - j0 for j0, j1 in chunks]
    assert len(chunks) == 11 and max(widths) <= 100 and min(widths) >= 90  # no sliver
    assert forward_chunks(3, 10**9, bound=10) == [(0, 1), (1, 2), (2, 3)]  # a huge layer
