"""nndl.products.matmul: every product with the bits of the BLAS's own thread count, at any
count nndl.threads sets under load (the plans: direct, K cut into the BLAS's blocks, or the
reference count set back around the product)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nndl import products


class Blas:
    """Every BLAS library threadpoolctl finds (NumPy's, and others such as PyTorch's MKL when
    another test imported it), set together."""

    def __init__(self, libs):
        self.libs = libs

    def set_num_threads(self, n):
        for lib in self.libs:
            lib.set_num_threads(n)

    @property
    def num_threads(self):
        counts = {lib.num_threads for lib in self.libs}
        assert len(counts) == 1
        return counts.pop()


@pytest.fixture
def blas():
    """The BLAS libraries at 2 threads during the test, their counts given back after (a
    failure under CI, which installs threadpoolctl with the test extra)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("threadpoolctl is missing: the test extra installs it")
        pytest.skip("threadpoolctl is not installed (the 'threads' extra)")
    libs = ThreadpoolController().select(user_api="blas").lib_controllers
    if not libs:  # pragma: no cover - NumPy without a BLAS threadpoolctl knows
        pytest.skip("threadpoolctl finds no BLAS library of NumPy's")
    before = [lib.num_threads for lib in libs]
    blas = Blas(libs)
    blas.set_num_threads(2)
    products.forget()
    yield blas
    products.reset()
    products.forget()
    for lib, n in zip(libs, before):
        lib.set_num_threads(n)


def _bits(A):
    return np.ascontiguousarray(A).view(np.int32 if A.dtype == np.float32 else np.int64)


def test_blocks_are_cut_as_a_multi_threaded_openblas_cuts_them():
    assert products.blocks(300, 448) == (300,)
    assert products.blocks(448, 448) == (448,)
    assert products.blocks(784, 448) == (392, 392)
    assert products.blocks(785, 448) == (393, 392)
    assert products.blocks(896, 448) == (448, 448)
    assert products.blocks(1000, 448) == (448, 276, 276)
    assert sum(products.blocks(12345, 384)) == 12345


def test_inactive_it_is_the_product_and_finds_no_plans():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((30, 900)), rng.standard_normal((900, 20))
    products.reset()
    products.forget()
    np.testing.assert_array_equal(products.matmul(A, B), A @ B)
    assert products._plans == {}


def _cases(rng):
    out = []
    for dt in (np.float32, np.float64):
        def f(*shape):
            return rng.standard_normal(shape).astype(dt)
        X = np.asfortranarray(f(784, 256))
        G = np.asfortranarray(f(600, 90))
        out += [
            (f(512, 784), X),                      # Z1 of the wide MLP: K = 784
            (f(256, 1000), f(1000, 128)),          # K = 1000: three blocks
            (f(64, 600), np.asfortranarray(f(600, 300))),
            (f(512, 256), X.T),                    # dW1 = dZ1 X^T: K = 256
            (G.T, G),                              # X^T X: a rank-k update
            (f(40, 700)[:, ::2], f(350, 64)),      # strided: the reference plan
            (f(700), f(700, 50)),                  # a vector
            (f(5, 0), f(0, 7)),                    # empty
        ]
    return out


def test_every_product_at_one_thread_has_the_bits_of_two(blas):
    rng = np.random.default_rng(1)
    cases = _cases(rng)
    want = [A @ B for A, B in cases]
    blas.set_num_threads(1)
    one = [A @ B for A, B in cases]
    # the test means something here: one thread alone changes some of these products
    assert any(not np.array_equal(_bits(o), _bits(w)) for o, w in zip(one, want))
    products.use(2, 1, blas.set_num_threads)
    for _ in range(2):  # the first call finds the plan, the second uses it
        for (A, B), w in zip(cases, want):
            got = products.matmul(A, B)
            assert got.shape == w.shape
            np.testing.assert_array_equal(_bits(got), _bits(w))
            assert blas.num_threads == 1  # the reference plan set the count back
    plans = [products.plan(A, B) for A, B in cases]
    for (A, B), o, w, plan in zip(cases, one, want, plans):
        if not np.array_equal(_bits(o), _bits(w)):  # one thread alone differs: not direct
            assert plan != "direct", (A.shape, B.shape, A.dtype)
    assert "direct" in plans and "reference" in plans


def test_k_cut_where_two_threads_cut_it_is_found_for_openblas(blas):
    """OpenBLAS with two threads cuts K = 784 (float32) into 392 + 392 where one thread cuts
    400 + 384 (Q = 448, SkylakeX kernels): the blocks plan reproduces it at one thread."""
    info = [lib for lib in blas.libs if lib.internal_api == "openblas"]
    rng = np.random.default_rng(4)
    A = rng.standard_normal((512, 784)).astype(np.float32)
    B = np.asfortranarray(rng.standard_normal((784, 256)).astype(np.float32))
    want = A @ B
    blas.set_num_threads(1)
    products.use(2, 1, blas.set_num_threads)
    plan = products.plan(A, B)
    np.testing.assert_array_equal(_bits(products.matmul(A, B)), _bits(want))
    if info and getattr(info[0], "architecture", "") == "SkylakeX":
        assert plan == (392, 392)  # measured on these kernels (benchmarks/threads_bits.py)


def test_without_a_matching_q_the_reference_count_runs_the_product(blas, monkeypatch):
    rng = np.random.default_rng(2)
    A = rng.standard_normal((512, 784)).astype(np.float32)
    B = np.asfortranarray(rng.standard_normal((784, 256)).astype(np.float32))
    want = A @ B
    blas.set_num_threads(1)
    monkeypatch.setattr(products, "Q_CANDIDATES", ())
    monkeypatch.setattr(products, "_q_first", {})
    products.use(2, 1, blas.set_num_threads)
    seen = []
    real = blas.set_num_threads
    products.use(2, 1, lambda n: seen.append(n) or real(n))
    first = products.matmul(A, B)  # the probe, then the plan
    plan = products.plan(A, B)
    seen.clear()
    second = products.matmul(A, B)
    for got in (first, second):
        np.testing.assert_array_equal(_bits(got), _bits(want))
    if plan == "reference":  # (direct where this BLAS gives one thread the same bits)
        assert seen == [2, 1]
    else:
        assert plan == "direct" and seen == []
    assert blas.num_threads == 1


def test_operands_too_big_to_probe_run_at_the_reference_count(blas, monkeypatch):
    rng = np.random.default_rng(3)
    A, B = rng.standard_normal((64, 900)), rng.standard_normal((900, 64))
    want = A @ B
    blas.set_num_threads(1)
    monkeypatch.setattr(products, "PROBE_BYTES", 1000)
    products.use(2, 1, blas.set_num_threads)
    np.testing.assert_array_equal(products.matmul(A, B), want)
    assert products.plan(A, B) == "reference"


def test_use_at_the_reference_count_is_inactive():
    products.use(2, 2, lambda n: None)
    assert products._reference == 0
    products.use(4, 1, lambda n: None)
    assert (products._reference, products._current) == (4, 1)
    products.reset()
    assert products._reference == 0
