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
def test_a_mini_batch_epoch_stays_within_the_budget(output, n_out, order):
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
