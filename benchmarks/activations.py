"""The activations on one layer's Z: nndl, the plain NumPy forms nndl had before, and PyTorch.

    python benchmarks/activations.py            # Z of 512 x 256 (the wide MLP's first layer)
    python benchmarks/activations.py --tiny     # small sizes (the smoke test)

For each activation and dtype: the median time of ``g.forward(Z)`` and of ``g.backward(dA, Z,
A)`` with nndl (:mod:`nndl.activations`), with the plain forms it replaced (relu
``np.maximum(Z, 0)``; leaky ReLU ``Z * max([Z > 0], slope)``; sigmoid's numerator
``np.where(Z >= 0, 1, e)``; tanh is unchanged: the reference row), and with PyTorch's CPU
kernels on the same memory (``torch.from_numpy``: ``torch.relu``, ``F.leaky_relu``,
``torch.sigmoid``, ``torch.tanh``; backward ``aten.threshold_backward``,
``leaky_relu_backward``, ``sigmoid_backward``, ``tanh_backward``, what autograd calls), each
with its default threads. The three take turns call by call (the order rotating), so a slow
spell of the machine falls on all of them; the ratios are nndl / plain and nndl / torch of the
medians. Z holds standard normal numbers: random signs, as a layer's pre-activations have.
nndl's forms give the plain forms' bits (tests/test_activations.py); this script checks that
too and prints it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from nndl.activations import get_activation  # noqa: E402

Array = np.ndarray
SLOPE = 0.01


def _plain_sigmoid(Z: Array) -> Array:
    E = np.abs(Z)
    np.negative(E, out=E)
    np.exp(E, out=E)
    A = np.where(Z >= 0, Z.dtype.type(1), E)
    A /= 1 + E
    return A


def _plain_leaky_factor(Z: Array) -> Array:
    D = (Z > 0).astype(Z.dtype)
    return np.maximum(D, Z.dtype.type(SLOPE), out=D)


PLAIN: dict[str, tuple[Callable, Callable]] = {
    "relu": (lambda Z: np.maximum(Z, 0), lambda dA, Z, A: dA * (Z > 0)),
    "leaky_relu": (lambda Z: Z * _plain_leaky_factor(Z),
                   lambda dA, Z, A: dA * _plain_leaky_factor(Z)),
    "sigmoid": (_plain_sigmoid, lambda dA, Z, A: dA * A * (1 - A)),
    "tanh": (np.tanh, lambda dA, Z, A: dA * (1 - A * A)),
}


def _torch_pair(name: str):
    """(forward, backward) of PyTorch's CPU kernels for ``name``, or None without torch."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    aten = torch.ops.aten
    t = torch.from_numpy
    pairs = {
        "relu": (lambda Z: torch.relu(t(Z)),
                 lambda dA, Z, A: aten.threshold_backward(t(dA), t(Z), 0)),
        "leaky_relu": (lambda Z: F.leaky_relu(t(Z), SLOPE),
                       lambda dA, Z, A: aten.leaky_relu_backward(t(dA), t(Z), SLOPE, False)),
        "sigmoid": (lambda Z: torch.sigmoid(t(Z)),
                    lambda dA, Z, A: aten.sigmoid_backward(t(dA), t(A))),
        "tanh": (lambda Z: torch.tanh(t(Z)), lambda dA, Z, A: aten.tanh_backward(t(dA), t(A))),
    }
    return pairs[name]


def _bits(a: Array) -> Array:
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


def measure(name: str, dtype: type, shape: tuple[int, int], repeats: int) -> dict:
    """Median seconds of forward and backward per implementation, and whether nndl's and the
    plain form's results have the same bits."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal(shape).astype(dtype)
    dA = rng.standard_normal(shape).astype(dtype)
    g = get_activation(name)
    A = g.forward(Z)
    impls: dict[str, tuple[Callable, Callable]] = {
        "nndl": (g.forward, g.backward), "plain": PLAIN[name]}
    pair = _torch_pair(name)
    if pair is not None:
        impls["torch"] = pair
    same = (np.array_equal(_bits(g.forward(Z)), _bits(PLAIN[name][0](Z)))
            and np.array_equal(_bits(g.backward(dA, Z, A)), _bits(PLAIN[name][1](dA, Z, A))))
    times: dict[tuple[str, str], list[float]] = {}
    names = list(impls)
    for r in range(repeats + 1):
        for impl in names[r % len(names):] + names[:r % len(names)]:
            forward, backward = impls[impl]
            for part, call in (("forward", lambda: forward(Z)),
                               ("backward", lambda: backward(dA, Z, A))):
                t0 = time.perf_counter()
                call()
                if r:  # the first round warms up
                    times.setdefault((impl, part), []).append(time.perf_counter() - t0)
    return {"same_bits": same, **{k: statistics.median(v) for k, v in times.items()}}


def main(argv: "list[str] | None" = None) -> str:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="small sizes (for tests)")
    ap.add_argument("--repeats", type=int, default=300)
    args = ap.parse_args(argv)
    shape = (128, 136) if args.tiny else (512, 256)  # tiny: above activations.SMALL still
    repeats = 3 if args.tiny else args.repeats
    lines = [f"Z of {shape[0]} x {shape[1]}, median of {repeats} calls each, in turns (us)",
             f"{'activation':<11} {'dtype':<8} {'part':<9} {'nndl':>8} {'plain':>8} "
             f"{'torch':>8} {'/plain':>7} {'/torch':>7}  same bits"]
    for dtype in (np.float32, np.float64):
        for name in PLAIN:
            res = measure(name, dtype, shape, repeats)
            for part in ("forward", "backward"):
                us = {impl: res.get((impl, part)) for impl in ("nndl", "plain", "torch")}
                torch_us = f"{us['torch'] * 1e6:>8.1f}" if us["torch"] else f"{'-':>8}"
                vs_torch = (f"{us['nndl'] / us['torch']:>7.2f}" if us["torch"]
                            else f"{'-':>7}")
                lines.append(f"{name:<11} {np.dtype(dtype).name:<8} {part:<9} "
                             f"{us['nndl'] * 1e6:>8.1f} {us['plain'] * 1e6:>8.1f} {torch_us} "
                             f"{us['nndl'] / us['plain']:>7.2f} {vs_torch}  {res['same_bits']}")
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
