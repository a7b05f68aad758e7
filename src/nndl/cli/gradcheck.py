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
from ..gradient_check import AUTO_SAMPLE, gradcheck, resolve_sample
from ..network import Network
from . import arguments as a

NAME = "gradcheck"



def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    c = subparsers.add_parser(NAME, help="check backpropagation against numerical gradients",
                              description="Two-sided numerical gradient check on a small random "
                              "network, or on a saved model with random inputs. Exit 1 if the "
                              "difference is above the tolerance.")
    c.add_argument("--model", help="a saved model (default: a random network)")
    c.add_argument("--sample", type=a.positive_int, default=None,
                   help="check this many parameters chosen at random (default: all of them "
                   f"up to {AUTO_SAMPLE}, a random {AUTO_SAMPLE} beyond)")
    c.add_argument("--inputs", type=a.positive_int, default=4, help="random network: n[0]")
    c.add_argument("--layers", type=a.layers, default="5,3", help="random network: hidden "
                   "sizes")
    c.add_argument("--outputs", type=a.positive_int, default=1, help="random network: n[L]")
    c.add_argument("--hidden", default="tanh", help="random network: hidden activation")
    c.add_argument("--output", default=heads.HEADS["binary"].output,
                   help="random network: output activation")
    c.add_argument("--samples", type=a.positive_int, default=8, help="random samples")
    c.add_argument("--seed", type=a.seed, default=0, help="seed of the network, the samples and "
                   "the parameters checked")
    c.add_argument("--epsilon", type=a.positive_float, default=1e-7, help="step of the "
                   "two-sided difference")
    c.add_argument("--tolerance", type=a.positive_float, default=1e-7, help="largest relative "
                   "difference that passes")
    c.set_defaults(run=run)
    return c


def run(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    if args.model:
        net, source = io.load(args.model), args.model
    else:
        net = Network([args.inputs, *args.layers, args.outputs], hidden=args.hidden,
                      output=args.output, init="xavier", seed=args.seed)
        source = "a random network"
    sample = args.sample if args.sample is not None else "auto"
    X, Y = _random_batch(net, args.samples, rng)
    total, per = gradcheck(net, X, Y, epsilon=args.epsilon, details=True, sample=sample,
                           seed=args.seed)
    print(f"gradient check of {source}: {net.layer_dims} {'/'.join(net.activation_names)}, "
          f"{args.samples} random samples, epsilon {args.epsilon:g}")
    checked = resolve_sample(sample, net.n_params)
    if checked is not None:
        print(f"checked {max(checked, 2 * net.L)} of the {net.n_params} parameters, chosen at "
              "random (--sample, --seed)")
    for k, v in per.items():
        print(f"  {k:<6} {v:.3e}")
    ok = total < args.tolerance
    print(f"difference {total:.3e} ({'ok' if ok else 'FAILED'}: tolerance {args.tolerance:g})")
    return 0 if ok else 1


def _random_batch(net: Any, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """m random inputs (around the training data when the model standardizes) and valid random
    targets for its output layer."""
    X = rng.standard_normal((net.layer_dims[0], m))
    if net.preprocessing is not None:
        X = X * np.asarray(net.preprocessing.std) + np.asarray(net.preprocessing.mean)
    return X, heads.for_output(net.output).random_targets(rng, net.layer_dims[-1], m)
