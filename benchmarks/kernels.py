"""What the fused kernels (nndl.kernels) save per step, and what loading costs.

    python benchmarks/kernels.py            # the wide MLP's parameters (535 040), float32
    python benchmarks/kernels.py --tiny     # small sizes (the smoke test)
    python benchmarks/kernels.py --epochs 12  # also whole epochs of the wide MLP, on and off

For each optimizer: the median time of one ``step_into`` over all parameters with NumPy's
passes and with the fused kernel (the same gradients, alternating, after a matrix product
so that the BLAS threads are awake as in training), and the difference per parameter in
nanoseconds (nndl.kernels.SAVING_NS holds these numbers). For the ReLU layers: a hidden
layer's ``Z += b; A = relu(Z)`` and its backward ``dA * relu'(Z)`` with NumPy's passes and
with the kernels, on the wide MLP's hidden layers (batch 256) and on a small layer (20 x 209,
the cat recipe's), the saving per entry of Z and per layer
(nndl.kernels.ACTIVATION_SAVING_NS). Then the cost of loading the
kernels in a fresh process (importing numba, the kernel from numba's cache, first call):
nndl.kernels.LOAD_S. With ``--epochs N``: N rounds of one plain-SGD epoch of
``benchmarks/run.py``'s wide MLP (Fortran-ordered, in order) with the kernels and without,
alternating in one process (the order swapped every round), the median of each and of the
per-round ratio, and whether both give the same parameters bit for bit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from nndl import kernels  # noqa: E402
from nndl import optimizers as O  # noqa: E402

LOAD = """
import time
t0 = time.perf_counter()
import numpy as np
from nndl import kernels
kernels.load()
a = np.ones(8, np.float32)
kernels.loaded().adam(a, a.copy(), True, *[a.copy() for _ in range(4)], *[np.float32(0.5)] * 8)
print(time.perf_counter() - t0)
"""


def step_times(name: str, dims: list[int], repeats: int) -> tuple[float, float]:
    """(NumPy, fused) median seconds of one step_into over the parameters of ``dims``."""
    rng = np.random.default_rng(0)
    P = {}
    for l in range(1, len(dims)):
        P[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])).astype(np.float32)
        P[f"b{l}"] = np.zeros((dims[l], 1), np.float32)
    G = {"d" + k: rng.standard_normal(v.shape).astype(np.float32) * 1e-2 for k, v in P.items()}
    A = rng.standard_normal((dims[1], dims[0])).astype(np.float32)
    B = rng.standard_normal((dims[0], 64)).astype(np.float32)
    times: dict[bool, list[float]] = {False: [], True: []}
    opts = {use: O.get_optimizer(name, learning_rate=1e-3) for use in (False, True)}
    for _ in range(repeats):
        for use in (False, True):
            kernels.enabled = use
            grads = {k: v.copy() for k, v in G.items()}
            A @ B  # the BLAS threads awake, as after backward
            t0 = time.perf_counter()
            opts[use].step_into(P, grads)
            times[use].append(time.perf_counter() - t0)
    kernels.enabled = True
    return statistics.median(times[False]), statistics.median(times[True])


def relu_times(shape: tuple[int, int], repeats: int) -> tuple[float, float]:
    """(NumPy, fused) median seconds of one ReLU layer's forward (bias and ReLU) and backward
    (in place) on Z of ``shape``, each right after a product as in training."""
    from nndl.activations import get_activation
    from nndl.layers import activation_backward

    relu = get_activation("relu")
    rng = np.random.default_rng(1)
    Z0 = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal((shape[0], 1)).astype(np.float32)
    dA0 = rng.standard_normal(shape).astype(np.float32)
    A = rng.standard_normal((512, 784)).astype(np.float32)
    B = rng.standard_normal((784, 64)).astype(np.float32)
    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for use in (False, True):
            kernels.enabled = use
            Z, dA = Z0.copy(), dA0.copy()
            A @ B
            t0 = time.perf_counter()
            out = kernels.forward(Z, b, relu) if use else None
            if out is None:
                Z += b
                out = relu.forward(Z)
            t1 = time.perf_counter()
            A @ B
            t2 = time.perf_counter()
            activation_backward(dA, Z, out, relu, overwrite_dA=True)
            times[use].append(time.perf_counter() - t2 + t1 - t0)
    kernels.enabled = True
    return statistics.median(times[False]), statistics.median(times[True])


def epoch_times(rounds: int, tiny: bool) -> tuple[float, float, float, bool]:
    """(median s with kernels, median s without, median per-round ratio, same bits) for one
    plain-SGD epoch of run.py's wide MLP."""
    sys.path.insert(0, str(HERE))
    import run as bench

    cfg = bench.config(quick=False, tiny=tiny)
    X, Y, _ = bench.wide_data(cfg)
    params = bench.init_params(cfg["wide_dims"], "he", "float32")

    def epoch(use: bool) -> tuple[float, dict]:
        kernels.enabled = use
        return bench.nndl_wide_epoch(X, Y, cfg, params)

    times: dict[bool, list[float]] = {False: [], True: []}
    last: dict[bool, dict] = {}
    epoch(True), epoch(False)  # warm-up
    for r in range(rounds):
        for use in ((True, False) if r % 2 else (False, True)):
            t, last[use] = epoch(use)
            times[use].append(t)
    kernels.enabled = True
    same = all(np.array_equal(last[True][k].view(np.uint32), last[False][k].view(np.uint32))
               for k in last[True])
    ratio = statistics.median(a / b for a, b in zip(times[True], times[False]))
    return statistics.median(times[True]), statistics.median(times[False]), ratio, same


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="small sizes (for tests)")
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--epochs", type=int, default=0,
                    help="rounds of whole wide-MLP epochs with and without kernels (0: none)")
    args = ap.parse_args(argv)
    dims = [30, 16, 8, 3] if args.tiny else [784, 512, 256, 10]
    repeats = 3 if args.tiny else args.repeats
    if not kernels.available():
        print("numba is not installed (pip install 'nndl[fast]'): nothing to measure")
        return ""
    kernels.load()
    n = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
    lines = [f"{n} float32 parameters ({dims}), median of {repeats} steps",
             f"{'optimizer':<10} {'numpy ms':>9} {'fused ms':>9} {'saved ns/param':>15}"]
    for name in sorted(kernels.SAVING_NS):
        slow, fast = step_times(name, dims, repeats)
        lines.append(f"{name:<10} {slow * 1e3:>9.3f} {fast * 1e3:>9.3f} "
                     f"{(slow - fast) / n * 1e9:>15.2f}")
    shapes = [(dims[l], 64 if args.tiny else 256) for l in range(1, len(dims) - 1)]
    shapes.append((8, 20) if args.tiny else (20, 209))
    lines.append(f"{'relu layer':<10} {'numpy us':>9} {'fused us':>9} {'saved ns/entry':>15}")
    for shape in shapes:
        slow, fast = relu_times(shape, repeats)
        lines.append(f"{f'{shape[0]}x{shape[1]}':<10} {slow * 1e6:>9.1f} {fast * 1e6:>9.1f} "
                     f"{(slow - fast) / (shape[0] * shape[1]) * 1e9:>15.2f}")
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    loads = [float(subprocess.run([sys.executable, "-c", LOAD], env=env, check=True,
                                  capture_output=True, text=True).stdout)
             for _ in range(1 if args.tiny else 5)]
    lines.append(f"loading in a fresh process (numba import, cached kernel, first call): "
                 f"median {statistics.median(loads):.3f} s of {len(loads)}")
    if args.epochs:
        on, off, ratio, same = epoch_times(args.epochs, args.tiny)
        lines.append(f"plain-SGD epoch of the wide MLP, {args.epochs} alternating rounds: "
                     f"kernels {on:.3f} s, NumPy {off:.3f} s, ratio {ratio:.3f} (median per "
                     f"round), same parameters bit for bit: {same}")
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
