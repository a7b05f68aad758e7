"""Which matrix products give other bits with one BLAS thread, and what nndl.products pays.

    python benchmarks/threads_bits.py           # K = 16 ... 2048, the wide MLP, the cat recipe
    python benchmarks/threads_bits.py --tiny    # a few K (the smoke test)

For float32 and float64: a 256 x K x 256 product (K from 16 to 2048 in steps of 16) at the
BLAS's count (2 threads here) and at one thread; the K whose bits differ, and the plan
:func:`nndl.products.matmul` finds for each (direct, blocks, reference), checked to give the
two threads' bits. Then the products of one step of ``benchmarks/run.py``'s wide MLP
(784-512-256-10, batch 256) and of the cat recipe (its dual form): whether one thread alone
changes them, the plan, and the median time of the product at one thread, plain and through
the plan (the price of keeping the bits). Needs threadpoolctl.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from nndl import products  # noqa: E402


def _bits(A: np.ndarray) -> np.ndarray:
    return A.view(np.int32 if A.dtype == np.float32 else np.int64)


def _median_us(f, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def step_products(dtype: type) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The products of one step of the wide MLP and of the cat recipe's dual form."""
    rng = np.random.default_rng(0)

    def f(*shape: int, order: str = "C") -> np.ndarray:
        return np.asarray(rng.standard_normal(shape).astype(dtype), order=order)

    X = f(784, 256, order="F")
    Xc = f(12288, 209, order="F")
    return [
        ("wide Z1 = W1 X", f(512, 784), X),
        ("wide dW1 = dZ1 X^T", f(512, 256), X.T),
        ("wide Z2 = W2 A1", f(256, 512), f(512, 256)),
        ("wide dW2 = dZ2 A1^T", f(256, 256), f(512, 256).T),
        ("wide dA1 = W2^T dZ2", f(256, 512).T, f(256, 256)),
        ("wide Z3 = W3 A2", f(10, 256), f(256, 256)),
        ("cat G = X^T X", Xc.T, Xc),
        ("cat P0 = W1 X", f(20, 12288), Xc),
        ("cat Z1 = C G", f(20, 209), f(209, 209)),
        ("cat W1 = C X^T", f(20, 209), Xc.T),
    ]


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="a few K, few repeats (for tests)")
    args = ap.parse_args(argv)
    from threadpoolctl import ThreadpoolController

    libs = ThreadpoolController().select(user_api="blas").lib_controllers
    before = [lib.num_threads for lib in libs]

    def set_threads(n: int) -> None:
        for lib in libs:
            lib.set_num_threads(n)

    ks = [464, 480, 784] if args.tiny else list(range(16, 2049, 16))
    repeats = 3 if args.tiny else 15
    lines = []
    try:
        for dtype in (np.float32, np.float64):
            rng = np.random.default_rng(1)
            differ, plans = [], {"direct": 0, "blocks": 0, "reference": 0}
            for K in ks:
                A = rng.standard_normal((256, K)).astype(dtype)
                B = rng.standard_normal((K, 256)).astype(dtype)
                set_threads(2)
                want = A @ B
                set_threads(1)
                if not np.array_equal(_bits(A @ B), _bits(want)):
                    differ.append(K)
                products.use(2, 1, set_threads)
                plan = products.plan(A, B)
                got = products.matmul(A, B)
                products.reset()
                assert np.array_equal(_bits(got), _bits(want)), (dtype, K)
                plans["blocks" if isinstance(plan, tuple) else plan] += 1  # type: ignore
            lines.append(f"{np.dtype(dtype).name}: 256 x K x 256, K = {ks[0]}..{ks[-1]}: "
                         f"{len(differ)} of {len(ks)} K differ with one thread "
                         f"(first: {differ[:6]}); plans {plans}; all give the 2 threads' bits")
        hdr = (f"{'product':<22} {'dtype':<8} {'1t differs':>10} {'plan':>16} "
               f"{'1t us':>9} {'plan us':>9} {'plan/1t':>8}")
        lines += ["", hdr, "-" * len(hdr)]
        for dtype in (np.float32, np.float64):
            for name, A, B in step_products(dtype):
                set_threads(2)
                want = A @ B
                set_threads(1)
                one = A @ B
                products.use(2, 1, set_threads)
                plan = products.plan(A, B)
                t_one = _median_us(lambda: A @ B, repeats)
                t_plan = _median_us(lambda: products.matmul(A, B), repeats)
                products.reset()
                shown = "blocks " + "+".join(map(str, plan)) if isinstance(plan, tuple) else plan
                lines.append(f"{name:<22} {np.dtype(dtype).name:<8} "
                             f"{str(not np.array_equal(_bits(one), _bits(want))):>10} "
                             f"{shown:>16} {t_one:>9.0f} {t_plan:>9.0f} {t_plan / t_one:>8.2f}")
    finally:
        products.reset()
        for lib, n in zip(libs, before):
            lib.set_num_threads(n)
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
