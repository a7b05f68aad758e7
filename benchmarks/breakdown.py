"""Where one epoch of the wide MLP goes: nndl's own functions under cProfile, and the matrix
products alone (the same products on the same batches, nothing else) as the floor.

    python benchmarks/breakdown.py            # 784-512-256-10, 60 000 samples, batch 256
    python benchmarks/breakdown.py --tiny     # small sizes (the smoke test)

The GEMM time is ~85% of the epoch on a 2-core machine (README "Speed"); what cProfile lists
under ``linear_forward`` / ``linear_backward`` is mostly those products, the rest is the
element-wise work of the equations (activations, 1/m, db, the update) and Python.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (benchmarks/run.py: the same data, start and sizes)


def products_only(X: np.ndarray, params: dict, batch: int) -> float:
    """Seconds for the epoch's matrix products alone: per batch and layer, W A_prev, dZ A_prev^T
    and (layers >= 2) W^T dZ, with Z standing in for A and dZ (their values do not matter)."""
    L = len(params) // 2
    W = [params[f"W{l}"] for l in range(1, L + 1)]
    t0 = time.perf_counter()
    for s in range(0, X.shape[1], batch):
        A = [X[:, s:s + batch]]
        for l in range(L):
            A.append(W[l] @ A[l])
        dZ = A[L]
        for l in range(L - 1, -1, -1):
            dZ @ A[l].T
            if l > 0:
                dZ = W[l].T @ dZ
    return time.perf_counter() - t0


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="small sizes (for tests)")
    ap.add_argument("--repeats", type=int, default=3, help="epochs timed each way (median)")
    ap.add_argument("--top", type=int, default=12, help="rows of the cProfile table")
    args = ap.parse_args(argv)
    cfg = bench.config(quick=False, tiny=args.tiny)
    X, Y, _ = bench.wide_data(cfg)
    dims, batch = cfg["wide_dims"], cfg["wide_batch"]
    params = bench.init_params(dims, "he", "float32")

    def epoch() -> float:
        return bench.nndl_wide_epoch(X, Y, cfg, params)[0]

    epoch()  # warm-up
    fit_t = statistics.median(epoch() for _ in range(args.repeats))
    gemm_t = statistics.median(products_only(X, params, batch) for _ in range(args.repeats))
    prof = cProfile.Profile()
    prof.runcall(epoch)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
    table = out.getvalue()
    table = table[table.index("   ncalls"):] if "   ncalls" in table else table
    text = (f"wide MLP {dims}, {X.shape[1]} samples, batch {batch}, float32, one epoch "
            f"(median of {args.repeats})\n"
            f"nndl fit            {fit_t:8.3f} s\n"
            f"matrix products     {gemm_t:8.3f} s  ({100 * gemm_t / fit_t:.0f}% of the epoch)\n"
            f"everything else     {fit_t - gemm_t:8.3f} s\n\n"
            f"cProfile of one epoch (tottime = time in the function itself):\n{table}")
    print(text)
    return text


if __name__ == "__main__":
    main()
