"""``nndl gradcheck``: backpropagation against two-sided numerical gradients, on a small random
network or on a saved model with random inputs. Exit 1 if the difference is above the
tolerance.

    nndl gradcheck [--model model.npz]
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import heads, io
from ..errors import NNDLError
from ..gradient_check import AUTO_SAMPLE, gradcheck, resolve_sample
from ..network import Network
from . import arguments as a

NAME = "gradcheck"



RANDOM = {"inputs": 4, "layers": [5, 3], "outputs": 1, "hidden": "tanh",
          "output": heads.HEADS["binary"].output}
"""The random network's defaults (``--inputs`` ...)."""
EPSILON = 1e-7
"""The two-sided difference's step (``--epsilon``'s default)."""
WIDER = (1e-6, 1e-5)
"""Steps tried after a default step's difference above the tolerance: a difference that falls
as the step grows was the step's rounding (a correct regression model of targets near 1e9
failed at 2.3e-7 with 1e-7, and passed at 2.2e-9 with 1e-5), while a wrong backward
propagation stays far off at every step."""

SATURATED = 1e-6
"""A sigmoid output within this of 0 or 1 is saturated: a correct trained multi-label model
FAILED at 0.14 with no word of why (A == 1.0 exactly met a random y = 0: the clipped log is
flat, the numerical gradient 0 where backprop's A - Y is 1)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    c = subparsers.add_parser(NAME, help="check backpropagation against numerical gradients",
                              description="Two-sided numerical gradient check on a small random "
                              "network, or on a saved model with random inputs. Exit 1 if the "
                              "difference is above the tolerance.")
    c.add_argument("--model", type=a.path, help="a saved model (default: a random network)")
    c.add_argument("--sample", type=a.positive_int, default=None,
                   help="check this many parameters chosen at random (default: all of them "
                   f"up to {AUTO_SAMPLE}, a random {AUTO_SAMPLE} beyond)")
    c.add_argument("--inputs", type=a.positive_int, help="random network: n[0] (default: "
                   f"{RANDOM['inputs']})")
    c.add_argument("--layers", type=a.layers, help="random network: hidden sizes (default: "
                   "5,3)")
    c.add_argument("--outputs", type=a.positive_int, help="random network: n[L] (default: "
                   f"{RANDOM['outputs']})")
    c.add_argument("--hidden", type=a.hidden_activation,
                   help=f"random network: hidden activation (default: "
                   f"{RANDOM['hidden']})")
    c.add_argument("--output", type=a.output_activation,
                   help="random network: output activation (default: "
                   f"{RANDOM['output']})")
    c.add_argument("--samples", type=a.positive_int, default=8, help="random samples")
    c.add_argument("--seed", type=a.seed, default=0, help="seed of the network, the samples and "
                   "the parameters checked")
    c.add_argument("--epsilon", type=a.positive_float, default=None, help="step of the "
                   f"two-sided difference (default: {EPSILON:g}; when the difference there "
                   "is above the tolerance, also " + " and ".join(f"{e:g}" for e in WIDER)
                   + ": rounding falls as the step grows, a wrong gradient does not)")
    c.add_argument("--tolerance", type=a.positive_float, default=1e-7, help="largest relative "
                   "difference that passes")
    c.set_defaults(run=run)
    return c


def run(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    given = [f"--{k}" for k in RANDOM if getattr(args, k) is not None]
    if args.model and given:  # (they were ignored: the report was about the model)
        raise NNDLError(f"{', '.join(given)} describe the random network; with --model the "
                        "model is checked as it is")
    if args.model:
        net, source = io.load(args.model), args.model
    else:
        r = {k: RANDOM[k] if getattr(args, k) is None else getattr(args, k) for k in RANDOM}
        net = Network([r["inputs"], *r["layers"], r["outputs"]], hidden=r["hidden"],
                      output=r["output"], init="xavier", seed=args.seed)
        source = "a random network"
    sample = args.sample if args.sample is not None else "auto"
    X, Y = _random_batch(net, args.samples, rng)
    epsilon = EPSILON if args.epsilon is None else args.epsilon
    total, per = gradcheck(net, X, Y, epsilon=epsilon, details=True, sample=sample,
                           seed=args.seed)
    print(f"gradient check of {source}: {net.layer_dims} {'/'.join(net.activation_names)}, "
          f"{args.samples} random samples, epsilon {epsilon:g}")
    checked = resolve_sample(sample, net.n_params)
    if checked is not None:
        print(f"checked {max(checked, 2 * net.L)} of the {net.n_params} parameters, chosen at "
              "random (--sample, --seed)")
    ok = total < args.tolerance
    for wider in (WIDER if args.epsilon is None and not ok else ()):
        again, per_again = gradcheck(net, X, Y, epsilon=wider, details=True, sample=sample,
                                     seed=args.seed)
        print(f"difference {total:.3e} at epsilon {epsilon:g}, {again:.3e} at {wider:g}")
        total, per, epsilon, ok = again, per_again, wider, again < args.tolerance
        if ok:
            break
    widened = args.epsilon is None and epsilon != EPSILON  # the verdict's step is a wider one
    for k, v in per.items():  # (of the step the verdict is taken at)
        print(f"  {k:<6} {v:.3e}" + (f"  (epsilon {epsilon:g})" if widened else ""))
    saturated = _saturated(net, X)
    if saturated and not ok:
        print(f"note: {saturated} of the {Y.size} sigmoid outputs are within {SATURATED:g} of 0 "
              "or 1 on these samples (saturated): there the cost's log is rounded flat and the "
              "numerical gradient is meaningless, so the difference may come from them, not "
              "from backpropagation; the architecture untrained (nndl gradcheck --inputs ... "
              "--layers ... --output sigmoid) checks the math")
    print(f"difference {total:.3e} ({'ok' if ok else 'FAILED'}: tolerance {args.tolerance:g}"
          + (f", at epsilon {epsilon:g}: the difference fell as the step grew, the rounding "
             f"of the step {EPSILON:g}" if ok and widened else "")
          + (f"; {saturated} saturated outputs, see the note" if saturated and not ok else "")
          + ")")
    return 0 if ok else 1


def _random_batch(net: Any, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m random inputs (around the training data when the model standardizes) and valid random
    targets for its output layer."""
    X = rng.standard_normal((net.layer_dims[0], m))
    if net.preprocessing is not None:
        X = X * np.asarray(net.preprocessing.std) + np.asarray(net.preprocessing.mean)
    return X, heads.for_output(net.output).random_targets(rng, net.layer_dims[-1], m)


def _saturated(net: Any, X: np.ndarray) -> int:
    """How many of the model's sigmoid outputs on X are within :data:`SATURATED` of 0 or 1
    (0 for other output layers)."""
    if heads.for_output(net.output).task != "binary":
        return 0
    A = net.forward(X)
    return int(np.count_nonzero(np.minimum(A, 1.0 - A) < SATURATED))
