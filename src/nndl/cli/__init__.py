"""The ``nndl`` command: train, tune, evaluate, predict, info, gradcheck, export.

    nndl train                                   # the built-in breast cancer data, < 1 minute
    nndl train --data flower --layers 4 --hidden tanh --lr 1.2 --iterations 10000
    nndl train --data digits --layers 64,32 --optimizer adam --lr 0.005 --batch-size 64 --epochs 30
    nndl tune --data digits --study s1 --trials 40 --layers 32 64,32 --lr 1e-4:1e-1
    nndl evaluate --model model.npz --data test.csv
    nndl predict --model model.npz photo.jpg table.csv [--out predictions.csv]
    nndl info model.npz
    nndl gradcheck [--model model.npz]
    nndl export model.npz --format onnx|torch [--out model.onnx]

Exit status: 0 on success; 2 on bad usage or bad input (one line on stderr, no traceback);
1 when ``gradcheck`` finds a difference above its tolerance, or on a bug in nndl (with its
traceback); 128 + the signal number when training is stopped by SIGINT / SIGTERM (after
writing a checkpoint); 130 on Ctrl-C elsewhere; 141 (128 + SIGPIPE) when the reader of its
output closed it (``nndl predict ... | head``).

Each command is a module of this package with ``NAME``, ``add_parser(subparsers)`` (which
declares its options and sets ``run`` as its parser's default) and ``run(args) -> int`` (the
exit status); :data:`COMMANDS` lists them. A new command is a new module added to that list.
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = ["COMMANDS", "build_parser", "main"]


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the ``nndl`` command; returns the exit status (:func:`nndl.cli.app.main`).

    The commands (and NumPy) are imported here, not when this package is: a Ctrl-C while
    they load, or anywhere before a command runs, exits 130 without a traceback.
    """
    try:
        from .app import main as run

        return run(argv)
    except KeyboardInterrupt:
        return 130


def __getattr__(name: str) -> Any:
    """``COMMANDS`` and ``build_parser`` of :mod:`nndl.cli.app`, loaded on first use."""
    if name in ("COMMANDS", "build_parser", "EPILOG"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
