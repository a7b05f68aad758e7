"""``nndl export MODEL --format onnx|torch --out FILE``: a saved model as ONNX or torch.export.

    nndl export model.npz                          # model.onnx (needs nndl[onnx])
    nndl export model.npz --format torch           # model.pt2  (needs nndl[torch])
    nndl export model.npz --format onnx --out deploy/cat.onnx

The exported model takes raw rows (batch, n[0]) in the model's dtype and gives A[L] (and, for
classifiers in ONNX, the label index); it is run on random inputs and compared with nndl before
it is written (see :mod:`nndl.export`). A runtime matches X's columns by position: the command
prints them in order (the names of the table the model was trained on, or the image size),
and the export's metadata holds them. Bad input is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import NNDLError
from ..files import is_stdout, not_an_input
from . import arguments as a
from .common import read_model

NAME = "export"


def add_parser(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Add the ``export`` command to ``subparsers``; its ``run`` default is :func:`run`."""
    from ..export import FORMATS

    p = subparsers.add_parser(
        NAME, help="write a saved model as ONNX or a torch.export program",
        description="Write a saved model as an ONNX graph (.onnx, run by onnxruntime) or a "
        "torch.export program (.pt2, torch.export.load(FILE).module()). Inputs are rows "
        "(batch, n[0]), raw: the stored standardization is part of the export. The export "
        "is checked against nndl on random inputs before it is written.")
    p.add_argument("model", type=a.path, help="a model (or checkpoint) saved by nndl")
    p.add_argument("--format", type=a.lower, choices=list(FORMATS), default=None,
                   help="onnx or torch (default: from the suffix of --out, else onnx)")
    p.add_argument("--out", type=a.path,
                   help="where to write (default: MODEL with the suffix .onnx or .pt2)")
    p.add_argument("--no-check", dest="check", action="store_false",
                   help="write without first comparing the export with nndl on random inputs")
    p.set_defaults(run=run)
    return p


def _format(args: argparse.Namespace) -> str:
    """--format, else the one --out's suffix names, else onnx; NNDLError for a --format whose
    file --out names with the other format's suffix (an ONNX graph in m.pt2 was written
    without a word)."""
    from ..export import SUFFIXES

    named = next((fmt for fmt, suffix in SUFFIXES.items() if args.out is not None
                  and Path(args.out).suffix.lower() == suffix), None)
    if args.format is not None and named not in (None, args.format):
        right = Path(args.out).with_suffix(SUFFIXES[args.format]).name
        what = {"onnx": "an ONNX graph", "torch": "a torch.export program"}
        raise NNDLError(f"--format {args.format} with --out {args.out}: {SUFFIXES[named]} is "
                        f"the suffix of {what.get(named, named)}; name it {right}, or leave "
                        "--format out (the suffix chooses it)")
    return args.format or named or "onnx"


def run(args: argparse.Namespace) -> int:
    """Load ``args.model``, export it as ``args.format`` to ``args.out``; 0 on success."""
    from ..export import SUFFIXES, Inputs, export

    fmt = _format(args)
    model = Path(args.model)
    if args.out and args.out.endswith(("/", os.sep)):  # Path() would drop the slash
        raise NNDLError(f"--out {args.out} names a folder; give a file name, e.g. "
                        f"{args.out}{model.with_suffix(SUFFIXES[fmt]).name}")
    out = Path(args.out) if args.out else model.with_suffix(SUFFIXES[fmt])
    not_an_input(out, "--out", [("the model", model)])
    net, _ = read_model(str(model))
    inputs = Inputs.of(net)  # (what the model's file says its columns are)
    export(net, out, fmt, check=args.check, inputs=inputs)
    dims = net.layer_dims
    print(f"wrote {out} ({fmt}): {inputs.describe(dims[0])} {net.dtype.name} -> "
          f"A (batch, {dims[-1]}), {net.L} layer(s) "
          f"{'/'.join(net.activation_names)}"
          f"{', standardized inputs' if net.preprocessing is not None else ''}",
          file=sys.stderr if is_stdout(out) else sys.stdout)  # not into the exported bytes
    return 0
